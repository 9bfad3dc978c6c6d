"""Checksums of a generation's files: recorded at every commit, verified when it is opened.

A damaged byte in an index otherwise shows as a traceback, or worse as a wrong answer (a
flipped day or field length changes date filters and scores and nothing complains). So every
file of a generation has its size and CRC32 in ``checksums.json`` (written atomically, with
a CRC32 of its own), recorded by ``record_checksums`` after every commit. CRC32 because the
threat is accidental damage (a disk, a copy, an editor): zlib's runs at about 3 GB/s here,
SHA-256 at 1.2 GB/s; deliberate tampering is the business of ``directory.refuse_unsafe`` and
``safe_pickle`` (anyone who can write a file can write its checksum too).

Opening a generation for searching verifies its small files (``verify``, not ``full``):
every file but the large ones (``LARGE_SUFFIXES``), so the backend's table of contents and
per-document columns, the metadata, the query dictionary's user words (its 5 MB base, in the
user's cache, is checked by ``query_dictionary``) and what else a caller keeps in the
generation, the columns adding 12 bytes a document (half a megabyte for 38,000). ``full`` verifies every
file, the postings and stored fields too (``searcher check``).

A writer changing a live generation (an incremental run) first marks its record as being
written (``begin_writing``); until the new record, a reader verifies only the files that are
as recorded (same size and modification time) and skips those the writer has rewritten.
"""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from searcher.atomic_files import TEMPORARY_SUFFIX, replace_file

CHECKSUMS = "checksums.json"
CHUNK = 1 << 20
# Not recorded: the record itself, Whoosh's write lock (``MAIN_WRITELOCK``, an empty file
# every writer opens), and the temporary of an atomic write a crash left behind (never read;
# the next write of that file removes it).
UNRECORDED_SUFFIXES = (CHECKSUMS, "WRITELOCK", TEMPORARY_SUFFIX)
# Verified on every open: small, and read whole by searches (or trusted by the next run).
# The postings, term tables and stored fields are large: ``full`` only.
LARGE_SUFFIXES = (".terms", ".postings", "._stored.col")


@dataclass(frozen=True)
class Damage:
    """One file that is not what the record says."""

    file: str
    problem: str


def crc32_of(path: Path) -> int:
    crc = 0
    with open(path, "rb") as file:
        while chunk := file.read(CHUNK):
            crc = zlib.crc32(chunk, crc)
    return crc


def _files(generation: Path) -> dict[str, os.stat_result]:
    """The regular files of a generation that a record covers, by name."""
    found = {}
    with os.scandir(generation) as entries:
        for entry in entries:
            if (not entry.name.endswith(UNRECORDED_SUFFIXES)
                    and entry.is_file(follow_symlinks=False)):
                found[entry.name] = entry.stat(follow_symlinks=False)
    return found


def _body_crc(files: dict) -> int:
    return zlib.crc32(json.dumps(files, sort_keys=True).encode("utf-8"))


def read_record(generation: Path) -> dict | None:
    """The generation's record, None when it has none; ``ValueError`` when it is damaged."""
    try:
        text = (generation / CHECKSUMS).read_bytes()
    except FileNotFoundError:
        return None
    try:
        record = json.loads(text)
        if record["crc32"] != _body_crc(record["files"]):
            raise ValueError("its own checksum does not match")
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as error:
        raise ValueError(f"{CHECKSUMS} is damaged ({error})") from None
    return record


def _write_record(generation: Path, files: dict, writing: int | None) -> None:
    record = {"algorithm": "crc32", "generation": generation.name, "writing": writing,
              "files": files, "crc32": _body_crc(files)}
    replace_file(generation / CHECKSUMS, json.dumps(record, indent=0, sort_keys=True))


def record_checksums(generation: Path, rewritten: Collection[str] = ()) -> None:
    """Record every file of ``generation`` as it is now. Call after every commit (and after
    the caller's own files that go with it). A file already recorded keeps its checksum
    unless it is one the caller wrote again (``rewritten``: such as the metadata an
    incremental run replaces): the others are written once (a backend names every new file
    afresh; a file written again is named to ``begin_writing``), so only new files are read,
    and damage to an old one is never recorded as its content."""
    try:
        previous = (read_record(generation) or {}).get("files", {})
    except ValueError:
        previous = {}
    files = {}
    for name, info in _files(generation).items():
        known = previous.get(name)
        if known and name not in rewritten:
            files[name] = known
            if not _as_recorded(info, known) and info.st_size == known["size"] and (
                    crc32_of(generation / name) == known["crc32"]):
                # the same content with a new time (a copy): recorded, so as not to be read
                # whole again by every writer's check
                files[name] = {**known, "mtime_ns": info.st_mtime_ns}
        else:
            files[name] = {"size": info.st_size, "mtime_ns": info.st_mtime_ns,
                           "crc32": crc32_of(generation / name)}
    _write_record(generation, files, writing=None)


def begin_writing(generation: Path, rewriting: tuple[str, ...] = ()) -> None:
    """Mark a recorded generation as being changed by this process, until the next
    ``record_checksums``; the files named in ``rewriting``, about to be written again, are
    recorded afresh then."""
    try:
        record = read_record(generation)
    except ValueError:
        return  # a damaged record is reported by the next open, rewritten by the next commit
    if record is not None:
        files = {name: entry for name, entry in record["files"].items()
                 if name not in rewriting}
        _write_record(generation, files, writing=os.getpid())


def verify(generation: Path, full: bool = False, touched: bool = False) -> list[Damage]:
    """The files of ``generation`` that do not match its record: its small files, or with
    ``full`` all of them; with ``touched``, also the large files whose size or modification
    time is not as recorded (a writer's check: an edited postings file is found and the index
    rebuilt, at the cost of a stat per file). A generation without a record has no checksums
    to trust."""
    try:
        record = read_record(generation)
    except ValueError as error:
        return [Damage(CHECKSUMS, str(error))]
    if record is None:
        return [Damage(CHECKSUMS, "missing (the index was built without checksums)")]
    if record.get("generation") != generation.name:
        return [Damage(CHECKSUMS, f"belongs to {record.get('generation')!r}")]
    recorded, writing = record["files"], record.get("writing")
    present = _files(generation)
    damage = []
    for name in sorted(recorded.keys() | present.keys()):
        expected, info = recorded.get(name), present.get(name)
        if not full and name.endswith(LARGE_SUFFIXES) and not (
                touched and not writing and not _as_recorded(info, expected)):
            continue
        if writing and not _as_recorded(info, expected):
            continue  # written since the record by the writer at work
        if expected is None:
            damage.append(Damage(name, "is not in the checksums"))
        elif info is None:
            damage.append(Damage(name, "is missing"))
        elif info.st_size != expected["size"]:
            damage.append(Damage(name, f"has {info.st_size} bytes, not {expected['size']}"))
        elif crc32_of(generation / name) != expected["crc32"]:
            damage.append(Damage(name, "does not match its checksum"))
    return damage


def _as_recorded(info: os.stat_result | None, expected: dict | None) -> bool:
    return (info is not None and expected is not None
            and (info.st_size, info.st_mtime_ns) == (expected["size"], expected["mtime_ns"]))


def verify_settled(generation: Path, full: bool = False, touched: bool = False) -> list[Damage]:
    """``verify``, again while a writer replaced the record during it (it may have rewritten
    a file just after this process read the record that listed it)."""
    for _ in range(3):
        before = _stamp(generation)
        damage = verify(generation, full, touched)
        if not damage or _stamp(generation) == before:
            break
    return damage


def _stamp(generation: Path) -> tuple[int, int] | None:
    try:
        info = os.stat(generation / CHECKSUMS)
    except FileNotFoundError:
        return None
    return info.st_ino, info.st_mtime_ns


def describe(damage: list[Damage]) -> str:
    """The damaged files in a few words, for one line."""
    shown = "; ".join(f"{d.file} {d.problem}" for d in damage[:3])
    return shown + (f" (and {len(damage) - 3} more)" if len(damage) > 3 else "")


def verified_bytes(generation: Path) -> tuple[int, int]:
    """``(files, bytes)`` a full verification reads."""
    present = _files(generation)
    return len(present), sum(info.st_size for info in present.values())
