"""Every key of ``searcher browse``, once: the app's bindings, its footer and the help screen
are all made from ``KEYS``, so ``?`` cannot miss a key."""

from __future__ import annotations

from rich.text import Text

# (key, action, what it does, footer label or None)
KEYS = (
    ("question_mark", "help", "this list of keys", "keys"),
    ("slash", "focus_query", "back to the query box (type to search)", "query"),
    ("down", "to_results", "from a box to the results (also Enter, Esc)", None),
    ("n", "next_match", "next match in the article", "next"),
    ("N", "previous_match", "previous match in the article", None),
    ("r", "cycle_sort", "sort: relevance → newest → oldest", "sort"),
    ("d", "dates", "date filter: since / until (Esc hides it)", "dates"),
    ("s", "similar", "articles similar to this one (Esc: back)", "similar"),
    ("t", "timeline", "timeline of the query, as a bar chart", "timeline"),
    ("o", "pager", "read the article in $PAGER", None),
    ("e", "editor", "open its file in $EDITOR", None),
    ("y", "copy_path", "copy its path to the clipboard", None),
    ("escape", "back", "back: query box, results, list of results", "back"),
    ("q", "quit", "quit (Ctrl-C: exit status 130)", "quit"),
)
KEY_NAMES = {"question_mark": "?", "slash": "/", "down": "↓", "escape": "Esc"}
OTHER_KEYS = (("↑ ↓ PgUp PgDn", "move through the results, or scroll the article"),
              ("Tab", "next pane: query, results, article"),
              ("Enter", "from a box to the results"))


def help_text() -> Text:
    """The help screen: every key of ``KEYS`` and the widgets' own."""
    out = Text()
    out.append("searcher browse: keys\n\n", style="bold")
    rows = [(KEY_NAMES.get(key, key), description) for key, _, description, _ in KEYS]
    rows[-1:-1] = list(OTHER_KEYS)
    width = max(len(key) for key, _ in rows)
    for key, description in rows:
        out.append(f"{key:<{width}}  ", style="bold")
        out.append(description + "\n")
    out.append("\nIn a box (query, dates) letters are typed: Esc or ↓ first.", style="dim")
    return out
