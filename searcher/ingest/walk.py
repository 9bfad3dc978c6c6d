"""Find the corpus files under the folders and files a user names.

Hidden files and folders are skipped and symbolic links to folders are not followed (no
loops). A symbolic link to a file outside the folders given is refused unless asked for
(``follow_outside``): a link to ``/etc/passwd`` dropped into a corpus must not make it
searchable. A folder that cannot be listed (permissions, a path longer than the system allows)
is refused too, with its reason, rather than silently left out.

    >>> [f.name for f, _ in corpus_files([Path("corpus")])][:1]   # doctest: +SKIP
    ['000_4e5f9d1ab1d51c15.txt']
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from searcher.errors import DocumentError
from searcher.ingest.formats import CORPUS_SUFFIXES

Refused = list[tuple[str, str]]  # (file or folder, reason): what a walk could not take


def corpus_files(paths: list[Path], follow_outside: bool = False,
                 refused: Refused | None = None) -> Iterator[tuple[Path, Path]]:
    """``(file, base)`` for every corpus file under ``paths``, in a stable order; ``file`` is
    absolute, and a document's path is ``file`` relative to ``base``: the folder given, or,
    when several are given, their common parent, so that no two files share a path. What is
    found but not taken (a link leaving ``paths``, a folder that cannot be listed) is appended
    to ``refused`` with its reason."""
    refused = [] if refused is None else refused
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
            for file in sorted(_walk(path, refused)):
                if follow_outside or _inside(file, resolved, refused):
                    yield file, base
        else:
            yield path, base


def _walk(folder: Path, refused: Refused) -> Iterator[Path]:
    def unlisted(error: OSError) -> None:
        refused.append((str(error.filename), f"folder not read: {error.strerror or error}"))

    for directory, subdirs, files in os.walk(folder, onerror=unlisted, followlinks=False):
        subdirs[:] = [d for d in subdirs if not d.startswith(".")]
        for name in files:
            file = Path(directory) / name
            if not name.startswith(".") and file.suffix.lower() in CORPUS_SUFFIXES:
                yield file


def _inside(file: Path, roots: list[Path], refused: Refused) -> bool:
    """Whether ``file`` stays within ``roots``. Only its last component can be a link: the
    roots are resolved and the walk enters no linked folder."""
    try:
        if not file.is_symlink():
            return True
    except OSError:
        return True  # not even lstat works (a path past PATH_MAX): reading fails, and says why
    target = Path(os.path.realpath(file))
    if any(target.is_relative_to(root) for root in roots):
        return True
    refused.append((str(file), f"symbolic link to {target}, outside the folders given; "
                               f"not followed"))
    return False
