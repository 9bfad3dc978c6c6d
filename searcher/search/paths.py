"""Paths that open from where the command runs: an indexed article's file (absolute, as the
index stored it) as the user can pass it to an editor or ``xargs``.

``auto`` gives the path relative to the working directory when the file is under it, else
absolute (as ripgrep and git print paths); ``relative`` always relative (``../…`` if need be);
``absolute`` always absolute.

    >>> openable("/work/corpus/a.txt", "auto", Path("/work"))
    'corpus/a.txt'
    >>> openable("/srv/a.txt", "auto", Path("/work")), openable("/srv/a.txt", "relative", Path("/work"))
    ('/srv/a.txt', '../srv/a.txt')
    >>> openable("feed.jsonl#7", "relative", Path("/work"))   # indexed from no file
    'feed.jsonl#7'

"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from searcher.models import Hit

PATH_STYLES = ("auto", "relative", "absolute")


def openable(file: str, style: str = "auto", cwd: Path | None = None) -> str:
    """``file`` (absolute) written in ``style`` for the working directory ``cwd``. A document
    that came from no file (``index_documents``: benchmarks, evaluations) keeps the relative
    name it was given, and one without any stays empty."""
    if style == "absolute" or not os.path.isabs(file):
        return file
    here = str(cwd or Path.cwd())
    if style == "auto" and os.path.commonpath([here, file]) != here:
        return file
    return os.path.relpath(file, here)


def openable_hits(hits: list[Hit], style: str = "auto", cwd: Path | None = None) -> list[Hit]:
    """The hits with each ``file``, theirs and their copies', written in ``style`` (see
    ``openable``)."""
    return [replace(hit, file=openable(hit.file, style, cwd),
                    copies=tuple(replace(copy, file=openable(copy.file, style, cwd))
                                 for copy in hit.copies))
            for hit in hits]
