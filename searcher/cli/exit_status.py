"""The command's exit statuses, by name: ripgrep's and grep's conventions."""

import enum


class ExitStatus(enum.IntEnum):
    FOUND = 0  # something matched, or the work is done
    NOT_FOUND = 1  # nothing matched
    ERROR = 2  # a user's mistake or a problem the machine reported: one line on stderr
    INTERRUPTED = 130  # Ctrl-C
