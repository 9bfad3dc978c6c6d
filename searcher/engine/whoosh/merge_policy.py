"""Which segments a commit merges (Whoosh's ``mergetype``)."""

from __future__ import annotations

SMALL_SEGMENT_SHARE = 10  # a segment this many times smaller than the largest is "small"


def merge_small_segments(writer, segments: list) -> list:
    """Whoosh merge policy: merge the small segments incremental runs add (when there are two
    or more), and any segment whose documents are mostly deleted (rewriting only its live
    ones), never the large ones a build writes. Whoosh's default merges segments of similar
    size, which after a two-process build of a large corpus means rewriting all of it, in
    pure Python, on the next run. Returns the segments kept as they are."""
    from whoosh.reading import SegmentReader

    largest = max((s.doc_count_all() for s in segments), default=0)
    small = [s for s in segments if s.doc_count_all() * SMALL_SEGMENT_SHARE < largest]
    merged = [s for s in segments if s.doc_count() * 2 < s.doc_count_all()
              or (s in small and len(small) > 1)]
    for segment in merged:
        writer.add_reader(SegmentReader(writer.storage, writer.schema, segment))
    return [s for s in segments if s not in merged]
