"""Every pickle Whoosh reads from an index folder goes through an allow-list.

Whoosh 2.7 keeps much of an index as pickles: the table of contents (the schema and the
segment list), each posting block's header and data, column headers, hash-table extras,
stored fields, the sorted runs and job files its writers spill into the folder. A pickle may
name any importable callable (``os.system``) and have it called, so whoever could write one
file of an index folder could run code in every process that searched it. ``loads`` and
``load`` here unpickle with ``IndexUnpickler``, which admits only the classes an index of this
program holds (``ALLOWED``: recorded by building indexes of the sample corpus, one and two
writer processes, and reading them) and refuses any other with ``IndexDamagedError``.

A pickle can also ask for memory: a length the unpickler allocates before it reads, a memo
index it sizes its memo by (five bytes asking for gigabytes), ``bytes(n)``. So what an index
file holds (``loads``, and ``load_from_file``, which Whoosh's ``StructFile.read_pickle`` —
the table of contents — reads through) is read whole and its opcodes walked first
(``pickletools.genops``, which runs nothing): every length must lie inside it and every memo
index below its count of opcodes; and ``bytes`` is called with no argument only.

``install`` puts them where Whoosh looks: the ``loads``/``load`` names its modules imported
from ``whoosh.compat``, ``StructFile.read_pickle``, and the ``pickle`` module ``whoosh.index``
and ``whoosh.multiproc`` call through. That is a module-level patch because Whoosh reads these
pickles deep inside its readers and writers, with no hook to pass an unpickler in. Only
``searcher.engine.whoosh`` installs it, on import, so it is in place before any index is opened, in
this process and in Whoosh's writer processes (which import the engine to run its tasks). It
changes only how Whoosh reads its own files: the standard ``pickle`` module is untouched, and
what Whoosh writes is as before.
"""

from __future__ import annotations

import codecs
import io
import pickle
import pickletools
import re
import types

from searcher.errors import IndexDamagedError


def _latin1_encode(text: str, encoding: str = "utf-8") -> bytes:
    """What protocol 2 (Whoosh's schema pickles) stores bytes as: ``_codecs.encode(text,
    "latin1")``. No other codec: a codec name is the pickle's choice too."""
    if encoding != "latin1":
        raise IndexDamagedError(f"a pickle in the index calls codecs.encode with {encoding!r}")
    return codecs.encode(text, "latin1")


# What a pickle in an index may name: exactly what indexes of the sample corpus named when
# built, updated (documents added, replaced, deleted, segments merged) and searched in every
# way, with one writer process and two. Whoosh's segment, codec, column, field and format
# classes, the schema's classes, and the builtins a segment's state holds (``__builtin__ long``
# is how protocol 2 names ``int``), plus ``bytes``, which the sorted runs a single writer
# spills to disk when its posting pool fills name (an empty value). No function that could
# reach the system.
ALLOWED: frozenset[tuple[str, str]] = frozenset(
    (module, name) for module, names in {
        "__builtin__": ["long", "bytes"],
        "builtins": ["int", "bytes"],
        "collections": ["defaultdict"],
        "whoosh.analysis.tokenizers": ["IDTokenizer"],
        "whoosh.codec.whoosh3": ["W3Codec", "W3Segment"],
        "whoosh.columns": ["FixedBytesColumn", "NumericColumn", "VarBytesColumn"],
        "whoosh.fields": ["Schema", "ID", "KEYWORD", "NUMERIC", "STORED"],
        "whoosh.formats": ["Existence", "Frequency", "Positions"],
        "searcher.engine.codec": ["Frequencies", "PositionList", "SearcherCodec"],
        "searcher.engine.schema": ["ChainAnalyzer", "ChainText", "FingerprintColumn",
                                   "FoldExceptions", "PathID", "TagAnalyzer"],
    }.items() for name in names)


def _empty_bytes(*arguments) -> bytes:
    """``bytes`` as protocol 2 calls it: for an empty value (``bytes(n)`` would allocate n)."""
    if arguments:
        raise IndexDamagedError("a pickle in the index calls bytes with arguments")
    return b""


class IndexUnpickler(pickle.Unpickler):
    """An unpickler that builds only the classes an index of this program holds."""

    def find_class(self, module: str, name: str):
        if (module, name) == ("_codecs", "encode"):
            return _latin1_encode
        if name == "bytes" and (module, name) in ALLOWED:
            return _empty_bytes
        if (module, name) not in ALLOWED:
            raise IndexDamagedError(
                f"a pickle in the index names {module}.{name}, which no searcher index holds; "
                f"refusing to load it")
        return super().find_class(module, name)


# A pickle reaches a callable only through an opcode that imports one (GLOBAL, STACK_GLOBAL,
# INST, EXT1/2/4; OBJ and REDUCE call what those gave). A pickle none of whose bytes is one of
# theirs, even as data, holds only numbers, strings and containers of them: most posting
# positions and block headers. The standard unpickler reads those, six times faster than one
# with a ``find_class`` of its own (a posting's positions are read per document).
_MAY_IMPORT = re.compile(rb"[ci\x93o\x82-\x84]")


_MEMO_PUTS = frozenset({"PUT", "BINPUT", "LONG_BINPUT"})


def _pickle_end(data: bytes) -> int:
    """Where the pickle ``data`` starts with ends, once its opcodes are walked without running
    any: ``IndexDamagedError`` if a length runs past ``data`` or a memo index is past the
    opcodes before it."""
    try:
        for count, (opcode, argument, position) in enumerate(pickletools.genops(data)):
            if opcode.name in _MEMO_PUTS and not 0 <= argument <= count:
                break
            if opcode.name == "STOP":
                return position + 1
    except Exception:  # genops only parses: whatever it raises is a malformed pickle
        pass
    raise IndexDamagedError("a pickle in the index is damaged")


def loads(data: bytes):
    """``pickle.loads`` through the allow-list, of a pickle checked first (``_pickle_end``)."""
    _pickle_end(data)
    return _unpickle(data)


def _unpickle(data: bytes):
    if _MAY_IMPORT.search(data) is None:
        return pickle.loads(data)
    return IndexUnpickler(io.BytesIO(data)).load()


def load_from_file(file):
    """``pickle.load`` of a file of the index (the rest of it is read, then checked as
    ``loads`` does): the file is left just after the pickle."""
    start = file.tell()
    data = file.read()
    end = _pickle_end(data)
    file.seek(start + end)
    return _unpickle(data[:end])


def load(file):
    """``pickle.load`` through the allow-list, for what a writer wrote in this run (the sorted
    runs and job files it spills; ``load_from_file`` reads an index's files)."""
    return IndexUnpickler(file).load()


# Where Whoosh keeps the unpickling functions it calls: the names its modules imported from
# ``whoosh.compat`` (``StructFile.read_pickle`` calls ``structfile.load_pickle``), and the
# ``pickle`` module itself, which ``whoosh.index`` unpickles a schema with (its writer processes
# open the index without one) and ``whoosh.multiproc`` its job files.
_WHOOSH_NAMES = {
    "whoosh.compat": ("loads", "load", "pickle"),
    "whoosh.codec.whoosh3": ("loads",),
    "whoosh.codec.plaintext": ("loads",),
    "whoosh.columns": ("loads",),
    "whoosh.formats": ("loads",),
    "whoosh.externalsort": ("load",),
    "whoosh.filedb.structfile": ("load_pickle",),
    "whoosh.index": ("pickle",),
    "whoosh.multiproc": ("pickle",),
}


def _guarded_pickle_module() -> types.ModuleType:
    """A copy of the ``pickle`` module whose readers are ours (its writers are the same)."""
    guarded = types.ModuleType("pickle")
    guarded.__dict__.update(vars(pickle))
    guarded.loads, guarded.load, guarded.Unpickler = loads, load, IndexUnpickler
    return guarded


_GUARDED = {"loads": loads, "load": load, "load_pickle": load_from_file,
            "pickle": _guarded_pickle_module()}


def install() -> None:
    """Route every pickle Whoosh reads through ``IndexUnpickler`` (idempotent). Patching
    ``whoosh.compat`` covers the Whoosh modules imported later; those imported already are
    patched in place."""
    import sys

    import whoosh.compat
    import whoosh.filedb.structfile  # imported later, it would read files with ``load``
    import whoosh.legacy

    for module_name, names in _WHOOSH_NAMES.items():
        module = whoosh.compat if module_name == "whoosh.compat" else sys.modules.get(module_name)
        for name in names if module is not None else ():
            setattr(module, name, _GUARDED[name])
    # Whoosh's loader of its pre-2.5 format unpickles the schema with an unrestricted
    # unpickler; no searcher index was ever written in that format.
    whoosh.legacy.toc_loaders.clear()
