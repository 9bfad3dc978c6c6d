"""Read corpus files into ``Document``s: plain text, Markdown, HTML and JSON Lines, in any
encoding ``decoding`` can identify.

* Plain text (``.txt``): an optional header block — the sample format's ``date YYYY-MM-DD``
  prefix (the lead paragraph may follow on the same line), or ``title:``/``author:``/
  ``date:``/``source:``/``url:`` lines, also as 標題/作者/日期/來源/網址 with ``:`` or ``：`` —
  then the body.
* Markdown (``.md``): YAML front matter (title, date, author, source, url, tags); the title
  falls back to the first ``#`` heading.
* HTML (``.html``/``.htm``): see ``html_text``.
* JSON Lines (``.jsonl``, UTF-8 as the format requires): one article a line (``title``, ``date``, ``body``/``text``/``content``,
  ``url``, ``author``, ``source``, ``tags``); its path is ``FILE#ID`` (the ``id`` field, else the
  line number).

Without a date the article is undated: a date is never invented, and one that cannot be read
is a warning. Without a title, the lead's first sentence stands in. Without an author field,
an author line in the text (作者為…, 作者：…, 文／…) fills it; the body stays whole.

    >>> doc = parse_text(" date 2026-01-20 在海灣阿拉伯國家內部力勸下，特朗普暫緩。", "a.txt", [])
    >>> doc.date, doc.title
    ('2026-01-20', '在海灣阿拉伯國家內部力勸下，特朗普暫緩。')
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from searcher.dates import normalize_date
from searcher.decoding import decode
from searcher.errors import DocumentError
from searcher.models import Document

TEXT_SUFFIXES = {".txt", ".text"}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
CORPUS_SUFFIXES = TEXT_SUFFIXES | MARKDOWN_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES
BODY_KEYS = ("body", "text", "content")
TITLE_LENGTH = 30
# A longer document is cut (with a warning): one article never needs more, and analysing a
# 50 MB blob would stall the run.
MAX_DOCUMENT_CHARS = 2_000_000

_DATE_PREFIX_RE = re.compile(r"\A\s*date[ \t]+(\d{4}-\d{2}-\d{2})(?:[ \t]+|[ \t]*\r?\n)")
_HEADER_RE = re.compile(
    r"[ \t]*(title|author|date|source|url|標題|标题|作者|日期|來源|来源|網址|网址)[ \t]*[:：][ \t]*(.*)",
    re.IGNORECASE)
_HEADER_KEYS = {"標題": "title", "标题": "title", "作者": "author", "日期": "date",
                "來源": "source", "来源": "source", "網址": "url", "网址": "url"}
_AUTHOR_LINE_RE = re.compile(r"^[ \t]*(?:作者[為为是][ \t]*|作者[:：][ \t]*|文[／/][ \t]*)([^\n]{1,60})$",
                             re.MULTILINE)
_FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)",
                              re.DOTALL)
_HEADING_RE = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
_SENTENCE_END_RE = re.compile(r"[。！？!?\n]")


@dataclass
class ParsedFile:
    documents: list[Document]
    encoding: str


def derive_title(body: str, length: int = TITLE_LENGTH) -> str:
    """The lead's first sentence, cut with an ellipsis when longer than ``length``."""
    lead = body.strip()
    end = _SENTENCE_END_RE.search(lead)
    sentence = lead[: end.end()].strip() if end else lead
    return sentence if len(sentence) <= length else sentence[: length - 1].rstrip() + "…"


def parse_file(data: bytes, path: str, warnings: list[str]) -> ParsedFile:
    """The documents in one corpus file's bytes; ``path`` names it in results. Problems that
    cost part of the file or its metadata go to ``warnings``; an unreadable file raises
    ``DocumentError``."""
    suffix = Path(path).suffix.lower()
    if suffix in JSONL_SUFFIXES:  # UTF-8 by definition, read line by line
        return ParsedFile(parse_jsonl_range(data.rstrip(b"\r\n"), 1, path, warnings), "utf-8")
    text, encoding = decode(data, path)
    if suffix in MARKDOWN_SUFFIXES:
        documents = [parse_markdown(text, path, warnings)]
    elif suffix in HTML_SUFFIXES:
        documents = [parse_html(text, path, warnings)]
    else:
        documents = [parse_text(text, path, warnings)]
    return ParsedFile(_kept(documents, warnings), encoding)


def _kept(documents: list[Document], warnings: list[str]) -> list[Document]:
    """Documents worth indexing: empty ones dropped, huge ones cut, each with a warning."""
    kept = []
    for doc in documents:
        if doc.body.strip():
            kept.append(_bounded(doc, warnings))
        else:
            warnings.append(f"{doc.path}: no text; not indexed")
    return kept


def parse_text(text: str, path: str, warnings: list[str]) -> Document:
    """Plain text: optional date prefix or header block, then the body."""
    fields: dict[str, str] = {}
    match = _DATE_PREFIX_RE.match(text)
    if match:
        fields["date"] = match.group(1)
        text = text[match.end():]
    else:
        text = text.lstrip("\n")
        lines = text.split("\n")
        consumed = 0
        for line in lines:
            header = _HEADER_RE.fullmatch(line.rstrip("\r"))
            if not header:
                break
            key = header.group(1).lower()
            fields.setdefault(_HEADER_KEYS.get(key, key), header.group(2).strip())
            consumed += 1
        if consumed:
            text = "\n".join(lines[consumed:])
    return _document(path, text.strip(), fields, warnings)


def parse_markdown(text: str, path: str, warnings: list[str]) -> Document:
    """Markdown with optional YAML front matter."""
    fields: dict = {}
    match = _FRONT_MATTER_RE.match(text)
    if match:
        import yaml

        try:
            loaded = yaml.safe_load(match.group(1))
        except yaml.YAMLError as error:
            warnings.append(f"{path}: front matter is not YAML ({error.__class__.__name__}); "
                            f"read as text")
            loaded = None
        if isinstance(loaded, dict):
            fields = loaded
            text = text[match.end():]
    body = text.strip()
    if not fields.get("title"):
        heading = _HEADING_RE.search(body)
        if heading:
            fields["title"] = heading.group(1)
    return _document(path, body, fields, warnings)


def parse_html(text: str, path: str, warnings: list[str]) -> Document:
    from searcher.html_text import extract

    page = extract(text)
    fields = {"title": page.title, "date": page.date, "author": page.author,
              "source": page.source}
    return _document(path, page.text, fields, warnings)


def parse_jsonl_line(line: str, number: int, path: str, warnings: list[str]) -> Document | None:
    """The document on line ``number`` of a JSON Lines file, or None (blank or bad line)."""
    if not line.strip():
        return None
    try:
        record = json.loads(line)
    except ValueError as error:
        warnings.append(f"{path}:{number}: not JSON ({error.msg}); line skipped")
        return None
    if not isinstance(record, dict):
        warnings.append(f"{path}:{number}: not a JSON object; line skipped")
        return None
    body = next((record[k] for k in BODY_KEYS if isinstance(record.get(k), str)), "")
    return _document(f"{path}#{record.get('id', number)}", body.strip(), record, warnings)


def parse_jsonl_range(data: bytes, first_line: int, path: str,
                      warnings: list[str]) -> list[Document]:
    """The documents in a run of whole UTF-8 JSON Lines starting at line ``first_line`` (a
    large file is read in such runs, so it never sits in memory whole)."""
    documents = []
    for number, raw in enumerate(data.split(b"\n"), first_line):
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            warnings.append(f"{path}:{number}: not UTF-8; line skipped")
            continue
        doc = parse_jsonl_line(line, number, path, warnings)
        if doc is not None:
            documents.append(doc)
    return _kept(documents, warnings)


def _document(path: str, body: str, fields: dict, warnings: list[str]) -> Document:
    """A Document from a body and whatever metadata the format supplied."""
    date = None
    written_date = _field(fields, "date")
    if written_date:
        date = normalize_date(written_date)
        if date is None:
            warnings.append(f"{path}: unreadable date {written_date!r}; indexed as undated")
    author = _field(fields, "author")
    if author is None:
        line = _AUTHOR_LINE_RE.search(body)
        author = line.group(1).strip() if line else None
    tags = fields.get("tags") or ()
    if isinstance(tags, str):
        tags = [t for t in re.split(r"[,，、\s]+", tags) if t]
    return Document(path=path, body=body, title=_field(fields, "title") or derive_title(body),
                    date=date, author=author, source=_field(fields, "source"),
                    url=_field(fields, "url"),
                    tags=tuple(str(t) for t in tags) if isinstance(tags, (list, tuple)) else ())


def _field(fields: dict, key: str) -> str | None:
    value = fields.get(key)
    text = str(value).strip() if value is not None else ""
    return text or None


def _bounded(doc: Document, warnings: list[str]) -> Document:
    if len(doc.body) <= MAX_DOCUMENT_CHARS:
        return doc
    warnings.append(f"{doc.path}: {len(doc.body):,} characters; only the first "
                    f"{MAX_DOCUMENT_CHARS:,} are indexed")
    return replace(doc, body=doc.body[:MAX_DOCUMENT_CHARS])


def corpus_files(paths: list[Path]) -> Iterator[tuple[Path, Path]]:
    """``(file, base)`` for every corpus file under ``paths``, in a stable order; ``file`` is
    absolute, and a document's path is ``file`` relative to ``base``: the folder given, or,
    when several are given, their common parent, so that no two files share a path. Symbolic
    links to folders are not followed (no loops); hidden files and folders are skipped."""
    resolved = []
    for path in paths:
        if not path.exists():
            raise DocumentError(f"no such file or folder: {path}")
        resolved.append(path.resolve())
    if len(resolved) == 1:
        base = resolved[0] if resolved[0].is_dir() else resolved[0].parent
    else:
        base = Path(os.path.commonpath([p if p.is_dir() else p.parent for p in resolved]))
    for path in resolved:
        if path.is_dir():
            for file in sorted(_walk(path)):
                yield file, base
        else:
            yield path, base


def _walk(folder: Path) -> Iterator[Path]:
    for directory, subdirs, files in os.walk(folder, followlinks=False):
        subdirs[:] = [d for d in subdirs if not d.startswith(".")]
        for name in files:
            file = Path(directory) / name
            if not name.startswith(".") and file.suffix.lower() in CORPUS_SUFFIXES:
                yield file
