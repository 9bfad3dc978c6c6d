"""The variant table: groups of equivalent terms (regional vocabulary, transliterated names).

One group a line, members separated by white space, ``#`` starts a comment; the first member is
the group's display name. Members are folded (width and script) by the caller's ``fold``, so
川普 and 川普 written in either script land in the same group; a line that shares a folded member
with an earlier group extends that group (this is how a user file adds a spelling).

    >>> table = VariantTable.parse("特朗普 川普\\n普京 普丁", fold=str)
    >>> table.canonical("川普")
    '特朗普'
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from pathlib import Path

from searcher.errors import SearcherError


def parse_groups(text: str) -> list[list[str]]:
    """The groups of a table's text, members as written, comments and blank lines dropped."""
    groups = []
    for line in text.splitlines():
        members = line.split("#", 1)[0].split()
        if members:
            groups.append(members)
    return groups


def add_group(path: Path, members: list[str]) -> None:
    """Append one group to a user's table file (created with its folder if need be); a group
    sharing a member with another extends it, as any line does."""
    if len(members) < 2 or any(not m.strip() or "#" in m or m != "".join(m.split())
                               for m in members):
        raise SearcherError("a group needs two or more spellings, each one word without #")
    path.parent.mkdir(parents=True, exist_ok=True)
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    separator = "" if not text or text.endswith("\n") else "\n"
    with open(path, "a", encoding="utf-8") as file:
        file.write(f"{separator}{' '.join(members)}\n")


def _fold_all(members: Iterable[str], fold: Callable[[str], str]) -> dict[str, str]:
    """Each member's fold, from one call over them all, a line each: every search builds its
    index's table, and thousands of separate calls into OpenCC cost 40 ms of a cold start.
    The same as folding each alone: a fold keeps every character's offset, and no script or
    orthography rule spans a line break."""
    members = list(members)
    folded = fold("\n".join(members))
    out, start = {}, 0
    for member in members:
        out[member] = folded[start:start + len(member)]
        start += len(member) + 1
    return out


class VariantTable:
    """Folded member → canonical term (the folded first member of its merged group)."""

    def __init__(self, groups: Iterable[list[str]], fold: Callable[[str], str]) -> None:
        groups = list(groups)
        folds = _fold_all({m for members in groups for m in members}, fold)
        merged: list[list[str]] = []  # spellings as written, merged across lines
        group_of: dict[str, int] = {}  # folded member → index into merged
        for members in groups:
            folded = [folds[m] for m in members]
            targets = sorted({group_of[f] for f in folded if f in group_of})
            if targets:
                index = targets[0]
                for other in targets[1:]:  # a line bridging two groups joins them
                    merged[index].extend(merged[other])
                    merged[other] = []
                    for member, owner in group_of.items():
                        if owner == other:
                            group_of[member] = index
            else:
                index = len(merged)
                merged.append([])
            for member, folded_member in zip(members, folded):
                if member not in merged[index]:
                    merged[index].append(member)
                group_of[folded_member] = index
        self._groups = [g for g in merged if g]
        self._canonical: dict[str, str] = {}
        self._members: dict[str, tuple[str, ...]] = {}
        for spellings in self._groups:
            folded_members = tuple(dict.fromkeys(folds[s] for s in spellings))
            if len(folded_members) < 2:
                continue  # every spelling folds alike: the script folding already covers it
            for member in folded_members:
                self._canonical[member] = folded_members[0]
                self._members[member] = folded_members

    @functools.cached_property
    def longest(self) -> int:
        """The length of the longest member (sub-words longer than it are not looked up)."""
        return max(map(len, self._canonical), default=0)

    @classmethod
    def parse(cls, text: str, fold: Callable[[str], str]) -> "VariantTable":
        return cls(parse_groups(text), fold)

    def canonical(self, folded_term: str) -> str:
        """The term indexed for ``folded_term``: its group's canonical member, else itself."""
        return self._canonical.get(folded_term, folded_term)

    def __contains__(self, folded_term: str) -> bool:
        """Whether the term is a member of a group."""
        return folded_term in self._canonical

    def members(self, folded_term: str) -> tuple[str, ...]:
        """Every folded member of the term's group (just the term when it has none)."""
        return self._members.get(folded_term, (folded_term,))

    def spellings(self, folded_term: str, fold: Callable[[str], str]) -> list[str] | None:
        """The group's members as written in the table, or None when the term has no group."""
        if folded_term not in self._canonical:
            return None
        for spellings in self._groups:
            if any(fold(s) == folded_term for s in spellings):
                return spellings
        return None

    def folded_members(self) -> list[str]:
        """Every folded member of every group, in table order (for the segmenter's dictionary)."""
        return list(self._canonical)

    def __len__(self) -> int:
        return len({c for c in self._canonical.values()})

    def dumps(self) -> str:
        """The merged table in its own file format (what an index stores)."""
        return "".join(" ".join(g) + "\n" for g in self._groups)
