"""The members of a container file (an archive, a mailbox, a message with attachments): how
their documents are named, and what all the members of one corpus file may cost.

A document's path is its file's, relative to the corpus root, with ``%`` and ``#`` escaped as
``%25`` and ``%23`` (``document_path``); a member's adds ``#`` and its own name, escaped the
same way (``member_path``). So the first ``#`` of a path ends its file, and each later one a
member: ``pages.zip#2024/a.html``, ``export.tar.gz#feed.jsonl#7`` (a JSON Lines record in a
member: a record's id is the last part, and is not escaped), ``news.mbox#3`` (a mailbox's third
message), ``news.mbox#3#report.pdf`` (that message's attachment). No file's or member's own
name can make one path look like another's.

One corpus file's members are held together to ``MAX_MEMBERS`` members and ``MAX_BYTES``
bytes (inflated, decoded), however deeply they nest; past either the rest are not read, with
one warning. A member holding more than ``MAX_MEMBER_BYTES``, or inflating past ``MAX_RATIO``
times its compressed size (and ``RATIO_FLOOR``), is left out with a warning: a zip bomb costs
only itself. A container inside a container is read (a zip of e-mails, an e-mail's attached
zip) but no deeper (``MAX_NESTING``).

    >>> member_path(document_path("a#1.zip"), "b#2.html")
    'a%231.zip#b%232.html'
"""

from __future__ import annotations

from dataclasses import dataclass

from searcher.ingest.zip_parts import MAX_ARCHIVE_BYTES, MAX_PART_BYTES, MAX_PARTS

MAX_MEMBERS = MAX_PARTS  # members read of one corpus file, at every level
MAX_BYTES = MAX_ARCHIVE_BYTES  # what they hold together, inflated
MAX_MEMBER_BYTES = MAX_PART_BYTES  # what one holds
MAX_RATIO = 100  # a member inflating more than this many times its stored size is a bomb…
RATIO_FLOOR = 1_000_000  # …once it holds more than this (a short page of spaces is not)
MAX_NESTING = 1  # containers inside the corpus file's own that are opened


def document_path(relative: str) -> str:
    """The document path of a file at ``relative`` (a POSIX path under the corpus root): the
    path itself, with ``%`` and ``#`` escaped as ``%25`` and ``%23``, so that no file's path
    can equal a JSON Lines record's ``FILE#ID`` (``feed.jsonl#y.txt`` beside ``feed.jsonl``)
    or a member's."""
    return relative.replace("%", "%25").replace("#", "%23")


def member_path(container: str, name: str) -> str:
    """The document path of the member ``name`` of the container whose path is ``container``."""
    return f"{container}#{document_path(name)}"


@dataclass(frozen=True)
class Member:
    """A member of a container, to be read by the format its ``name``'s suffix names."""

    name: str
    data: bytes
    path: str  # its document's path


class Budget:
    """What the members of the corpus file ``path`` have cost so far."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.members = 0
        self.bytes = 0
        self.spent = False  # a bound was reached: nothing more is read

    def admit(self, size: int, warnings: list[str]) -> bool:
        """Whether one more member of ``size`` bytes may be read (it is then counted); the
        first refusal is a warning, and every later one is silent."""
        if self.spent:
            return False
        if self.members >= MAX_MEMBERS:
            self._spend(f"more than {MAX_MEMBERS:,} members; only the first {MAX_MEMBERS:,} "
                        f"are read", warnings)
        elif self.bytes + size > MAX_BYTES:
            self._spend(f"its members hold more than {MAX_BYTES:,} bytes; only those within "
                        f"them are read", warnings)
        else:
            self.members += 1
            self.bytes += size
        return not self.spent

    def _spend(self, why: str, warnings: list[str]) -> None:
        self.spent = True
        warnings.append(f"{self.path}: {why}")


def too_large(path: str, size: int, stored: int, warnings: list[str]) -> bool:
    """Whether a member of ``size`` bytes, stored in ``stored``, is past a member's bounds
    (with a warning naming it)."""
    if size > MAX_MEMBER_BYTES:
        warnings.append(f"{path}: inflates to more than {MAX_MEMBER_BYTES:,} bytes; not read")
    elif size > RATIO_FLOOR and size > MAX_RATIO * max(stored, 1):
        warnings.append(f"{path}: inflates {size // max(stored, 1):,} times its size (a zip "
                        f"bomb?); not read")
    else:
        return False
    return True
