"""Read the corpus files of a run into ``FileResult``s, in order: unchanged files are only
stat'ed here; the others are read (and hashed: a touched file is not parsed again), decoded
and parsed in reader processes (``reader_pool``), each within ``file_seconds``, so that a file
that would take longer is skipped with that reason and the run goes on. Large JSON Lines files
are read in chunks of whole lines (the deadline holds for each chunk), so no file is ever held
whole and memory stays bounded whatever the corpus size.

Only regular files are read. Each is opened without blocking and checked on the opened
descriptor, so a FIFO, or a link to ``/dev/zero`` that replaced a file, is refused at once
instead of hanging the run (which holds the writer lock) or filling memory; and no more than
``max_file_bytes`` is held at once: a larger file read whole, or a longer JSON line, is
refused. A file's warnings are kept up to ``MAX_WARNINGS_PER_FILE``, the rest counted in one
line.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from searcher.errors import DocumentError
from searcher.indexing.manifest import same_stat, stat_entry
from searcher.indexing.reader_pool import Job, ReaderPool
from searcher.ingest.formats import (
    JSONL_SUFFIXES, document_path, parse_batches, parse_jsonl_chunk)
from searcher.ingest.ocr import Tesseract
from searcher.models import Document
from searcher.regular_files import NotRegularFileError, open_regular

JSONL_CHUNK_BYTES = 4_000_000  # larger JSON Lines files are read in chunks of about this
MAX_FILE_BYTES = 256_000_000  # the most read into memory at once: one file, or one JSON line
FILE_SECONDS = 60.0  # the most one file (or chunk) may take to read and parse
MAX_WARNINGS_PER_FILE = 10

@dataclass
class FileResult:
    """A file, or one chunk of a large one. ``entry`` is its new manifest entry, given on a
    file's last result only (its ``paths`` are filled in by the writer)."""

    file: str
    entry: dict | None = None
    documents: list[Document] = field(default_factory=list)
    changed: bool = False
    encoding: str | None = None
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    vanished: bool = False  # removed since the walk found it (a sync tool's race): not an error
    ocr_read: int = 0  # pages read by OCR…
    ocr_cached: int = 0  # …and pages whose OCR text was in the cache


class _FileWarnings(list):
    """One file's warnings as its readers append them: the first ``MAX_WARNINGS_PER_FILE``
    kept, the rest only counted (a feed of a million bad lines would otherwise hold, and
    print, a million lines)."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.appended = 0

    def append(self, warning: str) -> None:
        self.appended += 1
        if self.appended <= MAX_WARNINGS_PER_FILE:
            super().append(warning)

    def take(self, last: bool) -> list[str]:
        """The warnings kept since the last take; with the file's last, a line for the rest."""
        taken = list(self)
        self.clear()
        if last and self.appended > MAX_WARNINGS_PER_FILE:
            taken.append(f"… and {self.appended - MAX_WARNINGS_PER_FILE:,} more warnings in "
                         f"{self.name}")
        return taken


def read_files(files: list[tuple[Path, Path]], manifest: dict,
               max_file_bytes: int = MAX_FILE_BYTES, file_seconds: float = FILE_SECONDS,
               readers: int = 1, ocr: Tesseract | None = None) -> Iterator[FileResult]:
    """The results of every file, in order, given what the manifest says each held; the
    files to read are read by up to ``readers`` processes, images and PDF pages without
    text by ``ocr`` if given."""
    pool = ReaderPool(readers, file_seconds, _cut_short)
    yield from pool.results(_jobs(files, manifest, max_file_bytes, file_seconds, ocr))


def _jobs(files: list[tuple[Path, Path]], manifest: dict, max_file_bytes: int,
          file_seconds: float, ocr: Tesseract | None) -> Iterator[FileResult | Job]:
    """Each file's result when its stat shows it unchanged (or cannot be had), else the job
    that reads it."""
    for file, root in files:
        previous = manifest.get(str(file))
        try:
            if same_stat(previous, stat_entry(file)):
                yield FileResult(str(file), entry=previous)
                continue
        except OSError as error:
            yield _failed(file, error)
            continue
        yield Job(_read, (file, root, previous, max_file_bytes, file_seconds, ocr))


def _read(file: Path, root: Path, previous: dict | None, max_bytes: int, seconds: float,
          ocr: Tesseract | None) -> Iterator[FileResult]:
    """The results of reading one file (in a reader process), OCR included within its
    ``seconds``."""
    if file.suffix.lower() in JSONL_SUFFIXES:
        yield from _read_large_jsonl(file, root, previous, max_bytes)
    else:
        yield from _read_file(file, root, previous, max_bytes, ocr, seconds)


def _cut_short(job: Job, reason: str) -> FileResult:
    """The result of a file whose reading was cut short (its job's first argument)."""
    return FileResult(str(job.args[0]), error=reason)


def _name(file: Path, root: Path) -> str:
    """The path a file's documents and warnings go by."""
    return document_path(file.relative_to(root).as_posix() if file != root else file.name)


def _reason(error: OSError | DocumentError) -> str:
    return error.strerror if isinstance(error, OSError) and error.strerror else str(error)


def _failed(file: Path, error: OSError | DocumentError) -> FileResult:
    """The result of a file that could not be read: vanished if it is gone (a link whose
    target is gone is not: the link is still there, and skipped with its reason)."""
    if isinstance(error, FileNotFoundError) and not os.path.lexists(file):
        return FileResult(str(file), vanished=True)
    return FileResult(str(file), error=_reason(error))


def _open_regular(file: Path) -> BinaryIO:
    """``file`` opened for reading if it is a regular file, else ``DocumentError``."""
    try:
        return open_regular(file)
    except NotRegularFileError as error:
        raise DocumentError(f"not a regular file ({error.kind}); not read") from None


def _too_large(max_bytes: int) -> str:
    return f"larger than {max_bytes:,} bytes, the most read of one file; not read"


def _read_whole(file: Path, max_bytes: int) -> bytes:
    with _open_regular(file) as handle:
        if os.fstat(handle.fileno()).st_size > max_bytes:
            raise DocumentError(_too_large(max_bytes))
        data = handle.read(max_bytes + 1)  # bounded even if the file grows meanwhile
    if len(data) > max_bytes:
        raise DocumentError(_too_large(max_bytes))
    return data


def _read_file(file: Path, root: Path, previous: dict | None, max_bytes: int,
               ocr: Tesseract | None = None, seconds: float = FILE_SECONDS
               ) -> Iterator[FileResult]:
    """Read, decode and parse one whole corpus file, unless it is unchanged: one result, or,
    for a container (an archive, a mailbox), one a batch of its documents, so that the
    deadline holds for each batch. Images and PDF pages without text are read by ``ocr``,
    within ``seconds``."""
    try:
        entry = stat_entry(file)
        if same_stat(previous, entry):
            yield FileResult(str(file), entry=previous)
            return
        data = _read_whole(file, max_bytes)
        entry["sha256"] = hashlib.sha256(data).hexdigest()
        if previous and previous.get("sha256") == entry["sha256"]:
            yield FileResult(str(file), entry={**previous, **entry})
            return
        warnings = _FileWarnings(_name(file, root))
        images = ocr.reader(seconds) if ocr else None
        batches = parse_batches(data, warnings.name, warnings, images)
        parsed = next(batches)
    except (OSError, DocumentError) as error:
        yield _failed(file, error)
        return
    while True:
        try:
            following = next(batches, None)
        except DocumentError as error:  # a container broken past its first members
            yield FileResult(str(file), changed=True, encoding=parsed.encoding,
                             documents=parsed.documents, warnings=warnings.take(last=False))
            yield FileResult(str(file), error=_reason(error), warnings=warnings.take(last=True))
            return
        last = following is None
        yield FileResult(str(file), entry=entry if last else None, changed=True,
                         encoding=parsed.encoding, documents=parsed.documents,
                         warnings=warnings.take(last),
                         ocr_read=images.read if images and last else 0,
                         ocr_cached=images.cached if images and last else 0)
        if last:
            return
        parsed = following


def _read_large_jsonl(file: Path, root: Path, previous: dict | None,
                      max_bytes: int) -> Iterator[FileResult]:
    """A JSON Lines file: whole if small, else in chunks of whole lines, each chunk parsed
    on its own (line numbers, and the record paths already given, carry over), each line
    held to ``max_bytes``."""
    try:
        entry = stat_entry(file)
        if entry["size"] <= min(JSONL_CHUNK_BYTES, max_bytes) or same_stat(previous, entry):
            yield from _read_file(file, root, previous, max_bytes)
            return
        digest, boundaries = _scan(file)
    except (OSError, DocumentError) as error:
        yield _failed(file, error)
        return
    entry["sha256"] = digest
    if previous and previous.get("sha256") == digest:
        yield FileResult(str(file), entry={**previous, **entry})
        return
    warnings = _FileWarnings(_name(file, root))
    seen: set[str] = set()
    for i, (start, newlines) in enumerate(boundaries):
        end = boundaries[i + 1][0] if i + 1 < len(boundaries) else entry["size"]
        last = i + 1 == len(boundaries)
        result = _read_chunk(file, start, end, newlines, entry if last else None, warnings,
                             seen, max_bytes)
        result.warnings = warnings.take(last)
        yield result


def _read_chunk(file: Path, start: int, end: int, newlines_before: int, entry: dict | None,
                warnings: _FileWarnings, seen: set[str], max_bytes: int) -> FileResult:
    """The JSON Lines in bytes ``[start, end)``, which start and end at a line's start;
    ``newlines_before`` counts the lines before it. A line longer than ``max_bytes`` is
    skipped with a warning."""
    result = FileResult(str(file), entry=entry, changed=True, encoding="utf-8")
    first_line = newlines_before + 1
    try:
        with _open_regular(file) as handle:
            handle.seek(start)
            lines = []
            while handle.tell() < end:
                line = handle.readline(max_bytes + 1)
                if not line:
                    break
                if len(line) > max_bytes and not line.endswith(b"\n"):
                    _skip_line(handle)
                    warnings.append(f"{warnings.name}:{first_line + len(lines)}: longer than "
                                    f"{max_bytes:,} bytes; line skipped")
                    line = b""  # still a line: the ones after it keep their numbers
                lines.append(line.rstrip(b"\r\n"))
    except (OSError, DocumentError) as error:
        result.error = _reason(error)
        return result
    result.documents = parse_jsonl_chunk(b"\n".join(lines), first_line, warnings.name,
                                         warnings, seen)
    return result


def _skip_line(handle: BinaryIO) -> None:
    """Read past the end of the current line, a block at a time: it may be of any length."""
    while (block := handle.readline(JSONL_CHUNK_BYTES)) and not block.endswith(b"\n"):
        continue


def _scan(file: Path) -> tuple[str, list[tuple[int, int]]]:
    """SHA-256 of a file and its chunk starts, each with the newlines before it: a chunk
    starts after the last newline of a block, so every chunk starts at a line's start and a
    line longer than a block is read once, whole, by one chunk."""
    digest = hashlib.sha256()
    boundaries = [(0, 0)]
    newlines = 0
    offset = 0
    with _open_regular(file) as handle:
        while block := handle.read(JSONL_CHUNK_BYTES):
            digest.update(block)
            newlines += block.count(b"\n")
            last = block.rfind(b"\n")
            if last >= 0:
                boundaries.append((offset + last + 1, newlines))
            offset += len(block)
    return digest.hexdigest(), [b for b in boundaries if b[0] < offset] or [(0, 0)]
