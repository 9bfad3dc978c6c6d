"""The command line's habits, in-process: query words are never options, paths open from
where the command runs, fields and the mistakes a user makes, passages, ``show``."""

from __future__ import annotations

import json
import os
import re
import shlex
import sys
from pathlib import Path

import pytest

from searcher.search.ranked import search
from tests.conftest import Run


def plain(result) -> str:
    """What the piped default view prints for a library result, run outside the corpus."""
    return "".join(f"{h.file}\t{h.date or ''}\t{h.score:.4f}\t{h.title}\n" for h in result.hits)


@pytest.mark.parametrize("word", ["-nato", "-cnn", "-lng", "-hk", "-2025", "-date:2025",
                                  "-伊朗"])
def test_a_dash_word_after_the_query_is_an_excluded_word(searcher, corpus_index_dir,
                                                         corpus_index, word):
    expected = search(corpus_index, f"特朗普 {word}")
    result = searcher("search", "特朗普", word, "--index", str(corpus_index_dir))
    assert result == Run(0 if expected.total else 1, plain(expected), "")


def test_the_excluded_words_exclude(corpus_index):
    assert search(corpus_index, "特朗普 -date:2025").total < search(corpus_index, "特朗普").total
    assert search(corpus_index, "特朗普 -2025").total < search(corpus_index, "特朗普").total


@pytest.mark.parametrize("args", [["-ln", "2"], ["-l", "-n", "2"], ["--limit=2", "-l"],
                                  ["--limit", "2", "--files"]])
def test_real_option_clusters_and_long_options_stay_options(searcher, corpus_index_dir, args):
    index = ["--index", str(corpus_index_dir)]
    expected = searcher("search", "停火", "--files", "--limit", "2", *index)
    assert expected.code == 0 and expected.stdout.count("\n") == 2
    assert searcher("search", "停火", *args, *index) == expected


def test_after_a_double_dash_everything_is_query_text(searcher, corpus_index_dir, corpus_index):
    expected = search(corpus_index, "特朗普 -c")
    result = searcher("search", "--index", str(corpus_index_dir), "--", "特朗普", "-c")
    assert result == Run(0, plain(expected), "")


def test_an_unknown_long_option_is_still_an_error(searcher, corpus_index_dir):
    result = searcher("search", "特朗普", "--jsno", "--index", str(corpus_index_dir))
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr.startswith("searcher: error: No such option '--jsno'.")
    assert result.stderr.count("\n") == 1


def test_help_states_the_rule(searcher):
    assert "特朗普 -nato excludes nato" in searcher("search", "--help").stdout


# Paths that open from where the command runs


def test_every_listed_path_opens_from_another_directory(searcher, corpus_index_dir, tmp_path):
    index = ["--index", str(corpus_index_dir)]
    listed = searcher("search", "停火", "-l", *index).stdout.splitlines()
    plain = [line.split("\t")[0] for line in searcher("search", "停火", *index).stdout.splitlines()]
    records = [json.loads(line) for line in searcher("search", "停火", "--json", *index).stdout
               .splitlines()]
    assert Path.cwd() == tmp_path and listed and listed == plain == [r["file"] for r in records]
    assert all(Path(path).is_file() for path in listed)
    assert all(r["path"] == Path(r["file"]).name and r["record"] is None for r in records)


def test_paths_under_the_working_directory_are_relative(searcher, corpus_index_dir, monkeypatch):
    index = ["--index", str(corpus_index_dir)]
    absolute = searcher("search", "停火", "-l", *index).stdout.splitlines()
    monkeypatch.chdir(Path(absolute[0]).parent.parent)
    relative = searcher("search", "停火", "-l", *index).stdout.splitlines()
    assert relative == [os.path.relpath(path) for path in absolute]
    assert not any(path.startswith(("/", "..")) for path in relative)
    assert all(Path(path).is_file() for path in relative)
    assert searcher("search", "停火", "-l", "--path-style", "absolute", *index).stdout \
        .splitlines() == absolute


def test_relative_path_style_climbs_out_of_the_working_directory(searcher, corpus_index_dir,
                                                                  tmp_path):
    result = searcher("search", "停火", "-l", "--path-style", "relative",
                      "--index", str(corpus_index_dir))
    paths = result.stdout.splitlines()
    assert result.code == 0 and paths and all(p.startswith("../") for p in paths)
    assert all(Path(path).is_file() for path in paths)


@pytest.mark.parametrize("args", [["-l0"], ["-l", "-0"], ["-0"], ["-0l"], ["--files", "--null"]])
def test_null_modifies_files_as_in_ripgrep(searcher, corpus_index_dir, corpus_index, args):
    expected = "".join(f"{h.file}\0" for h in search(corpus_index, "普丁").hits)
    assert searcher("search", "普丁", *args, "--index", str(corpus_index_dir)) == \
        Run(0, expected, "")


@pytest.fixture
def feed_index(searcher, tmp_path) -> list[str]:
    corpus = tmp_path / "feeds"
    corpus.mkdir()
    lines = [{"id": "a1", "title": "停火談判", "body": "各方就停火進行談判。",
              "url": "https://example.org/a1", "source": "例報", "tags": ["中東", "外交"]},
             {"id": "a2", "title": "停火破裂", "body": "停火協議再度破裂。"}]
    (corpus / "2025.jsonl").write_text(
        "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    assert searcher("index", str(corpus), "--index", str(tmp_path / "idx")).code == 0
    return ["--index", str(tmp_path / "idx")]


def test_json_lines_hits_give_their_file_once_and_their_record(searcher, feed_index):
    assert searcher("search", "停火", "-l", *feed_index) == Run(0, "feeds/2025.jsonl\n", "")
    records = [json.loads(line) for line in
               searcher("search", "停火", "--json", "--sort", "oldest", *feed_index).stdout
               .splitlines()]
    assert sorted((r["path"], r["file"], r["record"]) for r in records) == [
        ("2025.jsonl#a1", "feeds/2025.jsonl", "a1"), ("2025.jsonl#a2", "feeds/2025.jsonl", "a2")]
    first = next(r for r in records if r["record"] == "a1")
    assert (first["url"], first["source"], first["tags"]) == (
        "https://example.org/a1", "例報", ["中東", "外交"])


# Fields and habits


@pytest.mark.parametrize("query, found", [("source:例報", ["a1"]), ("url:HTTPS://example.org/a1", ["a1"]),
                                          ("tags:外交", ["a1"]), ("停火 -source:例報", ["a2"])])
def test_source_url_and_tags_filters(searcher, feed_index, query, found):
    result = searcher("search", *query.split(), "--json", *feed_index)
    assert result.code == 0 and [json.loads(line)["record"] for line in
                                 result.stdout.splitlines()] == found


@pytest.mark.parametrize("args, message", [
    (["foo:bar"], "unknown field foo: at 4 (fields: path:, title:, body:, author:, tags:, "
                  "source:, url:, date:)"),
    (["--since", "2026", "--until", "2025"],
     "the date range ends before it starts: give the earlier date first"),
    (["date:2026..2025"],
     "the date range ends before it starts: give the earlier date first (date: at 4)"),
    (["--by", "year"], "--by goes with --timeline (see --help)"),
])
def test_habitual_mistakes_are_one_line_and_exit_2(searcher, corpus_index_dir, args, message):
    result = searcher("search", "停火", *args, "--index", str(corpus_index_dir))
    assert result == Run(2, "", f"searcher: error: {message}\n")


def test_lowercase_operators_get_a_hint_and_are_searched_as_words(searcher, corpus_index_dir,
                                                                  corpus_index):
    expected = search(corpus_index, "普丁 or 川普")
    result = searcher("search", "普丁", "or", "川普", "--index", str(corpus_index_dir))
    assert result == Run(0 if expected.total else 1, plain(expected),
                         "searcher: hint: 'or' is searched as a word; the operator is OR\n")


def test_or_binds_tighter_than_and(corpus_index):
    def paths(query: str) -> set[str]:
        return {h.path for h in search(corpus_index, query, limit=None).hits}

    assert paths("普丁 停火 OR 川普") == paths("普丁 (停火 OR 川普)") == \
        paths("普丁") & (paths("停火") | paths("川普"))


def test_date_none_selects_the_undated(searcher, corpus_index_dir, corpus_index):
    undated = [h.file for h in search(corpus_index, "停火", limit=None).hits if h.date is None]
    result = searcher("search", "停火", "date:none", "-l", "--index", str(corpus_index_dir))
    assert undated and result == Run(0, "".join(f"{f}\n" for f in undated), "")


def test_limit_zero_means_all(searcher, corpus_index_dir, corpus_index):
    expected = search(corpus_index, "停火", limit=None)
    assert len(expected.hits) > 2
    result = searcher("search", "停火", "-n", "0", "--index", str(corpus_index_dir))
    assert result == Run(0, plain(expected), "")


def test_bare_searcher_prints_the_help_and_exits_0(searcher):
    result = searcher()
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout.startswith("Usage: searcher [OPTIONS] [COMMAND]")


def test_color_always_beats_no_color(searcher, corpus_index_dir, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    result = searcher("search", "停火", "-n", "1", "--color", "always",
                      "--index", str(corpus_index_dir))
    assert result.code == 0 and "\x1b[1;31m" in result.stdout


# A pager that records what it was given: its arguments, LESS, and the text (escapes kept).
RECORDING_PAGER = """#!{python}
import json, os, sys
text = sys.stdin.buffer.read().decode("utf-8")
with open({out!r}, "a", encoding="utf-8") as out:
    out.write(json.dumps({{"argv": sys.argv[1:], "LESS": os.environ.get("LESS"),
                          "text": text}}) + "\\n")
"""


@pytest.fixture
def recording_pager(tmp_path, cli_env):
    """$PAGER set to a program named ``less`` that records each call; returns the calls."""
    out = tmp_path / "pager-calls.jsonl"
    program = tmp_path / "bin" / "less"
    program.parent.mkdir()
    program.write_text(RECORDING_PAGER.format(python=sys.executable, out=str(out)))
    program.chmod(0o755)
    cli_env["PAGER"] = shlex.quote(str(program))  # a command line, as the user's is
    return lambda: [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def test_pager_sets_less_to_show_colour_unless_the_user_set_it(searcher, corpus_index_dir,
                                                               cli_env, recording_pager):
    args = ["search", "停火", "--pager", "--color", "always", "--index", str(corpus_index_dir)]
    cli_env.pop("LESS", None)
    assert searcher(*args).code == 0
    cli_env["LESS"] = "-S"
    assert searcher(*args).code == 0
    calls = recording_pager()
    assert [call["LESS"] for call in calls] == ["FRX", "-S"]
    assert "\x1b[" in calls[0]["text"] and "停火" in calls[0]["text"]


def test_show_pages_from_its_first_match(searcher, corpus_index_dir, corpus_index,
                                         recording_pager):
    hit = search(corpus_index, "紙老虎", limit=1).hits[0]
    assert searcher("show", hit.path, "紙老虎", "--pager", "--color", "always",
                    "--index", str(corpus_index_dir)).code == 0
    call = recording_pager()[0]
    line = int(call["argv"][-1].removeprefix("+").removesuffix("g"))
    lines = call["text"].splitlines()
    assert "紙老虎" not in "".join(lines[:line - 1])  # less opens with that line on top
    assert "紙老虎" in re.sub(r"\x1b\[[0-9;]*m", "", lines[line - 1])
    plain = searcher("show", hit.path, "紙老虎", "--index", str(corpus_index_dir))
    assert plain.code == 0 and "紙老虎" in plain.stdout and not recording_pager()[1:]


def test_the_footer_counts_the_undated_a_date_filter_left_out(searcher, corpus_index_dir,
                                                              corpus_index):
    undated = sum(h.date is None for h in search(corpus_index, "停火", limit=None).hits)
    result = searcher("search", "停火", "--since", "2025", "--color", "always",
                      "--index", str(corpus_index_dir))
    assert undated and result.code == 0
    assert f"since 2025, {undated} undated left out" in result.stdout
    for order in ("newest", "oldest"):  # sorting by date keeps the count
        by_date = searcher("search", "停火", "--since", "2025", "--sort", order, "--color",
                           "always", "--index", str(corpus_index_dir))
        assert f"{undated} undated left out" in by_date.stdout, order


# show


def test_show_takes_the_paths_search_prints(searcher, corpus_index_dir, corpus_index,
                                            monkeypatch):
    index = ["--index", str(corpus_index_dir)]
    hit = search(corpus_index, "普丁", limit=1).hits[0]
    expected = searcher("show", hit.path, *index)
    assert expected.code == 0 and expected.stdout.startswith(f"path: {hit.path}\n")
    assert searcher("show", hit.file, *index) == expected  # absolute
    monkeypatch.chdir(Path(hit.file).parent.parent)
    assert searcher("show", os.path.relpath(hit.file), *index) == expected


def test_show_takes_a_json_lines_file_and_record_or_a_record_id(searcher, feed_index):
    by_path = searcher("show", "feeds/2025.jsonl#a2", *feed_index)
    assert by_path.code == 0 and by_path.stdout.startswith("path: 2025.jsonl#a2\n")
    assert searcher("show", "a2", *feed_index) == by_path


def test_show_with_a_query_that_does_not_match_says_so_and_exits_1(searcher, corpus_index_dir):
    result = searcher("show", "003_fbfd2bed5f7712db.txt", "量子", "--index", str(corpus_index_dir))
    assert result == Run(1, "", "searcher: '量子' does not match 003_fbfd2bed5f7712db.txt\n")


# Passages


def test_snippets_and_context_shape_the_passages_and_json_lists_them(searcher, corpus_index_dir):
    result = searcher("search", "停火", "--json", "--snippets", "2", "--context", "4",
                      "--index", str(corpus_index_dir))
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.code == 0 and records
    for record in records:
        snippets = record["snippets"]
        assert 1 <= len(snippets) <= 2
        assert record["snippet"] == " ".join(s["text"] for s in snippets)
        for snippet in snippets:
            assert snippet["highlights"]
            start, end = snippet["highlights"][0]
            assert snippet["text"][start:end] == "停火"
            assert len(snippet["text"].strip("…")) <= 4 + 2 + 4 + 8  # a match, two contexts
    none = searcher("search", "停火", "--json", "--snippets", "0", "--index", str(corpus_index_dir))
    assert all(json.loads(line)["snippets"] == [] for line in none.stdout.splitlines())


# Cron


def test_searcher_cron_is_quiet_logs_each_run_and_passes_failures_on(corpus_copy, tmp_path,
                                                                     monkeypatch, capsys):
    from searcher.cli import cron

    log = tmp_path / "update.log"
    monkeypatch.setenv("SEARCHER_INDEX", str(tmp_path / "idx"))
    monkeypatch.setenv("SEARCHER_LOG", str(log))
    assert cron.run([str(corpus_copy)]) == 0
    assert capsys.readouterr() == ("", "")
    (corpus_copy / "broken.txt").write_bytes(b"\0\1\2" * 1000)
    assert cron.run([]) == 1  # the rest indexed; the skipped file named
    assert "broken.txt" in capsys.readouterr().err
    # The same file skipped the same way is not news: quiet, and logged.
    assert cron.run([]) == 1
    assert capsys.readouterr() == ("", "")
    # Another one is.
    (corpus_copy / "broken-too.txt").write_bytes(b"\0\1\2" * 1000)
    assert cron.run([]) == 1
    assert "broken-too.txt" in capsys.readouterr().err
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(e["exit"], sorted(e)) for e in entries] == [(0, ["exit", "summary", "time"])] + [
        (1, ["exit", "summary", "time"])] * 3
    assert entries[0]["summary"]["added"] == 5
    assert [e["summary"]["skipped"] for e in entries] == [0, 1, 1, 2]


def test_searcher_cron_help_runs_nothing_and_index_names_where_it_logs(corpus_copy, tmp_path,
                                                                        monkeypatch, capsys):
    from searcher.cli import cron

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SEARCHER_INDEX", raising=False)
    monkeypatch.delenv("SEARCHER_LOG", raising=False)
    assert cron.run(["--help"]) == 0
    assert "searcher-cron [searcher index options" in capsys.readouterr().out
    assert not (tmp_path / "index").exists()  # nothing run, nothing logged
    assert cron.run([str(corpus_copy), "--index", str(tmp_path / "elsewhere")]) == 0
    assert not (tmp_path / "index").exists()
    entry = json.loads((tmp_path / "elsewhere" / "update.log").read_text())
    assert entry["exit"] == 0 and entry["summary"]["added"] == 5


def test_a_full_width_colon_after_an_unknown_name_is_text(searcher, corpus_index_dir):
    """Pasted prose (``Trump：…``) is searched, not refused as an unknown field; a known field
    typed with a full-width colon is still a field, and an ASCII colon stays strict."""
    index = ("--index", str(corpus_index_dir))
    pasted = searcher("search", "Trump：美國總統", "-l", *index)
    assert pasted.code == 0 and pasted.stdout, pasted.stderr
    assert (searcher("search", "title：特朗普", "-l", *index).stdout
            == searcher("search", "title:特朗普", "-l", *index).stdout != "")
    refused = searcher("search", "Trump:美國總統", *index)
    assert refused.code == 2 and "unknown field Trump:" in refused.stderr
