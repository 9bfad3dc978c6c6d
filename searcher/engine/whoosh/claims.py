"""What a generation's table of contents may claim, checked before anything is read on its word.

Whoosh's table of contents (``_MAIN_N.toc``: the schema and the segment list, a pickle read
through ``safe_pickle``) names each segment, whose files are then opened by that name, and
says how many documents it holds, which are deleted and how long each field is: a search
sizes its arrays by those numbers. An index folder is data, and a crafted one (its checksums
recomputed) could name a file outside the folder, or claim a billion documents in a few
kilobytes. So ``CheckedIndex`` reads the table of contents through ``check_segments``, every
time, which refuses (``codec.FormatError``, a damaged index) a segment that is not what
searcher's writers make:

* named as they name it: ``MAIN_`` and 16 of ``[0-9a-z]`` (no separator, no ``..``, no NUL);
  Whoosh's segment state and searcher's codec, nothing more, no compound file;
* holding no more documents than its stored fields can (every document stores at least
  ``MIN_STORED_BYTES``; a stat of one file, not followed if a link), deleting only documents
  it holds, and no field longer than ``MAX_FIELD_LENGTH`` a document.

The records the segments' files hold are bounded where they are read (``codec``);
``verify_structure`` reads all of it, for ``searcher check``: the schema the table of
contents holds, then each segment's terms and records, columns and stored fields, as a search
reads them.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import whoosh
from whoosh.codec.whoosh3 import W3Segment
from whoosh.index import FileIndex, TOC
from whoosh.reading import SegmentReader

from searcher.engine.whoosh import safe_pickle
from searcher.engine.whoosh.codec import PositionList, SearcherCodec
from searcher.engine.format.records import FormatError
from searcher.engine.integrity import Damage
from searcher.engine.whoosh.reader import GenerationReader

SEGMENT_ID = re.compile(r"[0-9a-z]{16}\Z")  # Whoosh's random segment ids
# A segment's state as Whoosh 2.7.4 pickles it, and nothing else (an old segment's ``name``
# would be taken as its file names).
SEGMENT_STATE = frozenset({"indexname", "segid", "_codec", "_doccount", "_deleted", "compound",
                           "_fieldlengths"})
# Every document stores its path, id and file at least: a header of 8 bytes, some deflated
# JSON, its entry in the column's lengths.
MIN_STORED_BYTES = 16
# The most tokens one field of one document may have (a document's text is cut at 2,000,000
# characters when read, one token or fewer each).
MAX_FIELD_LENGTH = 1 << 24
# Where Whoosh's own code is (not this backend's folder, also named ``whoosh``).
_WHOOSH_FOLDER = os.path.dirname(whoosh.__file__) + os.sep


class CheckedIndex(FileIndex):
    """Whoosh's index of one folder, its table of contents checked whenever it is read (on
    opening, for each reader and writer)."""

    def __init__(self, storage, schema=None, indexname: str = "MAIN") -> None:
        # Whoosh's own reads the table of contents, unchecked, to see that it can.
        self.storage = storage
        self._schema = schema
        self.indexname = indexname
        self._read_toc()

    def _read_toc(self) -> TOC:
        toc = super()._read_toc()
        check_segments(Path(self.storage.folder), self.indexname, toc.schema, toc.segments)
        return toc


def check_segments(folder: Path, indexname: str, schema, segments) -> None:
    """Refuse (``FormatError``) a segment list with anything searcher's writers never make."""
    if type(segments) is not list:
        raise FormatError("the table of contents holds no list of segments")
    seen: set[str] = set()
    for segment in segments:
        name = _segment_name(segment, indexname)
        if name in seen:
            raise FormatError(f"the table of contents names segment {name} twice")
        seen.add(name)
        count = segment._doccount
        if type(count) is not int or count < 0:
            raise FormatError(f"segment {name} claims {count!r} documents")
        # A merge of documents all deleted leaves a segment of none, and no stored fields.
        stored = _regular_size(folder, f"{name}._stored.col") if count else 0
        if count > stored // MIN_STORED_BYTES:
            raise FormatError(f"segment {name} claims {count:,} documents, more than its "
                              f"stored fields ({stored:,} bytes) can hold")
        _check_deleted(name, segment._deleted, count)
        _check_field_lengths(name, segment._fieldlengths, count, schema)


def _segment_name(segment, indexname: str) -> str:
    """The name a segment's files begin with, if it is a segment searcher writes."""
    if type(segment) is not W3Segment or set(vars(segment)) != SEGMENT_STATE:
        raise FormatError("the table of contents holds something other than a segment")
    segid = segment.segid
    if (segment.indexname != indexname or type(segid) is not str
            or not SEGMENT_ID.match(segid)):
        raise FormatError(f"the table of contents names a segment "
                          f"{segment.indexname!r}_{segid!r}, not one searcher writes")
    if type(segment._codec) is not SearcherCodec or segment.compound is not False:
        raise FormatError(f"segment {segid} is not written by searcher's codec")
    return f"{indexname}_{segid}"


def _regular_size(folder: Path, name: str) -> int:
    """The size of a regular file of the folder (not a link, FIFO or device)."""
    try:
        info = os.lstat(folder / name)
    except FileNotFoundError:
        raise FormatError(f"{name} is missing") from None
    if not stat.S_ISREG(info.st_mode):
        raise FormatError(f"{name} is not a regular file")
    return info.st_size


def _check_deleted(name: str, deleted, count: int) -> None:
    if deleted is None:
        return
    if (type(deleted) is not set or len(deleted) > count
            or not all(type(docnum) is int for docnum in deleted)
            or deleted and not 0 <= min(deleted) <= max(deleted) < count):
        raise FormatError(f"segment {name} deletes documents it does not hold")


def _check_field_lengths(name: str, lengths, count: int, schema) -> None:
    if (type(lengths) not in (dict, defaultdict)
            or getattr(lengths, "default_factory", int) is not int
            or not all(type(field) is str and field in schema and type(length) is int
                       and 0 <= length <= count * MAX_FIELD_LENGTH
                       for field, length in lengths.items())):
        raise FormatError(f"segment {name} claims field lengths it cannot have")


def is_damage(error: BaseException) -> bool:
    """Whether reading an index raised ``error`` because of what its files hold: a check of
    ours failed (``FormatError``), or Whoosh's code, or the unpickler it reads its files with,
    raised it (our own bugs keep their traceback)."""
    if isinstance(error, FormatError):
        return True
    traceback = error.__traceback__
    while traceback.tb_next is not None:
        traceback = traceback.tb_next
    filename = traceback.tb_frame.f_code.co_filename
    return filename.startswith(_WHOOSH_FOLDER) or filename == safe_pickle.__file__


def verify_structure(ix: CheckedIndex) -> list[Damage]:
    """Everything ``ix`` (opened with searcher's schema) claims, read and checked: the schema
    its table of contents holds is searcher's, and each segment's terms, records, columns and
    stored fields are as a search reads them (``codec``, ``reader``); the first problem of
    each file, or of each segment (named by the name its files begin with)."""
    schema = ix._schema
    toc_name = TOC._filename(ix.indexname, ix.latest_generation())
    damage: list[Damage] = []
    with _finding(damage, toc_name):
        stored = TOC.read(ix.storage, ix.indexname).schema  # unpickled: searches skip it
        if _signature(stored) != _signature(schema):
            raise FormatError("its schema is not the one this searcher writes")
        segments = ix._read_toc().segments
    if damage:
        return damage
    positional = {name: isinstance(field.format, PositionList)
                  for name, field in schema.items() if field.format}
    for segment in segments:
        name = segment.segment_id()  # the name its files begin with
        with _finding(damage, name):
            reader = SegmentReader(ix.storage, schema, segment)
            try:
                reader._terms.file.verify(positional)  # of a ``codec.SearcherTermsReader``
                _read_columns(GenerationReader(reader), segment.doc_count_all(), schema)
            finally:
                reader.close()
    return damage


@contextlib.contextmanager
def _finding(damage: list[Damage], file: str) -> Iterator[None]:
    """Record the damage the block raises as ``file``'s (and end the block)."""
    try:
        yield
    except Exception as error:
        if not is_damage(error):
            raise
        damage.append(Damage(file, str(error) or type(error).__name__))


def _signature(schema) -> dict[str, tuple]:
    """What a schema's fields are, as far as reading an index goes."""
    return {name: (type(field).__name__, type(field.format).__name__,
                   getattr(field.format, "field_boost", None), field.stored, field.scorable,
                   getattr(field, "unique", False), type(field.column_type).__name__,
                   getattr(field.analyzer, "stream", None))
            for name, field in schema.items()}


def _read_columns(reader: GenerationReader, count: int, schema) -> None:
    """Read a segment's columns and stored fields whole, as searches read parts of them."""
    for name, field in schema.items():
        if field.scorable:
            reader.length_codes(name)
    reader.days()
    reader.fingerprints()
    for docnum in range(count):
        reader.path(docnum)
        reader.stored_fields(docnum)
