"""tantivy (Rust) as a yardstick for ``scripts/bench.py --tantivy``: the same slice indexed with
the same terms, so that searcher's build time can be set beside an engine built for speed.

tantivy is a benchmark aid, not a dependency (``pip install tantivy``); without it the row is
left out with a note. Its input is searcher's own analysis chain's output, the index-time calls
searcher's writers make (``AnalysisChain.word_counts`` and ``unit_terms``: the terms the
writers pool), for each document's title and body:

* ``title``, ``body``: the words (sub-words and variant canons included) each as often as the
  text holds it, joined by spaces, in a field tokenized at white space that keeps each
  document's count of a term and no positions (searcher's words fields);
* ``title_units``, ``body_units``: the units (every character, a Latin or digit run, a run of
  white space as ``SPACE_TOKEN``) in order, joined by spaces, in a field with positions (a
  unit's fold on its own, which searcher keeps at the same position where it differs, is left
  out: a few in a thousand);
* ``path`` (a single term) and the text as stored bytes (searcher stores it too).

Its build time is (a) the chain's time (what searcher's writers spend analysing) plus (b)
tantivy's: every document added, committed, its merges waited for. Turning the chain's output
into tantivy's input (joining the terms) is timed apart and counted in neither.
"""

from __future__ import annotations

import time
from pathlib import Path

from bench_corpus import bench_documents, scaled

from searcher.analysis.positions import TextTerms

SPACE_TOKEN = "\u2420"  # a run of white space, as a unit (searcher's SPACE_UNIT is a space)
WRITER_HEAP = 512 << 20  # tantivy's indexing memory, split among its threads


def _words_text(words: TextTerms) -> str:
    """A words field's terms, each as often as it occurs, joined by spaces."""
    return " ".join(term for term, count in zip(words.terms, words.counts.tolist())
                    for _ in range(count))


def _units_text(units: TextTerms) -> str:
    """A units field's terms in position order (one a position), joined by spaces."""
    by_term = units.positions_by_term()
    slots = [""] * (1 + max((found[-1] for found in by_term.values()), default=-1))
    for term, found in by_term.items():
        token = SPACE_TOKEN if term.isspace() else term
        for position in found:
            if not slots[position]:
                slots[position] = token
    return " ".join(slots)


def build_tantivy(bench_dir: str, mb: float, index_dir: str, threads: int,
                  copies: int = 1) -> dict:
    """Index the slice in tantivy (in ``index_dir``) with ``threads`` indexing threads;
    its time split as the module says, and its size. Runs in a fresh process (bench.py's
    ``in_fresh_process``); ``{"missing": why}`` when tantivy is not installed."""
    try:
        import tantivy
    except ImportError as error:
        return {"missing": f"tantivy is not installed ({error}): pip install tantivy"}
    from searcher.analysis.chain import AnalysisChain
    from searcher.analysis.settings import AnalysisSettings

    docs = list(scaled(bench_documents(Path(bench_dir), mb), copies))
    chain = AnalysisChain(AnalysisSettings.default())
    chain.word_counts("载入")  # the segmenter's dictionary loads before the clock starts
    started = time.perf_counter()
    analysed = [[(chain.word_counts(text), chain.unit_terms(text))
                 for text in (doc.title, doc.body)] for doc in docs]
    analysis_s = time.perf_counter() - started

    started = time.perf_counter()
    inputs = [{field: value for (words, units), name in zip(fields, ("title", "body"))
               for field, value in ((name, _words_text(words)),
                                    (f"{name}_units", _units_text(units)))}
              for fields in analysed]
    convert_s = time.perf_counter() - started
    del analysed

    builder = tantivy.SchemaBuilder()
    for name in ("title", "body"):
        builder.add_text_field(name, tokenizer_name="whitespace", index_option="freq")
        builder.add_text_field(f"{name}_units", tokenizer_name="whitespace",
                               index_option="position")
    builder.add_text_field("path", stored=True, tokenizer_name="raw", index_option="basic")
    builder.add_bytes_field("text", stored=True, indexed=False)
    Path(index_dir).mkdir(parents=True)
    index = tantivy.Index(builder.build(), path=index_dir)
    started = time.perf_counter()
    writer = index.writer(heap_size=WRITER_HEAP, num_threads=threads)
    for doc, fields in zip(docs, inputs):
        document = tantivy.Document(path=doc.path, **fields)
        document.add_bytes("text", (doc.title + "\n" + doc.body).encode("utf-8", "replace"))
        writer.add_document(document)
    writer.commit()
    writer.wait_merging_threads()
    index_s = time.perf_counter() - started
    size = sum(f.stat().st_size for f in Path(index_dir).rglob("*") if f.is_file())
    return {"threads": threads, "docs": len(docs), "analysis_s": analysis_s,
            "index_s": index_s, "seconds": analysis_s + index_s, "convert_s": convert_s,
            "index_mib": size / 2**20, "version": getattr(tantivy, "__version__", None)}
