"""Read the corpus files of a run, one at a time, into ``FileResult``s: unchanged files are
only stat'ed (or hashed, when touched), changed ones decoded and parsed; large JSON Lines
files are read in chunks of whole lines, so no file is ever held whole and memory stays
bounded whatever the corpus size.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from searcher.errors import DocumentError
from searcher.indexing.manifest import same_stat, stat_entry
from searcher.ingest.formats import JSONL_SUFFIXES, parse_file, parse_jsonl_chunk
from searcher.models import Document

JSONL_CHUNK_BYTES = 4_000_000  # larger JSON Lines files are read in chunks of about this


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


def read_files(files: list[tuple[Path, Path]], manifest: dict) -> Iterator[FileResult]:
    """The results of every file, in order, given what the manifest says each held."""
    for file, root in files:
        previous = manifest.get(str(file))
        if file.suffix.lower() in JSONL_SUFFIXES:
            yield from _read_large_jsonl(file, root, previous)
        else:
            yield _read_file(file, root, previous)


def _relative(file: Path, root: Path) -> str:
    return file.relative_to(root).as_posix() if file != root else file.name


def _reason(error: OSError | DocumentError) -> str:
    return error.strerror if isinstance(error, OSError) and error.strerror else str(error)


def _read_file(file: Path, root: Path, previous: dict | None) -> FileResult:
    """Read, decode and parse one whole corpus file, unless it is unchanged."""
    try:
        entry = stat_entry(file)
        if same_stat(previous, entry):
            return FileResult(str(file), entry=previous)
        data = file.read_bytes()
        entry["sha256"] = hashlib.sha256(data).hexdigest()
        if previous and previous.get("sha256") == entry["sha256"]:
            return FileResult(str(file), entry={**previous, **entry})
        result = FileResult(str(file), entry=entry, changed=True)
        parsed = parse_file(data, _relative(file, root), result.warnings)
    except (OSError, DocumentError) as error:
        return FileResult(str(file), error=_reason(error))
    result.encoding = parsed.encoding
    result.documents = parsed.documents
    return result


def _read_large_jsonl(file: Path, root: Path, previous: dict | None) -> Iterator[FileResult]:
    """A JSON Lines file: whole if small, else in chunks of whole lines, each chunk parsed
    on its own (line numbers carry over)."""
    try:
        entry = stat_entry(file)
        if entry["size"] <= JSONL_CHUNK_BYTES or same_stat(previous, entry):
            yield _read_file(file, root, previous)
            return
        digest, boundaries = _scan(file)
    except OSError as error:
        yield FileResult(str(file), error=_reason(error))
        return
    entry["sha256"] = digest
    if previous and previous.get("sha256") == digest:
        yield FileResult(str(file), entry={**previous, **entry})
        return
    for i, (start, newlines) in enumerate(boundaries):
        end = boundaries[i + 1][0] if i + 1 < len(boundaries) else entry["size"]
        last = i + 1 == len(boundaries)
        yield _read_chunk(file, root, start, end, newlines, entry if last else None)


def _read_chunk(file: Path, root: Path, start: int, end: int, newlines_before: int,
                entry: dict | None) -> FileResult:
    """The JSON Lines that start in bytes ``[start, end)``; ``newlines_before`` counts the
    lines in ``[0, start)``."""
    result = FileResult(str(file), entry=entry, changed=True, encoding="utf-8")
    try:
        with open(file, "rb") as handle:
            handle.seek(max(start - 1, 0))
            first_line = newlines_before + 1
            if start > 0 and handle.read(1) != b"\n":
                handle.readline()  # the line in progress belongs to the previous chunk
                first_line += 1
            lines = []
            while handle.tell() < end:
                line = handle.readline()
                if not line:
                    break
                lines.append(line.rstrip(b"\r\n"))
    except OSError as error:
        result.error = _reason(error)
        return result
    result.documents = parse_jsonl_chunk(b"\n".join(lines), first_line, _relative(file, root),
                                         result.warnings)
    return result


def _scan(file: Path) -> tuple[str, list[tuple[int, int]]]:
    """SHA-256 of a file and its chunk starts, each with the newlines before it."""
    digest = hashlib.sha256()
    boundaries = [(0, 0)]
    newlines = 0
    offset = 0
    with open(file, "rb") as handle:
        while block := handle.read(JSONL_CHUNK_BYTES):
            digest.update(block)
            newlines += block.count(b"\n")
            offset += len(block)
            boundaries.append((offset, newlines))
    return digest.hexdigest(), [b for b in boundaries if b[0] < offset] or [(0, 0)]
