"""Find the corpus files under the folders and files a user names.

    >>> [f.name for f, _ in corpus_files([Path("corpus")])][:1]   # doctest: +SKIP
    ['000_4e5f9d1ab1d51c15.txt']
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from searcher.errors import DocumentError
from searcher.ingest.formats import CORPUS_SUFFIXES


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
