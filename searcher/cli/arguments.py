"""Query words are never options: a command whose arguments are query text reads a leading
``-`` as an excluded word unless the argument is plainly one of its own options.

The rule, applied to each argument before click parses them:

* ``--`` ends the options: everything after it is query text;
* ``--name`` or ``--name=value`` is an option (an unknown one stays an error: a mistyped
  long option is likelier than a search for ``--…``, which ``--`` allows);
* ``-abc`` is an option cluster only when every letter is a short option of the command and
  only its last letter takes a value, followed by one (``-l0``, ``-ln 5``); anything else
  (``-nato``, ``-hk``, ``-2025``, ``-伊朗``, ``-date:2025``) is query text, an excluded word.

    >>> split_query_args(["特朗普", "-nato", "-l0"], {"l": False, "0": False, "n": True}, {})
    (['-l0'], ['特朗普', '-nato'])
"""

from __future__ import annotations

import click


def split_query_args(args: list[str], short: dict[str, bool], long: dict[str, bool]
                     ) -> tuple[list[str], list[str]]:
    """``args`` as ``(options, words)``; ``short``/``long`` map each option name (without its
    dashes) to whether it takes a value."""
    options: list[str] = []
    words: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--":
            words.extend(args[i:])
            break
        if arg.startswith("--"):
            name, equals, _ = arg[2:].partition("=")
            options.append(arg)
            if long.get(name) and not equals and i < len(args):
                options.append(args[i])
                i += 1
        elif _is_cluster(arg, short, has_next=i < len(args)):
            options.append(arg)
            if short[arg[-1]]:
                options.append(args[i])
                i += 1
        else:
            words.append(arg)
    return options, words


def _is_cluster(arg: str, short: dict[str, bool], has_next: bool) -> bool:
    letters = arg[1:]
    if not arg.startswith("-") or not letters or any(c not in short for c in letters):
        return False
    return not any(short[c] for c in letters[:-1]) and (has_next or not short[letters[-1]])


class QueryCommand(click.Command):
    """A command whose variadic argument is query text (see the module's rule)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        short: dict[str, bool] = {}
        long: dict[str, bool] = {}
        params = [*self.get_params(ctx)]
        for param in params:
            if not isinstance(param, click.Option):
                continue
            takes_value = not param.is_flag and not param.count
            for name in param.opts + param.secondary_opts:
                if name.startswith("--"):
                    long[name[2:]] = takes_value
                elif len(name) == 2:
                    short[name[1]] = takes_value
        options, words = split_query_args(args, short, long)
        return super().parse_args(ctx, options + ["--"] + words)
