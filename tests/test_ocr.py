"""OCR (``searcher index --ocr``): images and text-less PDF pages read by Tesseract.

Most tests run a small stand-in ``tesseract`` that the test writes into a folder of its own
and puts first on ``PATH`` (a test double of an external program): it lists the Chinese
languages, keeps each image it is given, counts its runs and prints a fixed text. The real Tesseract on rendered Chinese text needs its
Chinese data and a CJK font, which CI cannot install from PyPI: ``scripts/check_ocr.py`` runs
that check by hand.
"""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest

INSTALL = "apt install tesseract-ocr tesseract-ocr-chi-tra tesseract-ocr-chi-sim"
FAKE_TEXT = "掃描所見停火協議今日生效"


def png_bytes(size: tuple[int, int] = (40, 20)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("L", size, 255).save(out, "PNG")
    return out.getvalue()


def scanned_pdf(image) -> bytes:
    """A PDF whose only page is ``image`` (a PIL image), drawn with no text at all."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=(image.width, image.height))
    page.drawImage(ImageReader(image), 0, 0, image.width, image.height)
    page.showPage()
    page.save()
    return out.getvalue()


def fake_tesseract(folder: Path, body: str = f"echo '{FAKE_TEXT}'") -> Path:
    """A ``tesseract`` in ``folder`` that lists chi_sim, chi_tra and eng, keeps each image it
    reads as ``folder/input.N``, and runs ``body``; its runs are the ``input.*`` files."""
    folder.mkdir(exist_ok=True)
    script = folder / "tesseract"
    script.write_text(f"""#!/bin/sh
if [ "$1" = "--list-langs" ]; then
  printf 'List of available languages in "/x/" (3):\\nchi_sim\\nchi_tra\\neng\\n'
  exit 0
fi
cat > "{folder}/input.$$"
{body}
""")
    script.chmod(0o755)
    return folder


def runs(folder: Path) -> list[bytes]:
    return [path.read_bytes() for path in sorted(folder.glob("input.*"))]


@pytest.fixture
def on_path(cli_env, tmp_path):
    """Put a folder first on the commands' PATH (only it, with ``alone``)."""

    def put(folder: Path, alone: bool = False) -> None:
        cli_env["PATH"] = str(folder) if alone else f"{folder}{os.pathsep}{cli_env['PATH']}"

    cli_env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    return put


def corpus(tmp_path: Path) -> Path:
    from PIL import Image

    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.txt").write_text("date 2024-01-02 市議會通過預算。", encoding="utf-8")
    (folder / "clip.png").write_bytes(png_bytes())
    (folder / "scan.pdf").write_bytes(scanned_pdf(Image.new("RGB", (30, 40), "white")))
    return folder


def test_images_are_ignored_without_ocr(searcher, tmp_path):
    corpus(tmp_path)
    run = searcher("index", "corpus", "--index", "idx", "-v")
    assert run.code == 1  # the scanned PDF is skipped, as before
    assert "clip.png: not a corpus file type" in run.stderr
    assert "scan.pdf: no text layer (a scanned PDF?)" in run.stderr
    assert "read by OCR" not in run.stderr


def test_ocr_without_tesseract_says_how_to_install_it(searcher, on_path, tmp_path):
    corpus(tmp_path)
    assert searcher("index", "corpus", "--index", "idx").code == 1
    empty = tmp_path / "empty"
    empty.mkdir()
    on_path(empty, alone=True)
    for args in (["--ocr"], []):
        if not args:  # the configuration's key asks the same
            (tmp_path / "config" / "searcher").mkdir(parents=True)
            (tmp_path / "config" / "searcher" / "config.toml").write_text("ocr = true\n")
        run = searcher("index", "corpus", "--index", "idx", *args)
        assert (run.code, run.stdout) == (2, "")
        assert run.stderr.splitlines() == [
            f"searcher: error: --ocr needs Tesseract, which is not installed: {INSTALL}"]
    assert "a.txt" in searcher("search", "預算", "--index", "idx", "-l").stdout


def test_ocr_without_chinese_data_says_how_to_install_it(searcher, on_path, tmp_path):
    corpus(tmp_path)
    on_path(fake_tesseract(tmp_path / "bin", "exit 0"))
    (tmp_path / "bin" / "tesseract").write_text(
        "#!/bin/sh\nprintf 'List of available languages (1):\\neng\\n'\n")
    run = searcher("index", "corpus", "--index", "idx", "--ocr")
    assert (run.code, run.stderr.splitlines()) == (2, [
        f"searcher: error: --ocr needs Tesseract's Chinese data (chi_tra and chi_sim not "
        f"installed): {INSTALL}"])


def test_images_and_scanned_pages_are_read_once(searcher, on_path, tmp_path):
    corpus(tmp_path)
    bin_dir = fake_tesseract(tmp_path / "bin")
    on_path(bin_dir)
    run = searcher("index", "corpus", "--index", "idx", "--ocr")
    assert run.code == 0, run.stderr
    assert "2 pages read by OCR (0 from its cache)" in run.stderr
    images = runs(bin_dir)
    assert sorted(image[:2] for image in images) == [b"P6", b"\x89P"]  # the PNG; the page
    assert images[[i[:2] for i in images].index(b"P6")].startswith(b"P6 30 40 255\n")
    found = searcher("search", "停火協議", "--index", "idx", "-l").stdout.split()
    assert sorted(found) == ["corpus/clip.png", "corpus/scan.pdf"]

    cache = tmp_path / "cache" / "searcher" / "ocr"
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in cache.iterdir()} == {0o600}
    run = searcher("index", "corpus", "--index", "idx", "--ocr", "--rebuild")
    assert run.code == 0, run.stderr
    assert "2 pages read by OCR (2 from its cache)" in run.stderr
    assert len(runs(bin_dir)) == 2  # not run again
    assert sorted(searcher("search", "停火協議", "--index", "idx", "-l").stdout.split()) == found


def test_ocr_is_held_to_the_file_deadline(searcher, on_path, tmp_path):
    corpus(tmp_path)
    on_path(fake_tesseract(tmp_path / "bin", "exec sleep 30"))
    run = searcher("index", "corpus", "--index", "idx", "--ocr", "--max-file-seconds", "0.5")
    assert run.code == 1
    assert sorted(line for line in run.stderr.splitlines() if "skipped /" in line) == [
        f"searcher: warning: skipped {tmp_path}/corpus/{name}: took longer than 0.5 s to read, "
        f"the most one file may take; not read" for name in ("clip.png", "scan.pdf")]
    assert "a.txt" in searcher("search", "預算", "--index", "idx", "-l").stdout


def test_an_index_keeps_ocr_on_until_told_otherwise(searcher, on_path, tmp_path):
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    corpus(tmp_path)
    out = io.BytesIO()  # a page of text, then a scanned page
    pdfmetrics.registerFont(UnicodeCIDFont("MSung-Light"))
    pages = canvas.Canvas(out)
    pages.setFont("MSung-Light", 12)
    pages.drawString(72, 720, "第一頁討論城市交通。")
    pages.showPage()
    pages.drawImage(ImageReader(Image.new("RGB", (31, 40), "white")), 0, 0, 31, 40)
    pages.showPage()
    pages.save()
    (tmp_path / "corpus" / "mixed.pdf").write_bytes(out.getvalue())
    on_path(fake_tesseract(tmp_path / "bin"))

    def found(query: str) -> list[str]:
        return sorted(searcher("search", query, "--index", "idx", "-l").stdout.split())

    assert searcher("index", "corpus", "--index", "idx").code == 1  # scan.pdf: no text
    assert found("城市交通") == ["corpus/mixed.pdf"] and found("停火協議") == []
    run = searcher("index", "corpus", "--index", "idx", "--ocr")
    assert (run.code, "3 pages read by OCR (0 from its cache)" in run.stderr) == (0, True)
    assert found("停火協議") == ["corpus/clip.png", "corpus/mixed.pdf", "corpus/scan.pdf"]
    run = searcher("index", "corpus", "--index", "idx")  # as it was built: with OCR
    assert (run.code, "0 pages read by OCR" in run.stderr) == (0, True)
    assert found("停火協議") == ["corpus/clip.png", "corpus/mixed.pdf", "corpus/scan.pdf"]
    run = searcher("index", "corpus", "--index", "idx", "--no-ocr")
    assert (run.code, "read by OCR" in run.stderr) == (1, False)  # scan.pdf: no text
    # the image is gone; the scan is skipped, and keeps what it had, as any skipped file
    assert found("停火協議") == ["corpus/scan.pdf"] and found("城市交通") == ["corpus/mixed.pdf"]
    assert len(runs(tmp_path / "bin")) == 3


def test_a_scanned_page_gives_its_images_as_files(tmp_path):
    """Without a renderer: a JPEG as stored, raw 1-bit samples as a PBM (black is 1)."""
    from PIL import Image
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject, NumberObject

    from searcher.ingest.scans import page_images

    Image.new("RGB", (16, 8), "white").save(tmp_path / "p.jpg")
    jpeg = (tmp_path / "p.jpg").read_bytes()
    [page] = PdfReader(io.BytesIO(scanned_pdf_of(tmp_path / "p.jpg"))).pages
    assert page_images(page, 1, "scan.pdf", []) == [jpeg]

    writer = PdfWriter()
    page = writer.add_blank_page(16, 2)
    samples = DecodedStreamObject()
    samples.set_data(bytes([0b00001111, 0xFF, 0xFF, 0x00]))  # 0 is black in PDF
    samples.update({NameObject(k): v for k, v in {
        "/Type": NameObject("/XObject"), "/Subtype": NameObject("/Image"),
        "/Width": NumberObject(16), "/Height": NumberObject(2),
        "/ColorSpace": NameObject("/DeviceGray"), "/BitsPerComponent": NumberObject(1)}.items()})
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/XObject"): DictionaryObject(
        {NameObject("/Im0"): writer._add_object(samples)})})
    out = io.BytesIO()
    writer.write(out)
    [page] = PdfReader(out).pages
    assert page_images(page, 1, "scan.pdf", []) == [b"P4 16 2\n" + bytes([0b11110000, 0, 0, 0xFF])]


def scanned_pdf_of(image_file: Path) -> bytes:
    """A PDF whose only page is an image file, stored as it is (reportlab keeps a JPEG)."""
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=(16, 8))
    page.drawImage(str(image_file), 0, 0, 16, 8)
    page.showPage()
    page.save()
    return out.getvalue()


def test_ocr_is_refused_on_a_cluster(searcher, tmp_path):
    corpus(tmp_path)
    run = searcher("index", "corpus", "--index", "idx", "--ocr", "--cluster", "tcp://127.0.0.1:9")
    assert run.code == 2
    assert "--ocr is not available with --cluster" in run.stderr
