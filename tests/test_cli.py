"""The command line: exit codes, pipes, JSON Lines, colour, errors. In-process (the ``searcher``
fixture), but where a real process is what is tested: a terminal, a pipe closed early, a pipe
to another program."""

from __future__ import annotations

import gc
import json
import os
import re
import shlex
import subprocess
import sys

import pytest

from searcher.analysis.fold import fold
from tests.conftest import ROOT, corpus_texts, run_in_pty

ESCAPE = "\x1b"
COLOUR_SGR = re.compile(r"\x1b\[[0-9;]*(?:3[0-9]|9[0-7])[;m]")


def one_clear_line(stderr: str) -> bool:
    return len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr


def test_first_use_builds_the_default_index_then_searches(searcher, corpus_copy, monkeypatch):
    work = corpus_copy.parent
    monkeypatch.chdir(work)
    first = searcher("search", "停火")
    assert first.code == 0, first.stderr
    assert "building" in first.stderr and (work / "index" / "CURRENT").is_file()
    lines = first.stdout.splitlines()
    assert len(lines) == 5 and all(len(line.split("\t")) == 4 for line in lines)
    assert ESCAPE not in first.stdout
    again = searcher("search", "俄罗斯", "停火")
    assert again.code == 0 and "building" not in again.stderr


@pytest.mark.parametrize("how", ["option", "env"])
def test_named_index_that_does_not_exist_is_an_error(searcher, cli_env, tmp_path, how):
    missing = tmp_path / "nowhere"
    args = ["--index", str(missing)] if how == "option" else []
    if how == "env":
        cli_env["SEARCHER_INDEX"] = str(missing)
    result = searcher("search", "停火", *args)
    assert result.code == 2 and one_clear_line(result.stderr)
    assert "searcher index" in result.stderr and not missing.exists()


def test_json_lines_contract(searcher, corpus_index_dir):
    result = searcher("search", "普丁", "停火", "--json", "--index", str(corpus_index_dir))
    assert result.code == 0, result.stderr
    records = result.json_lines()
    assert len(records) == 4
    needles = {fold(n) for n in ("普京", "普丁", "停火")}
    for record in records:
        assert list(record) == ["rank", "path", "title", "date", "score", "snippet",
                                "highlights", "matches", "author", "file", "record", "url",
                                "source", "tags", "snippets", "page", "copies"]
        assert record["copies"] == []  # the samples are five different articles
        assert record["date"] is None or re.fullmatch(r"\d{4}-\d{2}-\d{2}", record["date"])
        assert record["highlights"]
        for start, end in record["highlights"]:
            assert fold(record["snippet"][start:end]) in needles
        assert set(record["matches"]) <= {"普京", "普丁", "停火"}
    assert any("普京" in r["matches"] for r in records)
    assert [r["score"] for r in records] == sorted((r["score"] for r in records), reverse=True)


def test_no_hits_exits_1(searcher, corpus_index_dir):
    result = searcher("search", "量子計算機", "--index", str(corpus_index_dir))
    assert result.code == 1 and result.stdout == ""


@pytest.mark.parametrize("args", [["停火", "--since", "2025-13"], ["停火", "--until", "yesterday"],
                                  ['"俄烏停火'], ["(停火"], ["停火", "date:2025-02-30"],
                                  ["停火", "--limt", "3"]])
def test_user_mistakes_exit_2_with_one_line(searcher, corpus_index_dir, args):
    result = searcher("search", *args, "--index", str(corpus_index_dir))
    assert result.code == 2
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_bad_date_message_points_at_the_problem(searcher, corpus_index_dir):
    result = searcher("search", "停火", "--since", "2025-13", "--index", str(corpus_index_dir))
    assert one_clear_line(result.stderr) and "2025-13" in result.stderr


def test_operators_through_the_cli(searcher, corpus_index_dir):
    def found(*query):
        result = searcher("search", *query, "--index", str(corpus_index_dir), "-n", "50")
        return {line.split("\t")[0] for line in result.stdout.splitlines()}

    everything = found("停火")
    with_iran = found("停火", "伊朗")
    assert found("停火", "-伊朗") == found("停火 NOT 伊朗") == everything - with_iran
    assert found("塔爾圖斯 OR 紙老虎") == found("塔爾圖斯") | found("紙老虎")
    assert found("date:2026-01", "俄羅斯") <= found("俄羅斯")
    assert found("--since", "2026-01", "--until", "2026-01", "俄羅斯") == found("date:2026-01", "俄羅斯")


def test_limit_and_sort(searcher, corpus_index_dir):
    result = searcher("search", "停火", "-n", "2", "--sort", "newest", "--json", "--index",
                      str(corpus_index_dir))
    dates = [r["date"] for r in result.json_lines()]
    expected = sorted((re.match(r"\s*date (\S+)", t).group(1) for t in corpus_texts().values()
                       if "停火" in t and re.match(r"\s*date ", t)), reverse=True)[:2]
    assert dates == expected


def test_colour_on_a_terminal_and_never_with_no_color(cli_env, corpus_index_dir):
    args = ["search", "停火", "--index", str(corpus_index_dir), "-n", "2"]
    coloured = run_in_pty(args, cli_env)
    assert COLOUR_SGR.search(coloured) and "undated" in coloured or "20" in coloured
    plain = run_in_pty(args, {**cli_env, "NO_COLOR": "1"})
    assert "停火" in plain and not COLOUR_SGR.search(plain)
    never = run_in_pty(args + ["--color", "never"], cli_env)
    assert "停火" in never and ESCAPE not in never


def test_piped_output_has_no_escape_codes_unless_forced(searcher, corpus_index_dir):
    piped = searcher("search", "停火", "--index", str(corpus_index_dir))
    assert piped.code == 0 and ESCAPE not in piped.stdout
    forced = searcher("search", "停火", "--color", "always", "--index", str(corpus_index_dir))
    assert COLOUR_SGR.search(forced.stdout)


def test_broken_pipe_exits_quietly(cli_env, corpus_index_dir):
    process = subprocess.Popen(
        [sys.executable, "-m", "searcher", "search", "停火", "--json", "--index",
         str(corpus_index_dir)],
        cwd=ROOT, env=cli_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # the reader is gone before the first line is written
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == 0 and stderr == ""


def test_broken_pipe_leaves_no_descriptor_behind(cli_env, corpus_index_dir, monkeypatch):
    """The server's spare worker runs command after command in one process: a reader that went
    away must not cost it a descriptor each time."""
    from searcher.cli.main import cli

    for name in ("NO_COLOR", "SEARCHER_INDEX", "COLUMNS", "LINES"):
        monkeypatch.delenv(name, raising=False)
    for name, value in cli_env.items():
        monkeypatch.setenv(name, value)

    def search_into_a_closed_pipe() -> int:
        read_end, write_end = os.pipe()
        os.close(read_end)
        with open(write_end, "w", encoding="utf-8") as stdout, monkeypatch.context() as patch:
            patch.setattr(sys, "stdout", stdout)
            with pytest.raises(SystemExit) as done:
                cli.main(["search", "停火", "--json", "--index", str(corpus_index_dir)],
                         prog_name="searcher")
        return done.value.code

    def open_descriptors() -> int:
        gc.collect()  # a search's index files close with the objects that hold them
        return len(os.listdir("/proc/self/fd"))

    assert search_into_a_closed_pipe() == 0  # the index opened, the caches filled
    before = open_descriptors()
    assert search_into_a_closed_pipe() == 0
    assert open_descriptors() == before


def test_index_command_json_summary_and_incremental_counts(searcher, corpus_copy, tmp_path,
                                                           monkeypatch):
    index = str(tmp_path / "idx")
    first = searcher("index", str(corpus_copy), "--index", index, "--json")
    assert first.code == 0, first.stderr
    summary = json.loads(first.stdout)
    assert summary["added"] == 5 and summary["removed"] == 0 and "seconds" in summary
    (corpus_copy / "005_new.txt").write_text(" date 2026-02-01 新的停火評論。", encoding="utf-8")
    (corpus_copy / "000_24b6ebb8716294de.txt").unlink()
    second = json.loads(searcher("index", "--index", index, "--json").stdout)
    assert (second["added"], second["removed"], second["unchanged"]) == (1, 1, 4)
    monkeypatch.chdir(ROOT)  # outside the corpus: its files are named by their whole path
    found = searcher("search", '"新的停火"', "--index", index)
    assert found.stdout.startswith(f"{corpus_copy / '005_new.txt'}\t2026-02-01\t")


def test_variants_command(searcher, corpus_index_dir):
    group = searcher("variants", "川普", "--index", str(corpus_index_dir))
    assert group.code == 0 and "特朗普" in group.stdout.split()
    none = searcher("variants", "停火", "--index", str(corpus_index_dir))
    assert none.code == 1 and "no variants" in none.stdout


def test_variant_table_change_is_reported(searcher, corpus_copy, cli_env, tmp_path):
    config = tmp_path / "config" / "searcher"
    config.mkdir(parents=True)
    (config / "variants.txt").write_text("塔爾圖斯 塔土斯\n", encoding="utf-8")
    index = str(tmp_path / "idx")
    assert searcher("index", str(corpus_copy), "--index", index).code == 0
    before = searcher("search", "塔土斯", "--index", index)
    assert before.code == 0 and "warning" not in before.stderr
    (config / "variants.txt").write_text("塔爾圖斯 塔土斯 塔斯\n", encoding="utf-8")
    after = searcher("search", "塔土斯", "--index", index)
    assert after.code == 0 and "variant table changed" in after.stderr


def test_index_from_an_incompatible_version_is_refused(searcher, corpus_copy, tmp_path):
    index = tmp_path / "idx"
    assert searcher("index", str(corpus_copy), "--index", str(index)).code == 0
    generation = index / (index / "CURRENT").read_text().strip()
    meta = json.loads((generation / "searcher.json").read_text())
    meta["schema_version"] = 0
    (generation / "searcher.json").write_text(json.dumps(meta))
    result = searcher("search", "停火", "--index", str(index))
    assert result.code == 2 and one_clear_line(result.stderr)
    assert "--rebuild" in result.stderr
    assert searcher("index", "--rebuild", "--index", str(index)).code == 0
    assert searcher("search", "停火", "--index", str(index)).code == 0


def test_bad_variant_file_and_usage_errors_are_one_line(searcher, corpus_copy, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes("塔爾圖斯 塔土斯\n".encode("big5"))
    result = searcher("index", str(corpus_copy), "--index", str(tmp_path / "i"), "--variants",
                     str(bad))
    assert result.code == 2 and one_clear_line(result.stderr) and "UTF-8" in result.stderr
    usage = searcher("search", "停火", "--json", "-c", "--index", str(tmp_path / "i"))
    assert usage.code == 2 and one_clear_line(usage.stderr)
    missing = searcher("index", str(tmp_path / "nowhere"), "--index", str(tmp_path / "j"))
    assert missing.code == 2 and one_clear_line(missing.stderr)
    assert not (tmp_path / "j").exists()


def test_files_nul_separated_open_from_another_directory_through_xargs(cli_env, corpus_index_dir,
                                                                      tmp_path):
    script = (f"{shlex.quote(sys.executable)} -m searcher search 普丁 -l0 --index "
              f"{shlex.quote(str(corpus_index_dir))} | xargs -0 ls --")
    result = subprocess.run(["sh", "-c", script], cwd=tmp_path, env=cli_env,
                            capture_output=True, text=True, timeout=300)
    listed = result.stdout.splitlines()
    assert (result.returncode, result.stderr) == (0, "")
    assert len(listed) == 4 and all(os.path.isabs(path) for path in listed)
