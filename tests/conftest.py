"""Shared fixtures: the bundled corpus, an index built from it, and the real CLI."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import shutil
import struct
import subprocess
import sys
import termios
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import hypothesis
import pytest

from searcher.analysis.settings import AnalysisSettings
from searcher.indexing.update import update_index
from searcher.engine.store import open_index

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"

# Every command the suite runs answers in its own process, and none starts a search server in
# the user's runtime folder; tests/test_server.py turns the server on, in folders of its own.
os.environ["SEARCHER_NO_SERVER"] = "1"

# Property tests try the same examples on every run (drawn from a seed each test's name
# gives), so a run fails only where every run fails; and no health check times how long the
# examples take to make, which a busy machine would fail. The soak (scripts/soak.py, which
# sets SEARCHER_HYPOTHESIS_EXAMPLES) draws new ones each time.
hypothesis.settings.register_profile(
    "searcher", derandomize="SEARCHER_HYPOTHESIS_EXAMPLES" not in os.environ, database=None,
    suppress_health_check=[hypothesis.HealthCheck.too_slow])
hypothesis.settings.load_profile("searcher")


def corpus_texts() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))}


def grouped(tokens) -> dict[str, list[int]]:
    """The chain's tokens ``(term, position, start, end)`` as each term's positions, in order:
    what its index-time path (``unit_positions``, ``word_positions``) must give."""
    positions: dict[str, list[int]] = {}
    for term, position, _, _ in tokens:
        positions.setdefault(term, []).append(position)
    return {term: sorted(found) for term, found in positions.items()}


@pytest.fixture(scope="session", autouse=True)
def user_cache(tmp_path_factory) -> Iterator[Path]:
    """A cache folder of the suite's own (``$XDG_CACHE_HOME``: the sorted query dictionary,
    OCR's text), for this process and the commands it runs."""
    folder = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(folder))
        yield folder


@pytest.fixture(scope="session")
def settings() -> AnalysisSettings:
    return AnalysisSettings.default()


@pytest.fixture(scope="session")
def corpus_index_dir(tmp_path_factory, settings) -> Path:
    index_dir = tmp_path_factory.mktemp("corpus-index") / "index"
    update_index(index_dir, [CORPUS], settings)
    return index_dir


@pytest.fixture(scope="session")
def corpus_index(corpus_index_dir):
    return open_index(corpus_index_dir)


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    def json_lines(self) -> list[dict]:
        return [json.loads(line) for line in self.stdout.splitlines()]


@pytest.fixture
def cli_env(tmp_path) -> dict[str, str]:
    """The environment of a cron job: no terminal (nor its size), C locale, a config dir of
    its own."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("NO_COLOR", "SEARCHER_INDEX", "COLUMNS", "LINES")}
    env.update(LANG="C", LC_ALL="C", XDG_CONFIG_HOME=str(tmp_path / "config"))
    return env


@pytest.fixture
def searcher(cli_env, tmp_path, monkeypatch):
    """Run ``searcher ARGS`` in this process (click's test runner), from ``tmp_path``: exact
    stdout, stderr and exit status, fast enough to repeat. Our own bugs keep their traceback."""
    from click.testing import CliRunner

    from searcher.cli.main import cli
    from tests.conftest import Run  # the test modules' class: pytest loads this file twice

    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Run:
        # cli_env whole: what it leaves out (COLUMNS, NO_COLOR, ...) is unset for the run
        env = {**{name: None for name in os.environ if name not in cli_env}, **cli_env}
        result = runner.invoke(cli, list(args), prog_name="searcher", env=env, input=input)
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Run(result.exit_code, result.stdout, result.stderr)

    return run


@pytest.fixture
def run_cli(cli_env):
    """Run ``python -m searcher ARGS`` as a real subprocess."""

    def run(*args: str, cwd: Path | None = None, env: dict | None = None,
            input: str | None = None) -> Run:
        process = subprocess.run(
            [sys.executable, "-m", "searcher", *args], cwd=cwd or ROOT,
            env={**cli_env, **(env or {})}, input=input, capture_output=True,
            text=True, encoding="utf-8", timeout=300)
        return Run(process.returncode, process.stdout, process.stderr)

    return run


def run_in_pty(args: list[str], env: dict, columns: int = 100,
               size_variables: bool = False) -> str:
    """Run the CLI with stdout on a terminal ``columns`` wide; return what the terminal got.
    COLUMNS and LINES are dropped from ``env`` unless ``size_variables``."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    if not size_variables:
        env = {k: v for k, v in env.items() if k not in ("COLUMNS", "LINES")}
    process = subprocess.Popen([sys.executable, "-m", "searcher", *args], cwd=ROOT, env=env,
                               stdout=follower, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    os.close(follower)
    output = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 120)
        if not ready:
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    process.wait(timeout=120)
    os.close(leader)
    return output.decode("utf-8", "replace")


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    """A writable copy of the sample corpus in a folder of its own."""
    target = tmp_path / "work" / "corpus"
    shutil.copytree(CORPUS, target)
    return target
