"""What the command takes from where it runs: default paths, the user's configuration
(``searcher.config``), and whether (and how) output is styled — the one place colour is
decided.

    >>> console_for("never", io.StringIO()) is None                      # doctest: +SKIP
    True
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO

from searcher.config import Config, config_dir

DEFAULT_INDEX = Path("index")
DEFAULT_CORPUS = Path("corpus")


def user_variants_file() -> Path:
    """The user's own variant table, which every build reads when it exists."""
    return config_dir() / "variants.txt"


def corpus_roots(config: Config | None) -> list[Path]:
    """What an index with no roots of its own is built from: the configuration's roots, else
    ./corpus."""
    return list(config.roots if config else ()) or [DEFAULT_CORPUS]


def option_defaults(config: Config, commands) -> dict[str, dict[str, object]]:
    """click's ``default_map``: the configuration's values for each command that has the
    option (flags and environment variables still win)."""
    values = config.option_defaults()
    return {command.name: {p.name: values[p.name] for p in command.params if p.name in values}
            for command in commands}


def console_for(color: str, stream: IO[str] | None = None):
    """A rich console for ``stream`` (stdout by default), or None when output is plain (not a
    terminal, and colour not forced). ``auto`` styles only a terminal, and without colours
    (bold only) when NO_COLOR is set."""
    stream = stream or sys.stdout
    tty = stream.isatty()
    if not (tty or color == "always"):
        return None
    from searcher.cli.terminal import make_console

    styled = color == "always" or (color == "auto" and tty)
    return make_console(stream, styled, styled and wants_color(color))


def wants_color(color: str) -> bool:
    """Whether styled output has colours (else bold and reverse only): ``always`` does,
    ``never`` does not, ``auto`` does unless NO_COLOR is set. A full-screen view (``browse``)
    is always styled, so this alone decides its colours."""
    return color == "always" or (color == "auto" and "NO_COLOR" not in os.environ)
