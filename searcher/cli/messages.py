"""What the command writes besides its printers' output, and what every printer writes
through: text from documents and file names made harmless (control characters, bidi
overrides, line separators), one line for line formats, JSON that is always valid UTF-8;
an error in words; an indexing run's warnings.
"""

from __future__ import annotations

import json
import re

import click

from searcher.cli.remedies import with_remedy
from searcher.errors import IndexStateError, SearcherError

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LINE_SEPARATORS = str.maketrans("\u2028\u2029", "\n\n")


def safe(text: str) -> str:
    """Control characters (escape sequences, bidi overrides) to U+FFFD, and Unicode's line and
    paragraph separators (U+2028, U+2029: terminals differ on them) to the newline they
    mean; same length."""
    return _CONTROL_RE.sub("\ufffd", text).translate(_LINE_SEPARATORS)


def one_line(text: str) -> str:
    """``safe`` text for a line-oriented format: tabs and newlines become spaces."""
    return safe(text).replace("\t", " ").replace("\n", " ")


def error_message(error: Exception) -> str:
    """What the command says of an error: a problem of the user's or the machine's (a full
    disk, a read-only folder) in its own words; anything else is a bug of ours, to report."""
    if isinstance(error, IndexStateError):
        return with_remedy(error)
    if isinstance(error, SearcherError):
        return str(error)
    if isinstance(error, OSError):
        where = f": {error.filename}" if error.filename else ""
        return f"{error.strerror or error}{where}"
    return (f"internal error ({type(error).__name__}: {error}); please report it, with the "
            f"traceback that SEARCHER_DEBUG=1 prints")


_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def json_line(value: object) -> str:
    """``value`` as one line of JSON, always valid UTF-8. A string holding bytes that are not
    text (a file name in GBK or Big5, which Python keeps as surrogate escapes) is written
    with U+FFFD in their place, and, in an object, its exact bytes beside it under
    ``KEY_bytes`` (base64), as ripgrep's JSON gives ``bytes`` where ``text`` cannot hold
    them."""
    return json.dumps(_valid_text(value), ensure_ascii=False)


def _valid_text(value: object) -> object:
    if isinstance(value, str):
        return _SURROGATE_RE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_valid_text(item) for item in value]
    if not isinstance(value, dict):
        return value
    valid = {}
    for key, item in value.items():
        valid[key] = _valid_text(item)
        if isinstance(item, str) and _SURROGATE_RE.search(item):
            import base64

            valid[f"{key}_bytes"] = base64.b64encode(raw_bytes(item)).decode("ascii")
    return valid


def raw_bytes(text: str) -> bytes:
    """The bytes a name stood for (undecodable bytes kept as they were read)."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that was never a byte: kept as UTF-16 was
        return text.encode("utf-8", "surrogatepass")


def warn_about(report) -> None:
    """An indexing run's lost parts and skipped files, one line each on stderr (file names
    and ids may hold escape sequences: made harmless)."""
    for warning in report.warnings:
        click.echo(f"searcher: warning: {one_line(warning)}", err=True)
    for file, reason in report.skipped:
        click.echo(f"searcher: warning: skipped {one_line(f'{file}: {reason}')}", err=True)
