"""A least-recently-used map bounded by what its values cost (bytes, characters), not by
their number: what searches keep between them (``engine.cache``, ``search.snippets``) varies
from a few bytes to megabytes a value.

    >>> kept = BoundedCache(most=10)
    >>> kept.keep("a", "xxxxxx", 6); kept.keep("b", "yyyyy", 5)  # over 10: "a" goes
    >>> kept.get("a"), kept.get("b")
    (None, 'yyyyy')
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable


class BoundedCache:
    """Values costing ``size`` each, up to ``most`` in all, the least recently used dropped
    first; a value costing more than ``most`` alone is not kept. Safe to share between
    threads."""

    def __init__(self, most: int) -> None:
        self.most = most
        self.size = 0
        self._kept: OrderedDict[Hashable, tuple[object, int]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._kept)

    def get(self, key: Hashable):
        """The value kept for ``key`` (now the most recently used), or None."""
        with self._lock:
            found = self._kept.get(key)
            if found is None:
                return None
            self._kept.move_to_end(key)
            return found[0]

    def keep(self, key: Hashable, value: object, size: int) -> None:
        """Keep ``value`` for ``key`` (in place of what was kept; now the most recent) at
        ``size``: the least recently used dropped while over the budget; a value costing
        more than the budget alone is not kept (nor what was kept for ``key``)."""
        with self._lock:
            found = self._kept.pop(key, None)
            if found is not None:
                self.size -= found[1]
            if size > self.most:
                return
            self._kept[key] = value, size
            self.size += size
            self._drop_over_budget()

    def room(self) -> int:
        """How much more may be kept before anything is dropped."""
        return self.most - self.size

    def _drop_over_budget(self) -> None:
        while self.size > self.most:
            _, (_, dropped) = self._kept.popitem(last=False)
            self.size -= dropped
