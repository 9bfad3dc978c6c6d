"""Paging the terminal view, as git does: through ``$PAGER`` (``less`` when unset) with
``LESS=FRX`` unless the user set ``LESS`` (colours shown, a short text printed as is, the
screen not cleared), opened at a given line (``show`` opens at its first match).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys

from rich.pager import Pager


class LinePager(Pager):
    """rich's pager hook: whatever the console printed inside ``console.pager(pager=…)``,
    shown from line ``first_line`` (0-based; set it before the block ends)."""

    def __init__(self) -> None:
        self.first_line = 0

    def show(self, content: str) -> None:
        run_pager(content, self.first_line)


def run_pager(text: str, first_line: int = 0) -> None:
    command = shlex.split(os.environ.get("PAGER") or "less") or ["less"]
    if first_line and os.path.basename(command[0]) == "less":
        command.append(f"+{first_line + 1}g")  # less: go to that line, shown at the top
    env = {**os.environ, "LESS": os.environ.get("LESS", "FRX")}
    try:
        pager = subprocess.Popen(command, stdin=subprocess.PIPE, env=env)
    except OSError:  # no such pager: print, as git does
        sys.stdout.write(text)
        return
    try:
        pager.communicate(text.encode(sys.stdout.encoding or "utf-8", "replace"))
    except BrokenPipeError:  # the user quit before reading it all
        pass
    pager.wait()
