"""E-mail, archives and RTF as a researcher keeps them — newsletters in a mailbox, a message
with a PDF attached, a zip of saved pages, a gzipped text, a tarred JSON Lines export, RTF in
both scripts — generated here, indexed through ``searcher index``, searched back and opened
with ``show`` by the path ``search`` printed; and their bombs, bounded in memory and time."""

from __future__ import annotations

import base64
import gzip
import io
import json
import tarfile
import zipfile
from email.header import Header
from email.message import EmailMessage
from pathlib import Path

import pytest

from searcher.ingest.formats import format_of, parse_file
from searcher.ingest.members import MAX_MEMBERS, MAX_RATIO
from searcher.ingest.rtf import parse_rtf
from searcher.ingest.walk import corpus_files
from tests.test_document_formats import CN_LINES, TW_LINES, index_archive, make_pdf
from tests.test_hostile_contents import bounded_python
from tests.test_hostile_files import GOOD, index_cli, paths_found, skipped

# A character GBK has and GB2312 lacks, and one Big5-HKSCS has and Big5 lacks: a label read
# as Python's codec of the same name would lose them.
GBK_ONLY, HKSCS_ONLY = "堃", "啱"
SIMPLIFIED = f"半导体出口管制升级，{GBK_ONLY}业集团表示国产替代将加快。"
TRADITIONAL = f"停火協議今日生效，雙方交換人質，{HKSCS_ONLY}啱開始撤軍。"


def encoded_word(text: str, label: str, codec: str) -> str:
    """``text`` as an RFC 2047 encoded word labelled ``label``, its bytes in ``codec`` (as a
    mail client labels GBK "gb2312", Big5-HKSCS "big5")."""
    return f"=?{label}?B?{base64.b64encode(text.encode(codec)).decode()}?="


def newsletter(subject: str, subject_charset: tuple[str, str], sender: str, date: str,
               html: str, charset: str) -> bytes:
    """One mbox entry: a newsletter with RFC 2047 headers, a plain part and an HTML part
    in ``charset``."""
    body = base64.encodebytes(html.encode(charset)).decode()
    return (f"From news@example.com Tue Sep 30 08:00:00 2025\n"
            f"Subject: {encoded_word(subject, *subject_charset)}\n"
            f"From: {Header(sender, 'utf-8').encode()} <news@example.com>\n"
            f"Date: {date}\nMIME-Version: 1.0\n"
            f'Content-Type: multipart/alternative; boundary="part"\n\n'
            f"--part\nContent-Type: text/plain; charset=us-ascii\n\nRead it as HTML.\n"
            f"--part\nContent-Type: text/html; charset={charset}\n"
            f"Content-Transfer-Encoding: base64\n\n{body}--part--\n\n").encode("ascii")


def newsletter_page(headline: str, text: str) -> str:
    """A newsletter laid out in tables, as mailing services send them."""
    return (f"<html><body><table><tr><td><a href='v'>View in browser</a></td></tr>"
            f"<tr><td><h1>{headline}</h1><p>{text}</p></td></tr>"
            f"<tr><td><p>Unsubscribe</p></td></tr></table></body></html>")


def make_mbox() -> bytes:
    return (newsletter(f"观察者周报：{GBK_ONLY}业半导体", ("gb2312", "gbk"), "观察者网",
                       "Wed, 1 Oct 2025 09:00:00 +0800",
                       newsletter_page("半导体出口管制", SIMPLIFIED), "gbk")
            + newsletter(f"端傳媒早報：{HKSCS_ONLY}停火", ("big5", "big5hkscs"), "端傳媒 Initium",
                         "Tue, 30 Sep 2025 23:30:00 -0400",
                         newsletter_page("停火", TRADITIONAL), "utf-8"))


def make_eml() -> bytes:
    message = EmailMessage()
    message["Subject"] = "報告：台海局勢"
    message["From"] = "王大明 <wang@example.tw>"
    message["Date"] = "Thu, 2 Oct 2025 10:00:00 +0800"
    message.set_content("附件是本週的報告，請查收。")
    message.add_attachment(make_pdf([TW_LINES], "MSung-Light", "台海局勢的三種劇本", "王大明"),
                           maintype="application", subtype="pdf", filename="台海 #1.pdf")
    return message.as_bytes()


def make_raw_eml() -> bytes:
    """A message as Chinese mail clients still send one: a Big5 Subject in raw bytes."""
    return (b"Subject: " + "颱風警報".encode("big5") + b"\nFrom: a@example.tw\n"
            b"Content-Type: text/plain; charset=big5\n\n" + "強烈颱風今晨登陸。".encode("big5"))


def page(title: str, text: str) -> str:
    return (f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>"
            f"<article><h1>{title}</h1><p>{text}</p></article></body></html>")


def zipped(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def gbk_named_zip(name: str, data: bytes) -> bytes:
    """A zip as a zip tool on a Chinese system makes one: its member's name in GBK, with no
    flag saying which encoding (``zipfile`` would write UTF-8 and say so)."""
    raw = name.encode("gbk")
    stand_in = b"n" * len(raw)
    return zipped({stand_in.decode(): data}).replace(stand_in, raw)


def make_pages_zip() -> bytes:
    return zipped({"2024/a.html": page("颱風登陸", "強烈颱風今晨登陸，沿海居民撤離。").encode(),
                   "2024/b#2.txt": "地震消息：芮氏規模六點二地震。".encode(),
                   "2024/": b"", "logo.png": b"\x89PNG"})


def tarred(members: dict[str, bytes] | list[tuple[str, bytes]], mode: str = "w:gz") -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode=mode) as archive:
        for name, data in dict(members).items() if isinstance(members, dict) else members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def make_export() -> bytes:
    records = [{"id": "v1", "title": "疫苗接種", "text": "疫苗接種率突破八成。"},
               {"id": "v2", "title": "罷工", "text": "鐵路工會宣布罷工。"}]
    return tarred({"./export/feed.jsonl": "\n".join(
        json.dumps(r, ensure_ascii=False) for r in records).encode()})


def u_escapes(text: str) -> str:
    r"""``text`` as RTF's ``\uN?`` escapes (UTF-16 units, negative past 32767)."""
    data = text.encode("utf-16-le")
    units = [int.from_bytes(data[i:i + 2], "little") for i in range(0, len(data), 2)]
    return "".join(f"\\u{unit - 0x10000 if unit > 32767 else unit}?" for unit in units)


def hex_escapes(text: str, encoding: str) -> str:
    return "".join(f"\\'{byte:02x}" for byte in text.encode(encoding))


ASTRAL = "𠮷"  # beyond the BMP: two \u escapes
GAZETTE = "行政院會議通過前瞻基礎建設預算。"
BULLETIN = "立法院三讀通過國土計畫法修正案。"
RTF = {  # name: (RTF source, its text)
    "unicode.rtf": ("{\\rtf1\\ansi\\ansicpg1252\\uc1\\deff0{\\fonttbl{\\f0 Calibri;}}"
                    "{\\info{\\title " + u_escapes("兩岸評論") + "}{\\author " + u_escapes("何七")
                    + "}{\\creatim\\yr2021\\mo6\\dy30}}\\f0 " + u_escapes(GAZETTE + ASTRAL)
                    + "\\par " + u_escapes(CN_LINES[0]) + "\\par}",
                    f"{GAZETTE}{ASTRAL}\n{CN_LINES[0]}"),
    "big5.rtf": ("{\\rtf1\\ansi\\ansicpg950\\deff0{\\fonttbl{\\f0\\fcharset136 "
                 + hex_escapes("新細明體", "cp950") + ";}}{\\info{\\title "
                 + hex_escapes("行政院公報", "cp950") + "}}\\f0 "
                 + hex_escapes(BULLETIN, "cp950") + "\\par}", BULLETIN),
    "gbk.rtf": ("{\\rtf1\\ansi\\ansicpg936\\deff0{\\fonttbl{\\f0\\fcharset134 "
                + hex_escapes("宋体", "gbk") + ";}}\\f0 " + hex_escapes(CN_LINES[1], "gbk")
                + "{\\pict\\pngblip " + "89504e47" * 1000 + "}\\par}", CN_LINES[1]),
    # Word on an English system: a GBK font under code page 1252, each character as \u
    # with its GBK bytes after it for readers that know no Unicode (\uc2: skip two)
    "word.rtf": ("{\\rtf1\\ansi\\ansicpg1252\\uc2\\deff0{\\fonttbl{\\f0 Times;}"
                 "{\\f1\\fcharset134 SimSun;}}\\f0 Note: \\f1 "
                 + "".join(u_escapes(c)[:-1] + hex_escapes(c, "gbk") for c in CN_LINES[1])
                 + "\\par}", "Note: " + CN_LINES[1]),
}


@pytest.mark.parametrize("name", RTF)
def test_rtf_chinese_is_read_whichever_way_it_is_written(name):
    source, text = RTF[name]
    assert parse_rtf(source.encode("ascii"), name, []).body == text


def test_rtf_metadata_comes_from_its_info_group():
    unicode = parse_rtf(RTF["unicode.rtf"][0].encode(), "a.rtf", [])
    assert (unicode.title, unicode.author, unicode.date) == ("兩岸評論", "何七", "2021-06-30")
    assert parse_rtf(RTF["big5.rtf"][0].encode(), "b.rtf", []).title == "行政院公報"


def test_rtf_with_raw_bytes_is_read_in_its_code_page():
    data = b"{\\rtf1\\ansi\\ansicpg950 " + TW_LINES[0].encode("cp950") + b"\\par}"
    assert parse_rtf(data, "a.rtf", []).body == TW_LINES[0]


FILES = {
    "mail/news.mbox": make_mbox,
    "mail/report.eml": make_eml,
    "mail/raw.eml": make_raw_eml,
    "web/pages.zip": make_pages_zip,
    "web/gbk-names.zip": lambda: gbk_named_zip("評論/停火.txt", "停戰談判重啟。".encode()),
    "notes/strike.txt.gz": lambda: gzip.compress("罷工持續第三天，交通大亂。".encode("big5")),
    "exports/export.tar.gz": make_export,
    "docs/unicode.rtf": lambda: RTF["unicode.rtf"][0].encode(),
    "docs/gbk.rtf": lambda: RTF["gbk.rtf"][0].encode(),
    "docs/big5.rtf": lambda: RTF["big5.rtf"][0].encode(),
    "other/dump.sql.gz": lambda: gzip.compress(b"select 1;"),
}


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    """``FILES`` indexed (``index_archive``)."""
    return index_archive(tmp_path_factory.mktemp("sources"), FILES)


def printed(run) -> list[str]:
    """The paths a plain ``searcher search`` printed, one a hit."""
    assert run.code == 0, run.stderr
    return [line.split("\t")[0] for line in run.stdout.splitlines()]


def test_every_source_is_indexed_without_a_warning(sources):
    folder, run, _ = sources
    assert run.code == 0, run.stderr
    summary = json.loads(run.stdout)
    assert summary["warnings"] == [] and summary["skipped"] == 0
    assert summary["added"] == 14
    assert [Path(i["file"]).name for i in summary["ignored_files"]] == ["dump.sql.gz"]


@pytest.mark.parametrize("query, path", [
    ("半导体", "mail/news.mbox#1"), ("國產替代", "mail/news.mbox#1"),
    (GBK_ONLY + "业", "mail/news.mbox#1"),
    ("交換人質", "mail/news.mbox#2"), (HKSCS_ONLY + "啱", "mail/news.mbox#2"),
    ("查收", "mail/report.eml"), ("軍售", "mail/report.eml#台海 %231.pdf"),
    ("颱風警報", "mail/raw.eml"),
    ("沿海居民", "web/pages.zip#2024/a.html"), ("芮氏", "web/pages.zip#2024/b%232.txt"),
    ("停戰", "web/gbk-names.zip#評論/停火.txt"),
    ("交通大亂", "notes/strike.txt.gz"),
    ("疫苗", "exports/export.tar.gz#export/feed.jsonl#v1"),
    ("工會", "exports/export.tar.gz#export/feed.jsonl#v2"),
    ("前瞻基礎建設", "docs/unicode.rtf"), ("伊朗", "docs/unicode.rtf"),
    ("人道主義走廊", "docs/gbk.rtf"), ("國土計畫", "docs/big5.rtf"),
])
def test_each_member_and_message_is_found_by_its_words(sources, query, path):
    _, _, searcher = sources
    assert [hit["path"] for hit in searcher("search", query, "--json").json_lines()] == [path]


def test_a_flowed_message_is_read_as_it_was_written(tmp_path):
    """``format=flowed`` (RFC 3676): the sender's program broke the lines at spaces it added
    (DelSp=no: between Chinese characters a space nobody typed), within a quote's depth."""
    text = "停火談判持續 \r\n到深夜，雙方 \r\n> 引述 \r\n> 的話 \r\n未能達成共識。\r\n"
    message = ("From: a@b.c\r\nSubject: flowed\r\nContent-Type: text/plain; charset=gbk; "
               "format=flowed\r\nContent-Transfer-Encoding: 8bit\r\n\r\n").encode() \
        + text.encode("gbk")
    _, run, searcher = index_archive(tmp_path, {"flowed.eml": lambda: message})
    assert run.code == 0, run.stderr
    for query in ['"持續到深夜"', '"引述的話"']:
        assert [Path(hit).name for hit in printed(searcher("search", query))] \
            == ["flowed.eml"], query
    assert searcher("search", '"雙方引述"').code == 1  # a quote is not the line before it


def test_a_message_has_its_subject_date_and_sender(sources):
    _, _, searcher = sources
    hits = {hit["path"]: hit for query in ("半导体", "交換人質", "查收", "颱風警報")
            for hit in searcher("search", query, "--json").json_lines()}
    fields = {path: (hits[path]["title"], hits[path]["date"], hits[path]["author"])
              for path in ("mail/news.mbox#1", "mail/news.mbox#2", "mail/report.eml")}
    assert fields == {
        "mail/news.mbox#1": (f"观察者周报：{GBK_ONLY}业半导体", "2025-10-01", "观察者网"),
        # the day as the sender wrote it, not as it was where the mail arrived
        "mail/news.mbox#2": (f"端傳媒早報：{HKSCS_ONLY}停火", "2025-09-30", "端傳媒 Initium"),
        "mail/report.eml": ("報告：台海局勢", "2025-10-02", "王大明")}
    assert hits["mail/raw.eml"]["title"] == "颱風警報"
    # the HTML part, as its visible text: the table's cells stay apart, the plain part unread
    body = json.loads(searcher("show", "mail/news.mbox#2", "--json").stdout)["body"]
    assert body == f"View in browser\n停火\n{TRADITIONAL}\nUnsubscribe"


@pytest.mark.parametrize("query", ["交換人質", "芮氏", "疫苗接種率", "軍售", "交通大亂"])
def test_show_opens_what_search_printed(sources, query):
    folder, _, run = sources
    (where,) = printed(run("search", query))
    assert "#" in where or where.endswith(".gz")
    shown = run("show", where, "--json")
    assert shown.code == 0, shown.stderr
    assert query in json.loads(shown.stdout)["body"]


def test_the_walk_takes_a_gz_only_of_a_format_it_reads():
    assert [format_of(name) for name in ("a.txt.gz", "a.html.GZ", "a.jsonl.gz", "a.tgz",
                                         "a.tar", "a.sql.gz", "a.gz", "a.mbx")] == [
        ".gz", ".gz", ".gz", ".tgz", ".tar", None, None, ".mbx"]


def test_a_changed_archive_is_read_again_and_a_removed_member_removed(tmp_path, searcher):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    pages = {"a.html": page("颱風", "颱風登陸。").encode(), "b.html": page("地震", "地震來襲。").encode()}
    (corpus / "pages.zip").write_bytes(zipped(pages))
    assert json.loads(searcher("index", str(corpus), "--index", "idx", "--json").stdout)[
        "added"] == 2
    (corpus / "pages.zip").write_bytes(zipped({"a.html": page("颱風", "颱風遠離。").encode()}))
    summary = json.loads(searcher("index", str(corpus), "--index", "idx", "--json").stdout)
    assert (summary["added"], summary["updated"], summary["removed"]) == (0, 1, 1)
    assert printed(searcher("search", "遠離", "--index", "idx")) == ["corpus/pages.zip#a.html"]
    assert searcher("search", "地震", "--index", "idx").stdout == ""
    assert searcher("show", "corpus/pages.zip#b.html", "--index", "idx").code == 2


def test_members_that_cannot_be_read_cost_only_themselves():
    warnings = []
    data = zipped({"a.txt": "颱風登陸。".encode(), "b.pdf": b"%PDF-1.4 broken",
                   "c.zip": zipped({"d.zip": zipped({"e.txt": "地震。".encode()})}),
                   "f.txt": "停火。".encode()})
    documents = parse_file(data, "x.zip", warnings).documents
    assert [d.path for d in documents] == ["x.zip#a.txt", "x.zip#f.txt"]
    assert len(warnings) == 2 and warnings[0].startswith("x.zip#b.pdf: cannot read PDF: ")
    assert warnings[0].endswith("; not read")
    assert warnings[1] == "x.zip#c.zip#d.zip: a container inside 2 others; not read"


def test_a_member_named_twice_keeps_both(tmp_path):
    data = tarred([("a.txt", "颱風。".encode()), ("b.txt", "地震。".encode()),
                   ("a.txt", "停火。".encode())], mode="w")  # a tar may repeat a name
    paths = [d.path for d in parse_file(data, "x.tar", []).documents]
    assert paths == ["x.tar#a.txt", "x.tar#b.txt", "x.tar#a.txt~3"]


def test_zip_and_gzip_bombs_cost_only_themselves(cli_env, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_bytes((Path(__file__).parent.parent / "corpus" / GOOD)
                                      .read_bytes())
    zeros = b"\0" * 50_000_000
    bomb = zipped({"ok.txt": "颱風登陸。".encode(), "zeros.txt": zeros})
    nested = zipped({"a.zip": zipped({"b.zip": zipped({"c.txt": zeros})})})
    (corpus / "bomb.zip").write_bytes(bomb)
    (corpus / "nested.zip").write_bytes(nested)
    (corpus / "zeros.txt.gz").write_bytes(gzip.compress(zeros))
    (corpus / "zeros.tar.gz").write_bytes(tarred({"zeros.txt": zeros}))
    assert sum(len(f.read_bytes()) for f in corpus.iterdir()) < 1_000_000
    code, summary, _ = index_cli(cli_env, corpus, tmp_path / "idx")
    ratio = f"inflates more than {MAX_RATIO:,} times its size (a zip bomb?)"
    with zipfile.ZipFile(io.BytesIO(bomb)) as archive:
        stored = archive.getinfo("zeros.txt")
    assert code == 1 and skipped(summary) == {"zeros.txt.gz": ratio}
    assert summary["warnings"] == [
        f"bomb.zip#zeros.txt: inflates {stored.file_size // stored.compress_size:,} times its "
        f"size (a zip bomb?); not read",
        "nested.zip#a.zip#b.zip: a container inside 2 others; not read",
        f"zeros.tar.gz#zeros.txt: {ratio}; the rest is not read"]
    assert paths_found(tmp_path / "idx", "颱風") == {"bomb.zip#ok.txt"}
    assert paths_found(tmp_path / "idx", "停火") == {"good.txt"}


def test_a_mailbox_of_a_hundred_thousand_messages_is_read_to_its_bound(cli_env, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    with open(corpus / "tiny.mbox", "wb") as mailbox:
        for n in range(100_000):
            mailbox.write(b"From a@b Mon Jan  1 00:00:00 2024\nSubject: %d\n\n%d\n\n" % (n, n))
    read = bounded_python(f"""
import json
from pathlib import Path
from searcher.indexing import reading
corpus = Path({str(corpus)!r})
results = list(reading.read_files([(corpus / "tiny.mbox", corpus)], {{}}))
print(json.dumps({{"results": len(results),
                  "documents": sum(len(result.documents) for result in results),
                  "last": results[-1].documents[-1].path,
                  "warnings": [w for result in results for w in result.warnings]}}))
""", cli_env)
    assert read == {"results": MAX_MEMBERS // 100, "documents": MAX_MEMBERS,
                    "last": f"tiny.mbox#{MAX_MEMBERS}",
                    "warnings": [f"tiny.mbox: more than {MAX_MEMBERS:,} members; only the "
                                 f"first {MAX_MEMBERS:,} are read"]}


def test_the_walk_takes_archives_and_mail(tmp_path):
    for name in ("a.zip", "b.tgz", "c.txt.gz", "d.eml", "e.mbox", "f.rtf", "g.sql.gz", "h.gz"):
        (tmp_path / name).write_bytes(b"")
    ignored = []
    taken = [f.name for f, _ in corpus_files([tmp_path], ignored=ignored)]
    assert taken == ["a.zip", "b.tgz", "c.txt.gz", "d.eml", "e.mbox", "f.rtf"]
    assert sorted(Path(f).name for f, _ in ignored) == ["g.sql.gz", "h.gz"]
