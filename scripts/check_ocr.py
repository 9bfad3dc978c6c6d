"""Check ``searcher index --ocr`` against the real Tesseract: an image and a scanned PDF page of
Chinese text, rendered here with a CJK font, are indexed and found by their words.

CI cannot run this (it has Python and pip only; PyPI carries no Chinese data for Tesseract),
so it is a script, run by hand where Tesseract and its data are installed (Debian:
``apt install tesseract-ocr tesseract-ocr-chi-tra tesseract-ocr-chi-sim fonts-wqy-zenhei``):

    python3 scripts/check_ocr.py          # prints each check; exit 1 if one fails
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.test_ocr import scanned_pdf  # noqa: E402  (the tests' scanned page, as they make it)

CJK_FONTS = ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
             "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
             "/usr/share/fonts/truetype/arphic/uming.ttc")


def page(lines: list[str], font_file: str):
    """A white page with ``lines`` drawn in black, 48 px high."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(font_file, 48)
    image = Image.new("L", (900, 90 * len(lines) + 60), 255)
    draw = ImageDraw.Draw(image)
    for row, line in enumerate(lines):
        draw.text((30, 30 + 90 * row), line, font=font, fill=0)
    return image


def searcher(*args: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "searcher", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def main() -> int:
    font_file = next(filter(os.path.exists, CJK_FONTS), None)
    if shutil.which("tesseract") is None or font_file is None:
        print("needs the tesseract program and a CJK font (see this script's docstring)")
        return 1
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        env = {**os.environ, "XDG_CACHE_HOME": str(work / "cache"), "SEARCHER_NO_SERVER": "1"}
        corpus = work / "corpus"
        corpus.mkdir()
        page(["立法院今日三讀通過", "國防預算特別條例"], font_file).save(corpus / "clip.png")
        (corpus / "scan.pdf").write_bytes(
            scanned_pdf(page(["国务院发布新规定", "支持民营经济发展"], font_file).convert("RGB")))
        built = searcher("index", "corpus", "--index", "idx", "--ocr", cwd=work, env=env)
        checks = [("indexed, exit 0", built.returncode == 0),
                  ("2 pages read by OCR", "2 pages read by OCR (0 from its cache)" in built.stderr)]
        for word, file in (("國防預算", "corpus/clip.png"), ("民营经济", "corpus/scan.pdf")):
            found = searcher("search", word, "--index", "idx", "-l", cwd=work, env=env)
            checks.append((f"{word} finds {file}", found.stdout.split() == [file]))
        again = searcher("index", "corpus", "--index", "idx", "--ocr", "--rebuild", cwd=work,
                         env=env)
        checks.append(("a rebuild reads both from the cache",
                       "2 pages read by OCR (2 from its cache)" in again.stderr))
    for name, passed in checks:
        print(f"{'ok  ' if passed else 'FAIL'} {name}")
    if not all(passed for _, passed in checks):
        print(built.stderr, file=sys.stderr)
    return 0 if all(passed for _, passed in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
