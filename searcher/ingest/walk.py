"""Find the corpus files under the folders and files a user names.

Hidden files and folders are skipped and symbolic links to folders are not followed (no
loops). A symbolic link to a file outside the folders given is refused unless asked for
(``follow_outside``): a link to ``/etc/passwd`` dropped into a corpus must not make it
searchable. A folder that cannot be listed (permissions, a path longer than the system allows)
is refused too, with its reason, rather than silently left out. An index folder (one holding
``CURRENT`` or ``.lock``) is never entered: ``searcher index .`` with the index inside would
otherwise index the index's own files. Nor is a saved page's resource folder (``X_files``
beside ``X.html``): its frames and scripts are parts of the page, not articles. Everything found but not taken (hidden, another type,
excluded, an index folder) is listed in ``ignored`` with why, so every file is accounted for.

    >>> [f.name for f, _ in corpus_files([Path("corpus")])][:1]
    ['000_24b6ebb8716294de.txt']
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from searcher.errors import DocumentError
from searcher.index_markers import MARKERS as INDEX_MARKERS
from searcher.ingest.formats import format_of

Refused = list[tuple[str, str]]  # (file or folder, reason): what a walk could not take


def default_base(roots: Sequence[Path]) -> Path:
    """The folder document paths are relative to, for resolved ``roots``: the folder given
    (a file's folder), or, when several are given, their common parent, so that no two files
    share a path."""
    folders = [p if p.is_dir() else p.parent for p in roots]
    return folders[0] if len(folders) == 1 else Path(os.path.commonpath(folders))


def resolve_roots(paths: Sequence[Path]) -> list[Path]:
    """``paths`` made absolute and resolved; ``DocumentError`` for one that does not exist."""
    for path in paths:
        if not path.exists():
            raise DocumentError(f"no such file or folder: {path}")
    return [path.resolve() for path in paths]


def corpus_files(paths: list[Path], follow_outside: bool = False,
                 refused: Refused | None = None, base: Path | None = None,
                 exclude: Sequence[str] = (), ignored: Refused | None = None,
                 skip: Sequence[Path] = (), ocr: bool = False) -> Iterator[tuple[Path, Path]]:
    """``(file, base)`` for every corpus file under ``paths``, in a stable order; ``file`` is
    absolute, and a document's path is ``file`` relative to ``base`` (``default_base`` unless
    given). A file or folder whose path relative to its root matches a glob of ``exclude``
    is left out, as are the folders in ``skip``; images are taken only with ``ocr`` (they
    are read by OCR). What is found but not taken is appended to
    ``refused`` (a link leaving ``paths``, a folder that cannot be listed) or ``ignored``
    (hidden, another type, excluded, an index folder), with its reason."""
    refused = [] if refused is None else refused
    ignored = [] if ignored is None else ignored
    resolved = resolve_roots(paths)
    base = base or default_base(resolved)
    skipped = {folder.resolve() for folder in skip}
    for path in resolved:
        if path.is_dir():
            for file in sorted(_walk(path, refused, exclude, ignored, skipped, ocr)):
                if follow_outside or _inside(file, resolved, refused):
                    yield file, base
        else:
            yield path, base


def _walk(root: Path, refused: Refused, exclude: Sequence[str], ignored: Refused,
          skipped: set[Path], ocr: bool) -> Iterator[Path]:
    def unlisted(error: OSError) -> None:
        if isinstance(error, FileNotFoundError):
            return  # removed while the walk ran: its files are gone, and so removed
        refused.append((str(error.filename), f"folder not read: {error.strerror or error}"))

    def excluded(path: Path) -> str | None:
        relative = path.relative_to(root).as_posix()
        return next((glob for glob in exclude if fnmatch.fnmatchcase(relative, glob)), None)

    for directory, subdirs, files in os.walk(root, onerror=unlisted, followlinks=False):
        folder = Path(directory)
        if folder in skipped or any(marker in files for marker in INDEX_MARKERS):
            ignored.append((directory, "an index folder; not read"))
            subdirs[:] = []
            continue
        kept = []
        for name in sorted(subdirs):
            glob = excluded(folder / name)
            if name.startswith("."):
                ignored.append((str(folder / name), "hidden folder"))
            elif page := _page_resources(name, files):
                ignored.append((str(folder / name),
                                f"a saved page's resource folder (part of {page}); not read"))
            elif glob:
                ignored.append((str(folder / name), f"excluded by {glob}"))
            else:
                kept.append(name)
        subdirs[:] = kept
        for name in files:
            file = folder / name
            glob = excluded(file)
            if name.startswith("."):
                ignored.append((str(file), "hidden file"))
            elif format_of(name, ocr) is None:
                ignored.append((str(file), "not a corpus file type"))
            elif glob:
                ignored.append((str(file), f"excluded by {glob}"))
            else:
                yield file


# How browsers name the folder of a page saved whole ("Web page, complete"): ``X_files`` beside
# ``X.html`` (Chrome, Edge, Firefox, Safari), or a localised suffix (Firefox, old Internet
# Explorer). Its files (the site's scripts, ad and comment frames) are the page's parts, not
# articles.
PAGE_RESOURCE_SUFFIXES = ("_files", "-Dateien", "_archivos", "_fichiers", "_file", ".files")
PAGE_SUFFIXES = (".html", ".htm", ".xhtml", ".shtml")


def _page_resources(folder: str, files: list[str]) -> str | None:
    """The saved page whose resource folder ``folder`` is, among ``files`` beside it."""
    for suffix in PAGE_RESOURCE_SUFFIXES:
        if folder.endswith(suffix) and len(folder) > len(suffix):
            stem = folder[:-len(suffix)]
            page = next((f for f in files
                         if f.lower().endswith(PAGE_SUFFIXES) and f.rsplit(".", 1)[0] == stem),
                        None)
            if page:
                return page
    return None


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
