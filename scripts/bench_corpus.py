"""Read a slice of the benchmark corpus (``../shared/bench/*.jsonl``) as ``Document``s.

Shared by the benchmark and evaluation scripts. Files are interleaved line by line so a slice
mixes sources and scripts; it stops once ``mb`` megabytes of text have been read.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from pathlib import Path

from searcher.ingest.jsonl import parse_jsonl_line
from searcher.models import Document

DEFAULT_BENCH = Path(__file__).resolve().parent.parent.parent / "shared" / "bench"


def bench_documents(bench_dir: Path = DEFAULT_BENCH, mb: float | None = None,
                    files: list[str] | None = None) -> Iterator[Document]:
    """Documents from the benchmark JSON Lines files, interleaved, up to ``mb`` MB of text."""
    paths = sorted(bench_dir.glob("*.jsonl"))
    if files:
        paths = [p for p in paths if p.name in files]
    if not paths:
        raise SystemExit(f"no benchmark files in {bench_dir}")
    handles = [open(p, encoding="utf-8") for p in paths]
    budget = mb * 1_000_000 if mb else float("inf")
    used = 0
    line_numbers = [0] * len(handles)
    warnings: list[str] = []
    try:
        while any(not h.closed for h in handles) and used < budget:
            for i, handle in enumerate(handles):
                if handle.closed:
                    continue
                line = handle.readline()
                if not line:
                    handle.close()
                    continue
                line_numbers[i] += 1
                doc = parse_jsonl_line(line, line_numbers[i], Path(handle.name).name, warnings)
                if doc is not None:
                    used += len(doc.body.encode("utf-8"))
                    yield doc
                if used >= budget:
                    break
    finally:
        for handle in handles:
            handle.close()


# What each further copy of a scale run changes: a common character written another way (a
# word of another region), and digits in full width for every other copy.
_COPY_CHANGES = ({"的": "之"}, {"了": "咗"}, {"是": "係"}, {"在": "喺"}, {"和": "與"})
_WIDE_DIGITS = {ord(d): chr(ord(d) + 0xFEE0) for d in "0123456789"}


def scaled(documents: Iterable[Document], copies: int) -> Iterator[Document]:
    """The documents, then ``copies - 1`` further copies for a scale run, each copy's text
    perturbed so that no two copies index alike: its paragraphs rotated by the copy's number,
    one common character replaced, digits in full width in every other copy, its path marked
    ``~N``."""
    documents = list(documents)
    yield from documents
    for copy in range(1, copies):
        table = str.maketrans(_COPY_CHANGES[(copy - 1) % len(_COPY_CHANGES)])
        if copy % 2:
            table.update(_WIDE_DIGITS)
        for doc in documents:
            paragraphs = doc.body.split("\n")
            turn = copy % len(paragraphs)
            body = "\n".join(paragraphs[turn:] + paragraphs[:turn]).translate(table)
            yield dataclasses.replace(doc, path=f"{doc.path}~{copy}", body=body,
                                      title=doc.title.translate(table))
