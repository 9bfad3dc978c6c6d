"""An index folder is data, never code, and damage to it is found: planted pickles run
nothing, folders others could write are refused, planted links are not written through,
``CURRENT`` names only a generation of the folder, and a flipped byte in any file of a
generation is a clean error (``search``, ``check``) that ``searcher index`` repairs."""

from __future__ import annotations

import json
import os
import pickle
import resource
import shutil
import stat
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from searcher.engine.integrity import record_checksums
from searcher.engine.store import open_index
from tests.conftest import CORPUS, ROOT, Run

QUERIES = (("停火", "--json"), ("俄羅斯", "--since", "2025-10", "-l"))
MEMORY_LIMIT = 4 << 30  # address space of a CLI run: a runaway read fails, not the machine


def one_clear_line(run: Run) -> bool:
    return len(run.stderr.strip().splitlines()) == 1 and "Traceback" not in run.stderr



@pytest.fixture(scope="module")
def built_once(tmp_path_factory) -> Path:
    """A copy of the sample corpus (``work/corpus``) indexed by ``searcher index`` (``idx``),
    once for the module, in ``live/``; ``pristine/`` keeps them as built."""
    from click.testing import CliRunner

    from searcher.cli.main import cli

    top = tmp_path_factory.mktemp("integrity")
    corpus, index = top / "live" / "work" / "corpus", top / "live" / "idx"
    shutil.copytree(CORPUS, corpus)
    env = {"XDG_CONFIG_HOME": str(top / "config"), "SEARCHER_INDEX": None, "LANG": "C",
           "LC_ALL": "C"}
    done = CliRunner().invoke(cli, ["index", str(corpus), "--index", str(index)],
                              prog_name="searcher", env=env)
    assert done.exit_code == 0, done.output
    shutil.copytree(top / "live", top / "pristine", symlinks=True)
    return top


@pytest.fixture
def live(built_once) -> Path:
    """The corpus and its index as built, in their places (the index records the corpus's
    path; copies keep times, so nothing reads as changed): what this test changes is gone."""
    shutil.rmtree(built_once / "live")
    shutil.copytree(built_once / "pristine", built_once / "live", symlinks=True)
    return built_once / "live"


@pytest.fixture
def built(live) -> Path:
    return live / "idx"


@pytest.fixture
def corpus_copy(live) -> Path:
    """The corpus ``built`` indexed (this module's, not conftest's fresh copy)."""
    return live / "work" / "corpus"


def generation(index: Path) -> Path:
    return index / (index / "CURRENT").read_text().strip()


def results(searcher, index: Path) -> list[Run]:
    return [searcher("search", *query, "--index", str(index)) for query in QUERIES]


class Plant:
    """A pickle that runs a shell command when loaded."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def toc_pickle_offset(toc: Path) -> int:
    """Where the pickled segment list starts in a Whoosh 2.7 table of contents."""
    from whoosh.filedb.structfile import StructFile

    with open(toc, "rb") as handle:
        stream = StructFile(handle)
        for _ in range(3):
            stream.read_varint()  # int, long, float sizes
        stream.read_int(), stream.read_int()  # byte-order check, format version
        for _ in range(3):
            stream.read_varint()  # Whoosh release
        stream.skip_string()  # the pickled schema (searcher passes its own)
        stream.read_int(), stream.read_int()  # generation, unused
        return stream.tell()


def plant_in_postings_record(index: Path, planted: bytes) -> None:
    """Put ``planted`` in the postings record of 停火 in the body, as the record's whole
    payload, with the record's length and checksum forged to match."""
    [postings] = generation(index).glob("*.postings")  # the sample corpus makes one segment
    offset, length = open_index(index).opened.whoosh.reader().term_info("body", "停火").extent()
    crc = zlib.crc32(planted, zlib.crc32(struct.pack("<BI", 0, len(planted))))
    data = postings.read_bytes()
    postings.write_bytes(data[:offset] + struct.pack("<BII", 0, len(planted), crc) + planted
                         + data[offset + length:])


@pytest.mark.parametrize("where", ["toc", "postings record"])
def test_a_planted_pickle_runs_nothing(searcher, built, tmp_path, where):
    marker = tmp_path / "ran"
    planted = pickle.dumps(Plant(marker), protocol=2)
    if where == "toc":
        file = next(generation(built).glob("*.toc"))
        at = toc_pickle_offset(file)
        file.write_bytes(file.read_bytes()[:at] + planted)
    else:  # searcher's own format holds no pickle: the planted one is only malformed data
        plant_in_postings_record(built, planted)
    (generation(built) / "checksums.json").unlink()  # a planter can forge the checksums too
    record_checksums(generation(built))
    result = searcher("search", "停火", "--index", str(built))
    assert not marker.exists(), "the planted pickle ran its command"
    assert result.code == 2 and one_clear_line(result), result.stderr
    assert f"searcher index --rebuild --index {built}" in result.stderr
    if where == "toc":
        assert "posix.system" in result.stderr


# Every search hashes the variant files an index's searcher.json records, to tell whether the
# table changed: a planted one naming a FIFO used to hang every search, and one naming a device
# to read it without end (hence the bound on the search's memory).
# /proc/self/pagemap and /proc/kmsg call themselves regular files: one never ends, the other
# waits for the kernel to say something.
@pytest.mark.parametrize("planted", ["fifo", "/dev/zero", "/proc/self/pagemap", "/proc/kmsg"])
def test_a_recorded_variant_file_that_is_not_a_regular_file_is_not_read(built, cli_env,
                                                                        tmp_path, planted):
    target = tmp_path / "variants.txt"
    if planted == "fifo":
        os.mkfifo(target)
    else:
        target.symlink_to(planted)
    meta_file = generation(built) / "searcher.json"
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    meta["settings"]["variant_files"] = [str(target)]
    meta_file.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    (generation(built) / "checksums.json").unlink()  # a planter can forge the checksums too
    record_checksums(generation(built))

    def bounded() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    done = subprocess.run([sys.executable, "-m", "searcher", "search", "停火", "-l",
                           "--index", str(built)], cwd=ROOT, env=cli_env, capture_output=True,
                          text=True, timeout=60, preexec_fn=bounded)
    assert done.returncode == 0 and done.stdout, done.stderr
    assert "Traceback" not in done.stderr
    assert "the variant table changed" in done.stderr  # the file it names reads as missing


@pytest.mark.parametrize("what", ["folder", "generation", "file"])
def test_an_index_others_can_write_is_refused(searcher, built, what):
    target = {"folder": built, "generation": generation(built),
              "file": next(generation(built).glob("*.toc"))}[what]
    target.chmod(target.stat().st_mode | stat.S_IWGRP)
    result = searcher("search", "停火", "--index", str(built))
    assert result.code == 2 and one_clear_line(result)
    assert f"{target} is writable by group or others" in result.stderr
    assert f"chmod -R go-w {built}" in result.stderr
    refused = searcher("index", "--index", str(built))
    assert refused.code == 2 and one_clear_line(refused)


def test_an_index_built_under_a_permissive_umask_is_writable_only_by_its_owner(
        searcher, corpus_copy, tmp_path):
    index = tmp_path / "idx"
    umask = os.umask(0o002)  # this process's, and its writer processes' (forks)
    try:
        for args in (["index", str(corpus_copy), "--index", str(index), "--procs", "2"],
                     ["index", "--rebuild", "--index", str(index)]):
            done = searcher(*args)
            assert done.code == 0, done.stderr
    finally:
        os.umask(umask)
    writable = [path for path in [index, *index.rglob("*")]
                if path.lstat().st_mode & (stat.S_IWGRP | stat.S_IWOTH)]
    assert writable == []


def test_planted_links_are_not_written_through(searcher, built, tmp_path):
    precious = tmp_path / "precious"
    precious.write_text("keep me")
    for name in ("CURRENT.tmp", "PREVIOUS.tmp"):
        (built / name).symlink_to(precious)
    assert searcher("index", "--rebuild", "--index", str(built)).code == 0
    assert precious.read_text() == "keep me"
    (built / ".lock").unlink()
    (built / ".lock").symlink_to(precious)
    refused = searcher("index", "--rebuild", "--index", str(built))
    assert refused.code == 2 and one_clear_line(refused)
    assert ".lock is a symbolic link" in refused.stderr
    assert precious.read_text() == "keep me"


@pytest.mark.parametrize("current", ["outside", "absolute", "not utf-8"])
def test_current_names_only_a_generation_of_the_folder(searcher, built, corpus_copy, current):
    before = results(searcher, built)
    elsewhere = built.parent / "elsewhere"
    shutil.copytree(built, elsewhere)  # a whole index, outside the folder
    content = {"outside": f"../elsewhere/{generation(built).name}\n".encode(),
               "absolute": f"{generation(elsewhere)}\n".encode(),
               "not utf-8": b"gen-\xff\xfe\n"}[current]
    (built / "CURRENT").write_bytes(content)
    for command in (["search", "停火"], ["check"]):
        refused = searcher(*command, "--index", str(built))
        assert refused.code == 2 and one_clear_line(refused), refused.stderr
        assert "CURRENT" in refused.stderr and "is damaged" in refused.stderr
    # the paths given: the generation that recorded the index's roots is unknown
    repaired = searcher("index", str(corpus_copy), "--index", str(built))
    assert repaired.code == 0, repaired.stderr
    assert results(searcher, built) == before


def test_check_passes_a_healthy_index_and_follows_incremental_runs(searcher, built,
                                                                   corpus_copy):
    healthy = searcher("check", "--index", str(built), "--json")
    assert healthy.code == 0, healthy.stderr
    report = json.loads(healthy.stdout)
    assert report["healthy"] is True and report["damaged"] == [] and report["files"] > 5
    changed = corpus_copy / "001_3c553393d0fd30c8.txt"
    changed.write_text(" date 2026-01-12 關於格陵蘭的評論。", encoding="utf-8")
    assert searcher("index", "--index", str(built)).code == 0
    again = searcher("check", "--index", str(built))
    assert again.code == 0 and "is healthy" in again.stdout
    assert searcher("search", "格陵蘭", "-l", "--path-style", "absolute", "--index",
                    str(built)).stdout == f"{changed}\n"


def file_kind(path: Path) -> str:
    """A generation file's kind: its name with the segment's and generation's ids taken out."""
    name = path.name
    if name.startswith("MAIN_"):
        return name.split(".", 1)[1]
    return "toc" if name.endswith(".toc") else name


# Read whole by every search: a flipped byte is refused before anything is searched. The
# postings, terms and stored fields are too large to read on every search: each of their
# records is checked when a search reads it.
LARGE_KINDS = {"terms", "postings", "_stored.col"}


def test_a_flipped_byte_in_any_file_is_found_and_repaired(searcher, built, corpus_copy,
                                                          tmp_path):
    before = results(searcher, built)
    files = [p for p in generation(built).iterdir() if not p.name.endswith("WRITELOCK")]
    kinds = {file_kind(p): p.name for p in files} | {"CURRENT": None}
    assert {"toc", "terms", "postings", "_stored.col", "day.col", "_body_len.col", "searcher.json",
            "files.json", "query-userwords.txt", "checksums.json"} <= kinds.keys()
    for kind, name in sorted(kinds.items()):
        index = tmp_path / f"flipped-{kind}"
        shutil.copytree(built, index, symlinks=True)
        file = index / "CURRENT" if name is None else generation(index) / name
        data = bytearray(file.read_bytes())
        data[len(data) // 2] ^= 0x20
        file.write_bytes(bytes(data))
        checked = searcher("check", "--index", str(index))
        assert checked.code == 2 and one_clear_line(checked), (kind, checked.stderr)
        assert file.name in checked.stderr, (kind, checked.stderr)
        assert f"searcher index --rebuild --index {index}" in checked.stderr
        if kind in LARGE_KINDS:  # found by check; a search may or may not read the byte,
            searched = searcher("search", *QUERIES[0], "--index", str(index))
            # but if it does, it says so: the same answer or an error, never another answer
            assert (searched.code == 2 and one_clear_line(searched)
                    or searched.stdout == before[0].stdout), (kind, searched.stderr)
        elif kind == "query-userwords.txt":  # left unused: queries cut by the full dictionary
            assert results(searcher, index) == before
        else:
            searched = searcher("search", *QUERIES[0], "--index", str(index))
            assert searched.code == 2 and one_clear_line(searched), (kind, searched.stderr)
        # The next run finds the damage (a large file is read whole when it is not as
        # recorded, as an edited one is not) and rebuilds.
        repaired = searcher("index", str(corpus_copy), "--index", str(index))
        assert repaired.code == 0, (kind, repaired.stderr)
        assert searcher("check", "--index", str(index)).code == 0, kind
        assert results(searcher, index) == before, kind


def test_index_rebuilds_a_damaged_index_and_says_so(run_cli, corpus_copy, tmp_path):
    index = tmp_path / "idx"
    assert run_cli("index", str(corpus_copy), "--index", str(index)).code == 0
    before = run_cli("search", "俄羅斯", "--since", "2025-10", "--json", "--index", str(index))
    [days] = generation(index).glob("*.day.col")
    data = bytearray(days.read_bytes())
    data[0] ^= 0x01  # the first document's day, one day off: a silently wrong date before
    days.write_bytes(bytes(data))
    refused = run_cli("search", "俄羅斯", "--since", "2025-10", "--json", "--index", str(index))
    assert refused.code == 2 and one_clear_line(refused) and days.name in refused.stderr
    repaired = run_cli("index", "--index", str(index))
    assert repaired.code == 0, repaired.stderr
    assert f"searcher: warning: index at {index} is damaged (" in repaired.stderr
    assert f"{days.name} does not match its checksum); rebuilding it" in repaired.stderr
    after = run_cli("search", "俄羅斯", "--since", "2025-10", "--json", "--index", str(index))
    assert (after.code, after.stdout) == (before.code, before.stdout)


@pytest.mark.parametrize("name", ["checksums.json.tmp", "files.json.tmp", "searcher.json.tmp"])
def test_the_temporary_of_a_write_a_crash_left_is_no_damage(searcher, built, name):
    before = results(searcher, built)
    (generation(built) / name).write_bytes(b'{"half": ')  # killed while writing it
    assert results(searcher, built) == before
    assert searcher("check", "--index", str(built)).code == 0


def test_a_copied_index_is_not_taken_for_a_damaged_one(searcher, built, corpus_copy, tmp_path):
    """A copy that does not keep modification times (``cp -r``) makes a writer read the large
    files whole, finds them sound, and indexes incrementally; the new times are recorded."""
    copy = tmp_path / "copy"
    shutil.copytree(built, copy, copy_function=shutil.copy)  # contents, not times
    first = searcher("index", str(corpus_copy), "--index", str(copy))
    assert first.code == 0 and "rebuilding" not in first.stderr
    assert "5 unchanged documents" in first.stderr
    assert results(searcher, copy) == results(searcher, built)
