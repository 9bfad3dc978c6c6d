"""What the command takes from where it runs: default paths, the user's configuration
folder, and whether (and how) output is styled — the one place colour is decided.

    >>> console_for("never", io.StringIO()) is None                      # doctest: +SKIP
    True
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO

DEFAULT_INDEX = Path("index")
DEFAULT_CORPUS = Path("corpus")


def config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "searcher"


def user_variants_file() -> Path:
    """The user's own variant table, which every build reads when it exists."""
    return config_dir() / "variants.txt"


def user_files(kind: str, explicit: tuple[Path, ...]) -> tuple[Path, ...]:
    """The user's ``variants``/``userdict`` files: the default location if present, then
    those given on the command line."""
    default = config_dir() / f"{kind}.txt"
    return ((default,) if default.is_file() else ()) + tuple(explicit)


def console_for(color: str, stream: IO[str] | None = None):
    """A rich console for ``stream`` (stdout by default), or None when output is plain (not a
    terminal, and colour not forced). ``auto`` styles only a terminal, and without colours
    (bold only) when NO_COLOR is set."""
    from searcher.cli.printers import make_console

    stream = stream or sys.stdout
    tty = stream.isatty()
    if not (tty or color == "always"):
        return None
    styled = color == "always" or (color == "auto" and tty)
    colored = color == "always" or (styled and "NO_COLOR" not in os.environ)
    return make_console(stream, styled, colored)


def prepare_pager() -> None:
    """Let ``less`` show colour and quit on a short page, as git does: ``LESS=FRX`` unless the
    user set ``LESS`` (rich pages through ``pydoc``, which runs ``less`` with the environment)."""
    os.environ.setdefault("LESS", "FRX")
