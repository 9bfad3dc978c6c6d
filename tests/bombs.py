"""Hostile corpus files, generated on demand (never committed): zip bombs, pages too large for
the article finder, endless JSON lines, page floods, entities, files that are merely slow. The
tests build them just past each bound; ``scripts/soak.py --hostile`` at the sizes that were
reported to fill memory or run for minutes. A bomb is streamed as it is made, never held."""

from __future__ import annotations

import io
import itertools
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path

from tests.test_document_formats import make_docx, make_epub, make_pdf

PARAGRAPH = "<w:p><w:r><w:t>颱風登陸。</w:t></w:r></w:p>".encode()  # 6 tags, 48 bytes
ARTICLE = "".join(f"<p>颱風登陸第{i}天，沿海居民撤離，交通中斷，救災人員持續搜救。</p>"
                  for i in range(20))


def zipped(parts: dict[str, bytes | Iterable[bytes]]) -> bytes:
    """A zip (deflated) of ``parts``, each given whole or as blocks."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            with archive.open(name, "w", force_zip64=True) as part:
                for block in [content] if isinstance(content, bytes) else content:
                    part.write(block)
    return out.getvalue()


def unzipped(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def docx_with_body(blocks: Iterable[bytes]) -> bytes:
    """The sample Word file with ``blocks`` in place of its body's paragraphs."""
    parts = unzipped(make_docx())
    document = parts["word/document.xml"]
    head, tail = document[:document.index(b"<w:body>") + 8], b"</w:body></w:document>"
    parts["word/document.xml"] = itertools.chain([head], blocks, [tail])
    return zipped(parts)


def paragraphs(count: int) -> Iterable[bytes]:
    """``count`` paragraphs of WordprocessingML, a thousand a block."""
    for start in range(0, count, 1000):
        yield PARAGRAPH * min(1000, count - start)


def inflating_docx(size: int) -> bytes:
    """A Word file whose text part inflates to more than ``size`` bytes (a few hundred times
    the file's)."""
    return docx_with_body(paragraphs(size // len(PARAGRAPH) + 1))


def slow_docx(tags: int) -> bytes:
    """A Word file of paragraphs holding nearly ``tags`` tags: within every bound, but
    python-docx takes seconds over them."""
    return docx_with_body(paragraphs((tags - 1000) // 6))


def tags_docx(tags: int) -> bytes:
    """A Word file of ``tags`` empty paragraphs: a few hundred bytes an element to a parser."""
    return docx_with_body(itertools.repeat(b"<w:p/>" * 1000, tags // 1000 + 1))


def many_parts_zip(parts: int) -> bytes:
    return zipped({f"{i}.xhtml": b"" for i in range(parts)})


def inflating_odt(size: int) -> bytes:
    """An OpenDocument file whose content part inflates to more than ``size`` bytes."""
    return zipped({"content.xml": itertools.repeat(b" " * 1_000_000, size // 1_000_000 + 1)})


def heavy_docx(parts: int, part_size: int) -> bytes:
    """The sample Word file with ``parts`` media parts of ``part_size`` bytes each."""
    return zipped({**unzipped(make_docx()), **{
        f"word/media/{i}.png": itertools.repeat(b"\0" * 1_000_000, part_size // 1_000_000)
        for i in range(parts)}})


def chapter(text: str) -> bytes:
    return (f'<html xmlns="http://www.w3.org/1999/xhtml"><body><p>{text}</p></body></html>'
            ).encode()


def epub_with_chapters(chapters: dict[str, bytes], spine: list[str]) -> bytes:
    """The sample EPUB's files with ``chapters`` (name → XHTML) in place of its own, read in
    the order of ``spine`` (names, repeats allowed)."""
    parts = unzipped(make_epub())
    opf = parts.pop("OEBPS/book.opf").decode()
    manifest = "".join(f'<item id="c{i}" href="text/{name}" media-type="application/xhtml+xml"/>'
                       for i, name in enumerate(chapters))
    ids = {name: f"c{i}" for i, name in enumerate(chapters)}
    opf = re.sub("<manifest>.*</manifest>", f"<manifest>{manifest}</manifest>", opf, flags=re.S)
    opf = re.sub("<spine>.*</spine>", "<spine>" + "".join(
        f'<itemref idref="{ids[name]}"/>' for name in spine) + "</spine>", opf, flags=re.S)
    parts = {name: data for name, data in parts.items() if not name.startswith("OEBPS/text/")}
    return zipped({**parts, "OEBPS/book.opf": opf.encode(),
                   **{f"OEBPS/text/{name}": data for name, data in chapters.items()}})


def repeated_spine_epub(chapter_chars: int, times: int) -> bytes:
    """A book whose spine lists one chapter of ``chapter_chars`` characters ``times`` times."""
    return epub_with_chapters({"a.xhtml": chapter("颱風登陸，" * (chapter_chars // 5))},
                              ["a.xhtml"] * times)


def entity_docx(target: Path) -> bytes:
    """The sample Word file with an external entity naming ``target`` amid a sentence: the
    entity must stay unresolved, the words after it kept."""
    parts = unzipped(make_docx())
    document = parts["word/document.xml"].decode()
    document = document.replace(
        "<w:document", f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file://{target}">]>'
                       f"<w:document", 1).replace("芬蘭加入後", "芬蘭&xxe;加入後")
    return zipped({**parts, "word/document.xml": document.encode()})


def page(rest: str) -> str:
    """A page of an article (颱風, 救災) and ``rest``, with navigation (選單) to drop."""
    return (f"<html><head><title>颱風</title></head><body><nav>選單</nav>{ARTICLE}{rest}"
            f"</body></html>")


def wide_element(attributes: int) -> str:
    return f"<div {' '.join(f'a{i}=x' for i in range(attributes))}></div>"


def paged_pdf(pages: int) -> bytes:
    """A PDF of one page of text (颱風) and ``pages`` blank ones after it."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.add_page(PdfReader(io.BytesIO(make_pdf([["颱風登陸，沿海居民撤離。"]], "MSung-Light",
                                                   "颱風", "甲"))).pages[0])
    for _ in range(pages):
        writer.add_blank_page(100, 100)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def raw_pdf(objects: list[bytes]) -> bytes:
    """A PDF of ``objects`` (numbered from 1, the first the catalog), with its cross-reference
    table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    table = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, table)
    return bytes(out)


def surrogate_pdf() -> bytes:
    """A PDF whose font maps a glyph to half a surrogate pair (``<D83D>``), as a subset font's
    broken ToUnicode table can: its text reads 颱風 and a lone surrogate."""
    cmap = (b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /X def "
            b"1 begincodespacerange <00> <FF> endcodespacerange 3 beginbfchar <41> <D83D> "
            b"<42> <98B1> <43> <98A8> endbfchar endcmap CMapName currentdict /CMap "
            b"defineresource pop end end")
    content = b"BT /F1 12 Tf 50 200 Td (BCA) Tj ET"
    return raw_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 300] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 6 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(cmap), cmap)])


def write_long_line_jsonl(path: Path, line_bytes: int) -> None:
    """A JSON Lines file of a short record (颱風), one record of ``line_bytes`` bytes, and
    another short one (地震)."""
    with open(path, "w", encoding="utf-8") as out:
        out.write('{"id": "a", "text": "颱風。"}\n{"id": "long", "text": "')
        block = "停火" * 500_000  # 3 MB
        for _ in range(line_bytes // (3 * len(block)) + 1):
            out.write(block)
        out.write('"}\n{"id": "b", "text": "地震。"}\n')


# "\ud83d" is half of an emoji's UTF-16 pair: JSON and YAML escapes can spell it alone.
SURROGATE_RECORDS = ['{"id": "a", "title": "\\ud83d颱風", "text": "颱風登陸\\ud83d。"}',
                     '{"id": "\\ud83d", "text": "地震。"}',
                     '{"id": "b", "text": "疫苗。", "tags": ["x\\udc00", 1]}']
SURROGATE_YAML = '---\ntitle: "罷工\\ud83d"\n---\n罷工。\n'
SURROGATE_JSON = '{"author": "\\udfff"}\n\n# 股市\n股市。\n'
