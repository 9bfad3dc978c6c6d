"""The command's exit statuses, by name: ripgrep's and grep's conventions."""

import enum


class ExitStatus(enum.IntEnum):
    FOUND = 0  # something matched, or the work is done
    NOT_FOUND = 1  # nothing matched
    INCOMPLETE = 1  # an index run that read everything else but skipped a file (named)
    ERROR = 2  # a user's mistake or a problem the machine reported: one line on stderr
    INTERRUPTED = 130  # Ctrl-C
