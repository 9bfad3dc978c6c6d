"""Cross-region recall of the folding and the variant table, measured on mainland news and
OpenCC's own conversions of it.

    python3 scripts/eval_variants.py                 # 2 MB of news-xwlb.jsonl
    python3 scripts/eval_variants.py --mb 4 --show 20

Takes mainland stories (``../shared/bench/news-xwlb.jsonl``, Simplified, read in place) and
makes two copies of each with OpenCC: ``s2twp`` (Taiwan spelling and vocabulary) and ``s2hkp``
(``s2hk``, Hong Kong spelling, plus HKPhrases, Hong Kong vocabulary). The three copies are
indexed together with the library (``index_documents``, into a temporary folder). Then, for
every pair from OpenCC's dictionaries that the conversion really produced (the mainland form
in a story, the regional form in its copy):

* phrase pairs (TWPhrases, HKPhrases: 出租车 → 計程車) and character variants (TWVariants,
  HKVariants, their phrase tables: 叙 → 敍, 着 → 著 in 意味著) count as found when searching
  each form, unquoted, finds every copy of every story the pair occurs in, both ways; a
  phrase pair occurs in a story where its mainland form is one of the story's words (or
  sub-words), since OpenCC also converts across word boundaries (世界面临 → 世介面臨); pairs
  with a documented false friend (``searcher/data/false_friends.txt``) are counted apart;
* precision cost: for 50 random members of the variant table that occur in the mainland
  copies, the mainland documents its search finds that do not contain the word itself (so
  were brought by its group's other members), and how many of those come from merged groups.

Prints the figures and the pairs that failed (``--show``).
"""

from __future__ import annotations

import argparse
import collections
import random
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import opencc

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_corpus import DEFAULT_BENCH, bench_documents  # noqa: E402
from build_variant_table import (DEFAULT_FALSE_FRIENDS, OPENCC_SHARE, find_dictionaries,  # noqa: E402
                                 read_dictionaries, read_false_friends)

from searcher.analysis.fold import fold  # noqa: E402
from searcher.analysis.settings import AnalysisSettings  # noqa: E402
from searcher.engine.store import open_index, reading  # noqa: E402
from searcher.indexing.update import index_documents  # noqa: E402
from searcher.search.evaluation import evaluate  # noqa: E402
from searcher.search.request import SearchRequest  # noqa: E402

REGIONS = {"tw": "s2twp", "hk": "s2hkp"}
# (kind, region, OpenCC dictionary: standard Traditional key → regional values)
PAIR_SOURCES = [
    ("phrase", "tw", "TWPhrases"), ("phrase", "hk", "HKPhrases"),
    ("character", "tw", "TWVariants"), ("character", "hk", "HKVariants"),
    ("character", "tw", "TWVariantsPhrases"), ("character", "hk", "HKVariantsPhrases"),
]


class Searcher:
    """Paths of every document a query matches (no ranking cut, no snippets)."""

    def __init__(self, index) -> None:
        self.index = index
        self._paths: dict[int, str] = {}
        self._cache: dict[str, set[str]] = {}

    def paths(self, query: str) -> set[str]:
        if query not in self._cache:
            found = evaluate(self.index, SearchRequest(query)).found.docs.tolist()
            reader = self.index.reader()
            with reading(self.index):
                for docnum in found:
                    if docnum not in self._paths:
                        self._paths[docnum] = reader.stored_fields(docnum)["path"]
            self._cache[query] = {self._paths[d] for d in found}
        return self._cache[query]


def copies(stories, converters):
    """Each story as written and in each region's conversion: (path, text) per copy."""
    for doc in stories:
        yield doc, "cn", doc.body
        for region, converter in converters.items():
            yield doc, region, converter.convert(doc.body)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--bench", type=Path, default=DEFAULT_BENCH, help="folder of the bench corpus")
    ap.add_argument("--mb", type=float, default=2.0, help="megabytes of mainland stories (default 2)")
    ap.add_argument("--procs", type=int, default=1, help="indexing processes")
    ap.add_argument("--words", type=int, default=50, help="random group members for the precision cost")
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--show", type=int, default=10, help="failed pairs to list")
    args = ap.parse_args(argv)

    stories = list(bench_documents(args.bench, args.mb, files=["news-xwlb.jsonl"]))
    converters = {region: opencc.OpenCC(config) for region, config in REGIONS.items()}
    texts: dict[str, dict[str, str]] = collections.defaultdict(dict)  # story → copy → text
    documents = []
    for doc, region, text in copies(stories, converters):
        texts[doc.path][region] = text
        documents.append(replace(doc, path=f"{region}/{doc.path}", body=text,
                                 title=converters[region].convert(doc.title) if region != "cn" else doc.title))
    settings = AnalysisSettings.default()
    with tempfile.TemporaryDirectory(prefix="eval_variants_") as tmp:
        report = index_documents(Path(tmp) / "index", documents, settings, args.procs)
        print(f"{len(stories)} mainland stories ({args.mb} MB), {report.added} documents "
              f"indexed in {report.seconds:.0f} s", file=sys.stderr)
        index = open_index(Path(tmp) / "index")
        searcher = Searcher(index)
        recall(index, searcher, texts, args.show)
        precision(index, searcher, texts, args.words, args.seed)
    return 0


def recall(index, searcher: Searcher, texts: dict[str, dict[str, str]], show: int) -> None:
    t2s = opencc.OpenCC("t2s")
    false_friends = {w for words, _ in read_false_friends(DEFAULT_FALSE_FRIENDS) for w in words}
    entries = read_dictionaries(find_dictionaries(OPENCC_SHARE))
    pairs: dict[tuple[str, str, str], str] = {}  # (kind, mainland, regional) → region
    for kind, region, source in PAIR_SOURCES:
        for entry in (e for e in entries if e.source == source):
            mainland = t2s.convert(entry.members[0])
            for regional in entry.members[1:]:
                pairs.setdefault((kind, mainland, regional), region)
    tally: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    failed: dict[str, list[str]] = collections.defaultdict(list)
    words: dict[str, set[str]] = {}  # story → its words and sub-words, for phrase pairs
    for story, copy in texts.items():
        words[story] = {fold(copy["cn"][start:end]) for _, _, start, end in index.chain.word_tokens(copy["cn"])}
    for (kind, mainland, regional), region in sorted(pairs.items()):
        # A phrase pair counts where the mainland form is a word of the story: OpenCC also
        # converts across word boundaries (高昂的士气 → 高昂計程車氣), which no author writes.
        occurs = [story for story, copy in texts.items()
                  if mainland in copy["cn"] and regional in copy[region]
                  and (kind == "character" or mainland in words[story])]
        if not occurs or mainland == regional:
            continue
        expected = {f"{c}/{story}" for story in occurs for c in texts[story]}
        friend = bool({fold(mainland), fold(regional)} & false_friends)
        label = f"{kind} (false friends)" if friend else kind
        tally[label]["pairs"] += 1
        missed = {q: sorted(expected - searcher.paths(q)) for q in (mainland, regional)}
        missed = {q: lost for q, lost in missed.items() if lost}
        if missed:
            failed[label].append(f"{mainland} / {regional} ({region}, {len(occurs)} stories): " + "; ".join(
                f"{q} misses {len(lost)}, e.g. {lost[0]}" for q, lost in missed.items()))
        else:
            tally[label]["found"] += 1
    print("\nCross-region recall (each form finds every copy, both ways):")
    for label in sorted(tally):
        found, total = tally[label]["found"], tally[label]["pairs"]
        print(f"  {label:28s} {found:5d} / {total:5d} pairs  {100 * found / total:5.1f}%")
    for label in sorted(failed):
        print(f"  missed, {label}: {len(failed[label])}")
        for line in failed[label][:show]:
            print(f"    {line}")


def precision(index, searcher: Searcher, texts: dict[str, dict[str, str]], words: int,
              seed: int) -> None:
    table = index.chain.variants
    cn = {f"cn/{story}": fold(copy["cn"]) for story, copy in texts.items()}
    corpus = "\n".join(cn.values())
    members = sorted(m for m in table.folded_members() if m in corpus)
    sample = random.Random(seed).sample(members, min(words, len(members)))
    merged = merged_members()
    rows = []
    for word in sample:
        found = {p for p in searcher.paths(word) if p in cn}
        literal = {p for p, text in cn.items() if word in text}
        rows.append((word, len(literal), len(found - literal), word in merged))
    extra = sum(r[2] for r in rows)
    from_merged = sum(r[2] for r in rows if r[3])
    print(f"\nPrecision cost: {len(rows)} random group members occurring in the mainland copies "
          f"(of {len(members)})")
    print(f"  documents with the word itself: {sum(r[1] for r in rows)}; extra documents brought "
          f"by other members of its group: {extra} ({extra / max(1, len(rows)):.2f} a word; "
          f"{sum(1 for r in rows if r[2])} words bring any)")
    print(f"  of the extra, from merged groups (three or more members): {from_merged}")
    for word, literal, more, is_merged in sorted(rows, key=lambda r: -r[2])[:10]:
        if more:
            group = " ".join(table.members(word))
            print(f"    {word}: {literal} + {more}  [{group}]{' merged' if is_merged else ''}")


def merged_members() -> set[str]:
    """Folded members of the shipped groups that merging made (three or more members)."""
    from searcher.analysis.variants import parse_groups

    text = (Path(__file__).resolve().parent.parent / "searcher" / "data" /
            "variants_regional.txt").read_text(encoding="utf-8")
    return {fold(m) for group in parse_groups(text) if len(group) > 2 for m in group}


if __name__ == "__main__":
    sys.exit(main())
