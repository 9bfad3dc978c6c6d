"""What browse hands the terminal to: the selected article as ``$PAGER`` reads it, and the
``$EDITOR`` command that opens its file at its first match."""

from __future__ import annotations

import io
import os
import shlex
from collections.abc import Sequence

from searcher.cli.printers import Output, Shown, printer_for
from searcher.search.browsing import Article

EDITORS_WITH_LINE = {"vi", "vim", "nvim", "view", "nano", "emacs", "emacsclient", "micro",
                     "kak", "mg", "ne", "joe", "jed"}  # the terminal editors that take +N


def plain_article(article: Article) -> str:
    """The article as ``$PAGER`` shows it: as ``searcher show`` prints it to a pipe."""
    out = io.StringIO()
    with printer_for(Output("document", color="never"), out) as printer:
        printer.end(Shown(article.stored, article.spans))
    return out.getvalue()


def editor_command(editor: str, file: str, line: int | None) -> list[str]:
    """``$EDITOR`` on ``file`` through the shell (as git runs it: ``EDITOR`` may hold
    options), at ``line`` (``+N``) for the editors known to take it."""
    editor = editor if editor.strip() else "vi"
    name = os.path.basename(shlex.split(editor)[0]) if shlex.split(editor) else ""
    where = [f"+{line}"] if line and name in EDITORS_WITH_LINE else []
    return ["sh", "-c", f'{editor} "$@"', "editor", *where, file]


def first_line_of(file: str, strings: Sequence[str]) -> int | None:
    """The line (from 1) of a text file where one of ``strings`` first occurs."""
    try:
        with open(file, encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, 1):
                if any(s and s in line for s in strings):
                    return number
    except OSError:
        return None
    return None
