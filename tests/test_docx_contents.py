"""All the text a reader of a Word file sees is indexed, once, and nothing a reader does not
see: tracked insertions but not deletions, content controls, smart tags, fields' results but
not their codes, tables inside tables, text boxes (not Word's second, VML copy of each),
footnotes and endnotes, headers and footers. Each file is made with python-docx, the
structures it has no API for written as WordprocessingML, as Word writes them."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest

from searcher.ingest.formats import parse_file
from tests.test_document_formats import index_archive

NAMESPACES = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "wps": "http://schemas.microsoft.com/office/word/2010/wordprocessingShape",
    "v": "urn:schemas-microsoft-com:vml",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
}
DECLARATIONS = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in NAMESPACES.items())


def run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def paragraph(inner: str) -> str:
    return f"<w:p>{inner}</w:p>"


def table(*rows: list[str]) -> str:
    """A table of ``rows``, each a list of its cells' content (WordprocessingML blocks)."""
    return ("<w:tbl><w:tblPr/><w:tblGrid><w:gridCol/></w:tblGrid>"
            + "".join("<w:tr>" + "".join(f"<w:tc><w:tcPr/>{cell}</w:tc>" for cell in row)
                      + "</w:tr>" for row in rows) + "</w:tbl>")


def text_box(text: str) -> str:
    """A run holding a text box as Word 2010 and later write it: DrawingML for readers that
    know it, and the same box again in VML for those that do not."""
    box = f"<w:txbxContent>{paragraph(run(text))}</w:txbxContent>"
    return (
        "<w:r><mc:AlternateContent><mc:Choice Requires=\"wps\"><w:drawing><wp:anchor "
        'distT="0" distB="0" distL="0" distR="0" simplePos="0" relativeHeight="1" behindDoc="0" '
        'locked="0" layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/>'
        '<wp:positionH relativeFrom="column"><wp:posOffset>0</wp:posOffset></wp:positionH>'
        '<wp:positionV relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset></wp:positionV>'
        '<wp:extent cx="2000000" cy="500000"/><wp:wrapSquare wrapText="bothSides"/>'
        '<wp:docPr id="1" name="Text Box 1"/><a:graphic><a:graphicData uri="http://schemas.'
        'microsoft.com/office/word/2010/wordprocessingShape"><wps:wsp><wps:txbx>'
        f"{box}</wps:txbx><wps:bodyPr/></wps:wsp></a:graphicData></a:graphic></wp:anchor>"
        "</w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox>"
        f"{box}</v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>")


def word_file(blocks: list[str], edit: Callable | None = None) -> bytes:
    """A Word file whose body is an opening paragraph and then ``blocks``
    (WordprocessingML); ``edit`` changes the python-docx document before it is saved."""
    import docx
    from docx.oxml import parse_xml

    document = docx.Document()
    document.add_paragraph("開篇段落。")
    body = document.element.body
    for block in blocks:
        # Parsed inside a wrapper declaring the prefixes, then moved out of it.
        for element in parse_xml(f"<w:body {DECLARATIONS}>{block}</w:body>"):
            body.sectPr.addprevious(element)
    if edit:
        edit(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def add_notes(document, kind: str, texts: list[str], reference: str) -> None:
    """A footnotes or endnotes part (``kind``: "footnote", "endnote") holding Word's two
    separator notes and a note for each of ``texts``; a paragraph ``reference`` refers to the
    first. python-docx has no API for notes: they are written as Word writes them."""
    from docx.opc.constants import CONTENT_TYPE, RELATIONSHIP_TYPE
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    notes = "".join(f'<w:{kind} w:id="{n}">{paragraph(run(text))}</w:{kind}>'
                    for n, text in enumerate(texts, 1))
    xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:{kind}s {DECLARATIONS}>'
           f'<w:{kind} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p>'
           f'</w:{kind}><w:{kind} w:type="continuationSeparator" w:id="0"><w:p><w:r>'
           f"<w:continuationSeparator/></w:r></w:p></w:{kind}>{notes}</w:{kind}s>")
    content_type = getattr(CONTENT_TYPE, f"WML_{kind.upper()}S")
    part = Part(PackURI(f"/word/{kind}s.xml"), content_type, xml.encode(),
                document.part.package)
    document.part.relate_to(part, getattr(RELATIONSHIP_TYPE, f"{kind.upper()}S"))
    marker = document.add_paragraph(reference).add_run()
    marker._r.append(OxmlElement(f"w:{kind}Reference", {qn("w:id"): "1"}))


def with_notes(document) -> None:
    add_notes(document, "footnote", ["註一：並檢附執照影本。"], "見註一")
    add_notes(document, "endnote", ["尾註：藍寶石備忘錄。"], "見尾註")


def with_headers(document) -> None:
    """A running head and foot; a second section whose own header and footer repeat them,
    as Word writes them when "link to previous" is off."""
    from docx.enum.section import WD_SECTION

    first = document.sections[0]
    first.header.paragraphs[0].text = "頁首：使用之電專題"
    first.footer.paragraphs[0].text = "頁尾：黃金門號版權所有"
    document.add_section(WD_SECTION.NEW_PAGE)
    document.add_paragraph("第二節正文。")
    second = document.sections[1]
    second.header.is_linked_to_previous = False
    second.header.paragraphs[0].text = "頁首：使用之電專題"
    second.footer.is_linked_to_previous = False
    second.footer.paragraphs[0].text = "頁尾：黃金門號版權所有"


TIME = 'w:author="甲" w:date="2025-01-01T00:00:00Z"'
TRACKED = [  # with a hyperlink and a word split across runs, which always were read
    paragraph(run("政府宣布") + f'<w:ins w:id="1" {TIME}>{run("玫瑰石協定")}</w:ins>'
              + f'<w:del w:id="2" {TIME}><w:r><w:delText>翡翠舊約</w:delText></w:r></w:del>'
              + run("生效。")),
    paragraph(f'<w:moveFrom w:id="3" {TIME}>{run("瑪瑙段落")}</w:moveFrom>'),
    paragraph(f'<w:moveTo w:id="4" {TIME}>{run("瑪瑙段落")}</w:moveTo>'
              + f'<w:hyperlink w:anchor="x">{run("橄欖石報告")}</w:hyperlink>'
              + run("金") + run("綠") + "<w:r><w:rPr><w:b/></w:rPr><w:t>寶石</w:t></w:r>")]
CONTROLS = [
    paragraph(run("主題：") + f"<w:sdt><w:sdtPr/><w:sdtContent>{run('月光石改革')}"
              "</w:sdtContent></w:sdt>"),
    (f"<w:sdt><w:sdtPr/><w:sdtContent>{paragraph(run('全文：紫晶計畫說明'))}"
     "</w:sdtContent></w:sdt>")]
FIELD_CODE = ('<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space='
              '"preserve"> DOCPROPERTY 琥珀碼 </w:instrText></w:r><w:r><w:fldChar w:fldCharType='
              '"separate"/></w:r>' + run("珊瑚結果") + '<w:r><w:fldChar w:fldCharType="end"/></w:r>')
FIELDS = [  # and a ruby: a phonetic guide over a word
    paragraph(run("地點：") + f'<w:smartTag w:uri="u" w:element="place">{run("石榴石廣場")}'
              "</w:smartTag>"),
    paragraph(f'<w:fldSimple w:instr="TITLE">{run("虎眼石專案")}</w:fldSimple>' + FIELD_CODE),
    paragraph(f"<w:r><w:ruby><w:rubyPr/><w:rt>{run('ㄒㄧㄢ')}</w:rt><w:rubyBase>{run('蛇紋')}"
              "</w:rubyBase></w:ruby></w:r>" + run("石礦"))]
NESTED = [table([table(["<w:p/>" + table([paragraph(run("黑珍珠條款"))]) + "<w:p/>"])
                 + paragraph(run("外格文字"))])]
TEXT_BOX = [paragraph(run("錨定段落。") + text_box("側欄：原料達八千噸"))]

# name: (the file, [phrases a reader sees], [phrases a reader does not see])
FILES: dict[str, tuple[Callable[[], bytes], list[str], list[str]]] = {
    "tracked.docx": (lambda: word_file(TRACKED),
                     ["玫瑰石協定", "政府宣布玫瑰石協定生效", "瑪瑙段落", "橄欖石報告", "金綠寶石"],
                     ["翡翠舊約"]),
    "controls.docx": (lambda: word_file(CONTROLS), ["月光石改革", "紫晶計畫"], []),
    "fields.docx": (lambda: word_file(FIELDS), ["石榴石廣場", "虎眼石專案", "珊瑚結果", "蛇紋石礦"],
                    ["琥珀碼", "DOCPROPERTY"]),
    "nested.docx": (lambda: word_file(NESTED), ["黑珍珠條款", "外格文字"], []),
    "textbox.docx": (lambda: word_file(TEXT_BOX), ["料達八千"], []),
    "notes.docx": (lambda: word_file([], with_notes), ["並檢附執", "藍寶石備忘錄"], []),
    "headers.docx": (lambda: word_file([], with_headers), ["使用之電", "黃金門號"], []),
}


@pytest.fixture(scope="module")
def indexed(tmp_path_factory):
    """The files, indexed through ``searcher index``."""
    _, run_, searcher = index_archive(tmp_path_factory.mktemp("docx"),
                                      {name: make for name, (make, _, _) in FILES.items()})
    assert run_.code == 0, run_.stderr
    return searcher


def found(searcher, phrase: str) -> list[str]:
    """The names of the files where ``phrase`` is found."""
    listed = searcher("search", f'"{phrase}"', "-l").stdout
    return sorted(Path(line).name for line in listed.split())


@pytest.mark.parametrize("name", FILES)
def test_the_text_a_reader_sees_is_found_and_no_other(indexed, name):
    _, seen, unseen = FILES[name]
    for phrase in seen:
        assert found(indexed, phrase) == [name], phrase
    for phrase in unseen:
        assert found(indexed, phrase) == [], phrase


def body_of(name: str) -> str:
    return parse_file(FILES[name][0](), name, []).documents[0].body


def test_paragraphs_read_as_a_reader_sees_them():
    """Moved text once (where it went), a ruby's base without the annotation over it,
    a field's result without its code."""
    assert body_of("tracked.docx").split("\n") == [
        "開篇段落。", "政府宣布玫瑰石協定生效。", "瑪瑙段落橄欖石報告金綠寶石"]
    assert body_of("fields.docx").split("\n") == [
        "開篇段落。", "地點：石榴石廣場", "虎眼石專案珊瑚結果", "蛇紋石礦"]


def test_a_text_box_is_read_once_after_the_paragraph_anchoring_it():
    lines = body_of("textbox.docx").split("\n")
    assert lines == ["開篇段落。", "錨定段落。", "側欄：原料達八千噸"]


def test_a_nested_table_is_read_within_its_cell_in_order():
    assert body_of("nested.docx").split("\n") == ["開篇段落。", "黑珍珠條款", "外格文字"]


def test_notes_follow_the_body_without_their_separators():
    assert body_of("notes.docx").split("\n") == [
        "開篇段落。", "見註一", "見尾註", "註一：並檢附執照影本。", "尾註：藍寶石備忘錄。"]


def test_headers_and_footers_follow_the_body_once_each():
    assert body_of("headers.docx").split("\n") == [
        "開篇段落。", "第二節正文。", "頁首：使用之電專題", "頁尾：黃金門號版權所有"]


def test_a_damaged_notes_part_costs_its_notes_only():
    import zipfile

    parts = {}
    with zipfile.ZipFile(io.BytesIO(FILES["notes.docx"][0]())) as archive:
        for name in archive.namelist():
            parts[name] = archive.read(name)
    parts["word/footnotes.xml"] = parts["word/footnotes.xml"][:-40]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    warnings: list[str] = []
    body = parse_file(out.getvalue(), "a.docx", warnings).documents[0].body
    assert "開篇段落。" in body and "藍寶石備忘錄" in body and "並檢附執" not in body
    assert len(warnings) == 1 and "word/footnotes.xml" in warnings[0], warnings
