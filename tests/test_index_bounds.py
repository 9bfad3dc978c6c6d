"""An index folder bounds everything it claims: a crafted table of contents or segment file,
its checksums recomputed (anyone who can write a file can), never makes searcher read outside
the folder, wait on a FIFO, allocate without bound or fail with an internal error. Each attack
is built on a real index of the sample corpus with the engine's own writing functions; the
victims (``search``, ``show``, ``check``) run each in a process of its own (forks of one that
loaded searcher once) with their address space and time bounded, and must say in one line that
the index is damaged."""

from __future__ import annotations

import json
import os
import pickle
import resource
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from whoosh.columns import VarBytesColumn
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile
from whoosh.index import TOC

from searcher.engine.format import records, terms as terms_format
from searcher.engine.format.postings import VALUES_NONE, WEIGHTS_SAME
from searcher.engine.integrity import record_checksums
from searcher.engine.store import open_index
from tests.conftest import CORPUS, ROOT
from tests.test_index_integrity import toc_pickle_offset

MEMORY_LIMIT = 1536 << 20  # a victim's address space: a runaway allocation fails, not the machine
VICTIM_SECONDS = 60  # a victim waiting on a FIFO fails the test instead of hanging it
DOCUMENT = "003_fbfd2bed5f7712db.txt"  # a sample article holding 停火
VICTIMS = {"search": ["search", "停火"], "show": ["show", DOCUMENT], "check": ["check"]}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    index = tmp_path_factory.mktemp("bounds") / "index"
    from searcher.analysis.settings import AnalysisSettings
    from searcher.indexing.update import update_index

    update_index(index, [CORPUS], AnalysisSettings.default())
    return index


@pytest.fixture
def index(pristine, tmp_path) -> Path:
    copy = tmp_path / "index"
    shutil.copytree(pristine, copy, symlinks=True)
    return copy


def generation(index: Path) -> Path:
    return index / (index / "CURRENT").read_text().strip()


def segment_name(index: Path) -> str:
    [segment] = open_index(index).opened.whoosh._read_toc().segments  # the sample makes one
    return segment.segment_id()


def recompute_checksums(index: Path) -> None:
    """What a planter does: record the crafted files as the index's own."""
    (generation(index) / "checksums.json").unlink()
    record_checksums(generation(index))


# --- crafting -------------------------------------------------------------------------------

def edit_toc(index: Path, edit) -> None:
    """Rewrite the table of contents, ``edit(segments)`` changing its segment list in place."""
    storage = FileStorage(str(generation(index)))
    toc = TOC.read(storage, "MAIN")
    edit(toc.segments)
    storage.delete_file(TOC._filename("MAIN", toc.generation))
    toc.write(storage, "MAIN")
    recompute_checksums(index)


def plant_segment_pickle(index: Path, payload: bytes) -> None:
    """Put ``payload`` where the table of contents pickles its segment list."""
    [toc] = generation(index).glob("*.toc")
    data = toc.read_bytes()
    toc.write_bytes(data[:toc_pickle_offset(toc)] + payload)
    recompute_checksums(index)


def deflated_run(prefix: bytes, byte: int, count: int, suffix: bytes) -> bytes:
    """zlib of ``prefix``, ``count`` copies of ``byte`` and ``suffix``, built in
    milliseconds whatever ``count``: one chunk of the run is deflated, flushed to a byte
    boundary, and its (then identical) deflated form repeated; the Adler-32 is computed in
    closed form."""
    chunk = 1 << 24
    compressor = zlib.compressobj(1)
    head = compressor.compress(prefix) + compressor.compress(bytes([byte]) * chunk)
    head += compressor.flush(zlib.Z_SYNC_FLUSH)
    repeated = compressor.compress(bytes([byte]) * chunk) + compressor.flush(zlib.Z_SYNC_FLUSH)
    repeats, rest = divmod(count - chunk, chunk)
    assert repeats >= 1 and repeated == (compressor.compress(bytes([byte]) * chunk)
                                         + compressor.flush(zlib.Z_SYNC_FLUSH))
    body = head + repeated * (repeats - 1) + compressor.compress(bytes([byte]) * rest + suffix)
    body += compressor.flush()[:-4]
    a, b = zlib.adler32(prefix) & 0xFFFF, zlib.adler32(prefix) >> 16  # then the run's
    b = (b + count * a + byte * count * (count + 1) // 2) % 65521
    a = (a + count * byte) % 65521
    checksum = zlib.adler32(suffix, (b << 16) | a)
    return body + struct.pack(">I", checksum)


def sealed(stored: bytes) -> bytes:
    """A record as the format stores it (header, CRC32) around bytes already deflated."""
    return struct.pack("<BII", 1, len(stored), records.record_crc(1, stored)) + stored


def rewrite_term(index: Path, field: str, term: str, record: bytes, **claims) -> None:
    """Append ``record`` to the segment's postings, and rewrite its terms file (with the
    format's own blocks and index) so that ``field:term`` points at it, its statistics changed
    as ``claims`` says (``_df``, ``_weight``)."""
    gen, name = generation(index), segment_name(index)
    postings = gen / f"{name}.postings"
    at = postings.stat().st_size
    with open(postings, "ab") as handle:
        handle.write(record)
    terms = open_index(index).opened.whoosh.reader()._terms.file
    target = bytes([0, terms.fieldmap[field]]) + term.encode("utf-8")
    items = list(terms.items_from(b""))
    for key, info in items:
        if key == target:
            info.offset, info.length = at, len(record)
            for attribute, value in claims.items():
                setattr(info, attribute, value)
    out = bytearray(records.file_header(terms_format.TERMS_MAGIC))
    first_keys, offsets = [], []
    for start in range(0, len(items), terms_format.TERMS_PER_BLOCK):
        block = items[start:start + terms_format.TERMS_PER_BLOCK]
        first_keys.append(block[0][0])
        offsets.append(len(out))
        out += records.seal(terms_format.encode_terms_block([k for k, _ in block],
                                                            [i for _, i in block]))
    block_index = records.seal(records.pack_byte_strings(first_keys)
                               + records.pack_ints(offsets)
                               + json.dumps(terms.fieldmap).encode("utf-8"))
    footer = terms_format.TERMS_FOOTER.pack(len(out), len(block_index),
                                            terms_format.TERMS_MAGIC)
    (gen / f"{name}.terms").write_bytes(bytes(out) + block_index + footer)
    recompute_checksums(index)


def postings_payload(deltas: list[int]) -> bytes:
    """A postings record's payload: these document deltas, weight 1 each, no positions."""
    return (struct.pack("<I", len(deltas)) + bytes([WEIGHTS_SAME, VALUES_NONE])
            + records.pack_ints(deltas) + struct.pack("<d", 1.0))


def rewrite_stored(index: Path, document: str, value: bytes) -> None:
    """Replace one document's stored value (Whoosh's variable-bytes column, rewritten)."""
    gen, name = generation(index), segment_name(index)
    reader = open_index(index).reader()
    docnum = next(d for d in range(reader.doc_count)
                  if reader.stored_fields(d)["path"] == document)
    path = gen / f"{name}._stored.col"
    with open(path, "rb") as handle:
        column = VarBytesColumn().reader(StructFile(handle), 0, path.stat().st_size,
                                         reader.doc_count)
        values = [bytes(column[d]) for d in range(reader.doc_count)]
    values[docnum] = struct.pack("<II", docnum, zlib.crc32(value, docnum)) + value
    with open(path, "wb") as handle:
        writer = VarBytesColumn().writer(StructFile(handle))
        for number, stored in enumerate(values):
            writer.add(number, stored)
        writer.finish(reader.doc_count)
    recompute_checksums(index)


def outside(index: Path, plant=None) -> None:
    """Name the segment ``../MAIN_…``, whose files are then the index folder's own
    ``MAIN_…`` files: copies of the real ones, ``plant(path)`` making the terms file what
    the attack wants."""
    gen, name = generation(index), segment_name(index)
    for file in gen.glob(f"{name}.*"):
        shutil.copy(file, index / file.name)
    if plant:
        (index / f"{name}.terms").unlink()
        plant(index / f"{name}.terms")

    def escape(segments) -> None:
        segments[0].indexname = "../MAIN"

    edit_toc(index, escape)


def set_segment(**state):
    def edit(segments) -> None:
        vars(segments[0]).update(state)

    return edit


GIGABYTES = 1 << 31


def attack(index: Path, name: str) -> None:
    if name == "segment outside the folder":
        outside(index)
    elif name == "FIFO outside the folder":
        outside(index, os.mkfifo)
    elif name == "link to /dev/zero outside the folder":
        outside(index, lambda path: path.symlink_to("/dev/zero"))
    elif name == "FIFO in the generation":
        terms = next(generation(index).glob("*.terms"))
        terms.unlink()
        os.mkfifo(terms)
        recompute_checksums(index)
    elif name == "segment id with a separator":
        edit_toc(index, set_segment(segid="../../../../etc"))
    elif name == "segment id with a NUL":
        edit_toc(index, set_segment(segid="0123456\x00789abcdef"))
    elif name == "a billion documents":
        edit_toc(index, set_segment(_doccount=10**9))
    elif name == "deleting document -1":
        edit_toc(index, set_segment(_deleted={-1}))
    elif name == "deleting a document past the segment":
        edit_toc(index, set_segment(_deleted={10**6}))
    elif name == "memo index of 2**31 in the TOC":
        plant_segment_pickle(index, b"\x80\x02]r\xff\xff\xff\x7f.")
    elif name == "bytes(2**40) in the TOC":
        plant_segment_pickle(index, b"\x80\x02c__builtin__\nbytes\n\x8a\x06\x00\x00\x00\x00\x00\x01"
                                    b"\x85R.")
    elif name == "150 million postings":
        count = 150_000_000
        payload = deflated_run(struct.pack("<I", count) + bytes([WEIGHTS_SAME, VALUES_NONE])
                               + struct.pack("<BI", 1, count) + b"\0", 1, count - 1,
                               struct.pack("<d", 1.0))
        rewrite_term(index, "body", "停火", sealed(payload), _df=count, _weight=float(count))
    elif name == "postings inflating to 2 GB":
        rewrite_term(index, "body", "停火", sealed(deflated_run(b"", 0, GIGABYTES, b"")))
    elif name == "document number past the segment":
        payload = postings_payload([1_000_000])
        rewrite_term(index, "body", "停火", records.seal(payload), _df=1, _weight=1.0)
    elif name == "stored fields inflating to 2.7 GB":
        rewrite_stored(index, DOCUMENT, deflated_run(b'{"path": "', 0x20, 2_700_000_000,
                                                     b'"}'))
    elif name == "a length column longer than its segment":
        column = next(generation(index).glob("*._body_len.col"))
        column.write_bytes(column.read_bytes() * 3)
        recompute_checksums(index)
    else:
        raise AssertionError(name)


# Which victims read what the attack planted: the table of contents is read by all three;
# a postings record by a search for its term (and by check); a stored value by show.
ATTACKS = {
    "segment outside the folder": ("search", "show", "check"),
    "FIFO outside the folder": ("search", "show", "check"),
    "link to /dev/zero outside the folder": ("search", "show", "check"),
    "FIFO in the generation": ("search", "show", "check"),
    "segment id with a separator": ("search", "show", "check"),
    "segment id with a NUL": ("search", "show", "check"),
    "a billion documents": ("search", "show", "check"),
    "deleting document -1": ("search", "show", "check"),
    "deleting a document past the segment": ("search", "show", "check"),
    "memo index of 2**31 in the TOC": ("search", "show", "check"),
    "bytes(2**40) in the TOC": ("search", "show", "check"),
    "150 million postings": ("search", "check"),
    "postings inflating to 2 GB": ("search", "check"),
    "document number past the segment": ("search", "check"),
    "stored fields inflating to 2.7 GB": ("search", "show", "check"),
    "a length column longer than its segment": ("search", "check"),
}


# The victims of one attack, each in a process of its own: forks of one process that has
# loaded searcher once (as ``python -m searcher`` would, each), its address space bounded.
# Each victim's exit status and stderr is a JSON line on stdout as it ends.
RUN_VICTIMS = """
import json, os, sys, tempfile
from searcher.cli import main  # first: the package's ``main`` names a module once loaded
import searcher.cli.commands, searcher.engine.store, searcher.search.ranked

for args in json.loads(sys.stdin.read()):
    with tempfile.TemporaryFile() as stderr:
        pid = os.fork()
        if pid == 0:
            code = 70
            try:
                os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
                os.dup2(stderr.fileno(), 2)
                sys.argv = ["searcher", *args]
                main()
                code = 0
            except SystemExit as done:
                code = done.code if isinstance(done.code, int) else 1 if done.code else 0
            finally:
                sys.stderr.flush()
                os._exit(code)
        status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
        stderr.seek(0)
        print(json.dumps([status, stderr.read().decode("utf-8", "replace")]), flush=True)
"""


def run_victims(index: Path, cli_env: dict, victims: tuple[str, ...]) -> list[tuple[int, str]]:
    """Each victim's exit status and stderr, its time and address space bounded."""
    def bounded() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    commands = [[*VICTIMS[victim], "--index", str(index)] for victim in victims]
    try:
        done = subprocess.run([sys.executable, "-c", RUN_VICTIMS], input=json.dumps(commands),
                              cwd=ROOT, env=cli_env, capture_output=True, text=True,
                              timeout=VICTIM_SECONDS * len(victims), preexec_fn=bounded)
    except subprocess.TimeoutExpired as hung:
        ended = len((hung.stdout or "").splitlines())
        pytest.fail(f"{victims[ended]} did not end in {VICTIM_SECONDS * len(victims)} s")
    assert done.returncode == 0, done.stderr[-2000:]
    return [tuple(json.loads(line)) for line in done.stdout.splitlines()]


@pytest.mark.parametrize("name", ATTACKS)
def test_what_an_index_claims_is_bounded(index, cli_env, name):
    attack(index, name)
    victims = ATTACKS[name]
    outcomes = run_victims(index, cli_env, victims)
    assert len(outcomes) == len(victims)
    for victim, (code, stderr) in zip(victims, outcomes):
        lines = stderr.strip().splitlines()
        assert code == 2 and len(lines) == 1, (victim, stderr[-2000:])
        assert "is damaged" in lines[0] and "internal error" not in lines[0], (victim, lines)
        assert f"searcher index --rebuild --index {index}" in lines[0], (victim, lines)


def test_check_reads_the_schema_the_table_of_contents_holds(index, searcher):
    """Searches pass searcher's own schema and skip the pickled one; check compares them."""
    storage = FileStorage(str(generation(index)))
    toc = TOC.read(storage, "MAIN")
    toc.schema.remove("tags")
    storage.delete_file(TOC._filename("MAIN", toc.generation))
    toc.write(storage, "MAIN")
    recompute_checksums(index)
    assert searcher("search", "停火", "-l", "--index", str(index)).code == 0
    checked = searcher("check", "--index", str(index), "--json")
    assert checked.code == 2
    [damage] = json.loads(checked.stdout)["damaged"]
    assert damage["file"].endswith(".toc") and "schema" in damage["problem"]


def test_a_healthy_index_reads_the_same(index, searcher):
    """The bounds cost a healthy index nothing: check passes, every article is found."""
    assert searcher("check", "--index", str(index)).code == 0
    found = searcher("search", "停火", "-l", "--index", str(index))
    assert found.code == 0 and len(found.stdout.splitlines()) == 5
    assert searcher("show", DOCUMENT, "--index", str(index)).code == 0


def test_a_planted_pickle_is_walked_before_it_is_loaded():
    from searcher.engine.whoosh import safe_pickle
    from searcher.errors import IndexDamagedError

    assert safe_pickle.loads(pickle.dumps({"a": [1, b"xy", b""]}, 2)) == {"a": [1, b"xy", b""]}
    for planted in (b"\x80\x02]r\xff\xff\xff\x7f.", b"\x80\x02B\xff\xff\xff\x7fab.",
                    b"\x80\x02c__builtin__\nbytes\nK\x05\x85R."):
        with pytest.raises(IndexDamagedError):
            safe_pickle.loads(planted)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another user")
def test_a_file_another_user_owns_is_refused_with_the_fix_for_ownership(index, searcher):
    toc = next(generation(index).glob("*.toc"))
    os.chown(toc, 54321, -1)
    refused = searcher("search", "停火", "--index", str(index))
    assert refused.code == 2 and len(refused.stderr.strip().splitlines()) == 1
    assert f"{toc} is owned by another user (uid 54321)" in refused.stderr
    assert f'chown -R "$USER" {index}' in refused.stderr and "chmod" not in refused.stderr
