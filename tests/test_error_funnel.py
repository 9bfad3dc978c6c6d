"""Every error is one line on stderr and exit 2; exit 1 means only "nothing found". The inputs
that used to escape the funnel as an uncaught exception (exit 1, a traceback) each have a case
here, through the CLI in-process and, where only a real process shows it, as a subprocess."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from searcher.analysis.query_dictionary import (
    QUERY_USER_WORDS, QuerySegmenter, SortedWords, base_cache, open_query_words)
from searcher.cli.main import _Group, cli
from searcher.engine.store import current_generation
from tests.conftest import ROOT, Run


def one_clear_line(stderr: str) -> bool:
    return len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr


@pytest.fixture
def searcher(cli_env, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SEARCHER_DEBUG", raising=False)

    def run(*args: str, group: click.Group = cli, env: dict | None = None) -> Run:
        result = CliRunner().invoke(group, list(args), prog_name="searcher",
                                    env={**cli_env, **(env or {})})
        assert isinstance(result.exception, (SystemExit, type(None))), result.exc_info
        return Run(result.exit_code, result.stdout, result.stderr)

    return run


@pytest.mark.parametrize("query", ["date:>9999", "date:<0001", "date:>9999-12-31",
                                   "date:<0001-01-01"])
def test_dates_at_the_ends_of_the_calendar_are_no_hits_not_crashes(searcher, corpus_index_dir,
                                                                   query):
    result = searcher("search", "停火", query, "--index", str(corpus_index_dir))
    assert result == Run(1, "", "")


def test_a_strict_bound_keeps_the_day_after(searcher, corpus_index_dir):
    after = searcher("search", "停火", "date:>2025-12-31", "-c", "--index", str(corpus_index_dir))
    since = searcher("search", "停火", "--since", "2026-01-01", "-c",
                     "--index", str(corpus_index_dir))
    assert after.code == 0 and after.stdout == since.stdout != "0\n"


@pytest.mark.parametrize("by", ["year", "month", "week"])
def test_a_timeline_reaching_the_last_day_of_the_calendar(searcher, tmp_path, by):
    corpus = tmp_path / "articles"
    corpus.mkdir()
    (corpus / "far.txt").write_text(" date 9999-12-31 停火協議的遙遠未來。", encoding="utf-8")
    (corpus / "near.txt").write_text(" date 9999-11-30 停火再議。", encoding="utf-8")
    index = tmp_path / "idx"
    assert searcher("index", str(corpus), "--index", str(index)).code == 0
    result = searcher("search", "停火", "--timeline", "--by", by, "--index", str(index))
    assert result.code == 0 and result.stderr == ""
    periods = [line.split("\t")[0] for line in result.stdout.splitlines()]
    assert periods[-1] == {"year": "9999", "month": "9999-12", "week": "9999-W52"}[by]
    assert sum(int(line.split("\t")[1]) for line in result.stdout.splitlines()) == 2


def test_a_query_that_is_not_utf8_is_a_user_error(searcher, corpus_index_dir):
    result = searcher("search", "停火\udcff", "--index", str(corpus_index_dir))
    assert result.code == 2 and one_clear_line(result.stderr)
    assert "not valid UTF-8" in result.stderr


def test_a_query_of_raw_bytes_from_the_shell(corpus_index_dir, cli_env):
    process = subprocess.run(
        [sys.executable, "-m", "searcher", "search", b"\xff", "--index", str(corpus_index_dir)],
        cwd=ROOT, env=cli_env, capture_output=True, timeout=120)
    stderr = process.stderr.decode("utf-8", "replace")
    assert process.returncode == 2 and one_clear_line(stderr), stderr


def test_show_of_raw_bytes_names_no_document_and_blames_no_index(searcher, corpus_index_dir):
    result = searcher("show", "\udcfe\udcff", "--index", str(corpus_index_dir))
    assert result.code == 2 and one_clear_line(result.stderr)
    assert "no document" in result.stderr and "damaged" not in result.stderr


def test_a_query_dictionary_with_a_damaged_frequency_falls_back(corpus_index_dir, corpus_index):
    generation = current_generation(corpus_index_dir)
    user = (generation / QUERY_USER_WORDS).read_bytes()
    [base] = base_cache().glob("*.txt")
    data = base.read_bytes()
    at = data.index("\n停火 ".encode()) + len("\n停火 ".encode())
    damaged = data[:at] + b"x" + data[at + 1:]  # same size: the header still fits
    words = SortedWords(user, QUERY_USER_WORDS, SortedWords(damaged, base.name))
    assert QuerySegmenter(words).tokenize("停火協議") is None  # the full segmenter takes over
    healthy = QuerySegmenter(open_query_words(generation)).tokenize("停火协议")
    assert healthy and "".join(w for w, _, _ in healthy) == "停火协议"
    assert corpus_index.chain.query_words("停火協議") == [w for w, _, _ in healthy]


def test_an_internal_error_is_one_line_and_exit_2_with_the_traceback_on_request(searcher):
    group = _Group()

    @group.command("boom")
    def boom():
        raise RuntimeError("a bug of ours")

    plain = searcher("boom", group=group)
    assert (plain.code, plain.stdout) == (2, "") and one_clear_line(plain.stderr)
    assert "internal error (RuntimeError: a bug of ours)" in plain.stderr
    debug = searcher("boom", group=group, env={"SEARCHER_DEBUG": "1"})
    assert debug.code == 2 and "Traceback" in debug.stderr
    assert 'raise RuntimeError("a bug of ours")' in debug.stderr


def test_debug_flag_prints_the_traceback(searcher, monkeypatch):
    group = _Group(params=cli.params)

    @group.command("boom")
    def boom():
        raise ValueError("wrong")

    result = searcher("--debug", "boom", group=group)
    assert result.code == 2 and "Traceback" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("searcher: error: internal error")


def test_index_warnings_carry_no_escape_sequences(searcher, tmp_path):
    corpus = tmp_path / "articles"
    corpus.mkdir()
    (corpus / "ok.txt").write_text("停火協議。", encoding="utf-8")
    (corpus / "\x1b]0;pwned\x07\x1b[2J.txt").write_bytes(b"\x00\x01binary\x00" * 100)
    result = searcher("index", str(corpus), "--index", str(tmp_path / "idx"))
    assert result.code == 1 and "skipped" in result.stderr
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr


def test_index_warnings_carry_no_escape_sequences_from_json_lines_ids(searcher, tmp_path):
    corpus = tmp_path / "articles"
    corpus.mkdir()
    record = json.dumps({"id": "\x1b]0;title\x07", "text": "停火協議。"})
    (corpus / "feed.jsonl").write_text(f"{record}\n{record}\n", encoding="utf-8")
    result = searcher("index", str(corpus), "--index", str(tmp_path / "idx"))
    assert result.code == 0 and "feed.jsonl:2: id" in result.stderr
    assert "taken by an earlier line" in result.stderr
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr


def test_show_turns_unicode_line_separators_into_newlines(searcher, tmp_path):
    """U+2028 and U+2029 reach no terminal (terminals differ on them): they are the line
    breaks they mean, in the terminal view and in plain text alike."""
    corpus = tmp_path / "articles"
    corpus.mkdir()
    (corpus / "a.txt").write_text("停火協議。\u2028第二行。\u2029第二段。", encoding="utf-8")
    assert searcher("index", str(corpus), "--index", str(tmp_path / "idx")).code == 0
    for colour in ("never", "always"):
        shown = searcher("show", str(corpus / "a.txt"), "--color", colour,
                         "--index", str(tmp_path / "idx"))
        assert shown.code == 0 and "第二段" in shown.stdout, shown.stderr
        assert "\u2028" not in shown.stdout and "\u2029" not in shown.stdout
        assert "\n第二行。\n第二段。" in re.sub(r"\x1b\[[0-9;]*m", "", shown.stdout)


# Another Whoosh installed: a real package of that name, found first on the path, with the
# two names the engine's version check reads.
OTHER_WHOOSH = """__version__ = (2, 7, 3)


def versionstring(build=True, extra=True):
    return "2.7.3"
"""


def test_another_whoosh_version_is_refused_in_one_line_naming_the_fix(tmp_path, cli_env,
                                                                      corpus_index_dir):
    (tmp_path / "site" / "whoosh").mkdir(parents=True)
    (tmp_path / "site" / "whoosh" / "__init__.py").write_text(OTHER_WHOOSH)
    env = {**cli_env, "PYTHONPATH": str(tmp_path / "site")}
    process = subprocess.run(
        [sys.executable, "-m", "searcher", "search", "停火", "--index", str(corpus_index_dir)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert (process.returncode, process.stdout) == (2, "")
    assert one_clear_line(process.stderr), process.stderr
    assert "Whoosh 2.7.3 is installed" in process.stderr
    assert process.stderr.rstrip().endswith("pip install whoosh==2.7.4")


# Ctrl-C arrives while the command's own modules are loading: an audit hook raises
# KeyboardInterrupt, as Python's SIGINT handler does, when ``searcher.cli.commands`` starts to
# import. Raised, not signalled: a test run started in the background inherits SIGINT ignored
# (as a shell's background jobs do), so a self-sent SIGINT did nothing there (the version
# printed, exit 0); and a timed signal would land in Python's own start-up as often as ours.
CTRL_C_WHILE_LOADING = """
import sys
def hook(event, args):
    if event == "import" and args[0] == "searcher.cli.commands":
        raise KeyboardInterrupt
sys.addaudithook(hook)
from searcher.cli import main
main(["--version"])
"""


def test_ctrl_c_while_the_command_loads_prints_no_traceback(cli_env):
    process = subprocess.run([sys.executable, "-c", CTRL_C_WHILE_LOADING], cwd=ROOT,
                             env=cli_env, capture_output=True, text=True, timeout=120)
    assert (process.returncode, process.stdout, process.stderr) == (130, "", "")