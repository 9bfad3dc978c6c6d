"""Real saved news pages: are their title, date and author read right, their article found and
their page chrome kept out?

    python3 scripts/eval_pages.py                          # ../pages from the checkout's root
    python3 scripts/eval_pages.py --pages /work/pages --show 30
    python3 scripts/eval_pages.py --pages /work/pages --json results.json
    python3 scripts/eval_pages.py --pages /work/pages --sites hk-hkej,cn-qq   # some sites only

``--pages`` is a folder of real saved pages of Chinese-language news sites of Hong Kong, Taiwan
and the mainland, one folder a site, with ``labels.jsonl`` files (any depth) that label them by
hand, one JSON object a page: ``file`` (relative to ``--pages``), ``site``, ``region``,
``title`` (the headline, no site suffix), ``date`` (YYYY-MM-DD as the page shows it),
``authors`` (the names a byline or the metadata gives; ``[]`` for none), ``body_phrases``
(from the article) and ``chrome_phrases`` (only in menus, related lists, comments, footers);
optional ``title_also`` (another headline the publisher gave the page, also right) and
``author_also`` (names the page gives that are not a wrong answer: the site, the agency, an
editor named in the metadata). A field labelled ``"unsure"`` is left out of the scores. The
pages are not ours to redistribute: they live outside the repository like ``../shared/bench``
and never enter it; docs/real-pages.md says what they are and how to rebuild them. The default
is ``../pages`` from the checkout's root (``/work/pages`` for ``/work/main``); from a worktree
give ``--pages``.

The labelled files are copied (modification times kept: the PDF and DOCX documents' are
misleading on purpose) into a temporary corpus and indexed with the library
(``update_index``); each page's stored title, date and author are read back (``get_document``)
and each phrase is searched for, quoted (``search``, no collapsing), a phrase split at
punctuation into quoted pieces that must all match. Reported per site, per region and overall:

* **title =**: the stored title is the headline (or a ``title_also``), compared after NFKC and
  with all whitespace removed; **title ⊇**: it contains the headline (a site suffix kept);
* **date**: the stored date is the labelled one; **both**: title = and date right;
* **author**: ``ok`` (a labelled author and nothing wrong; or only names from
  ``author_also``; or none where the page names none), ``miss`` (the page names an author, none
  stored) and ``WRONG`` (a stored name the page does not give as an author: the worst, for a
  user who searches ``author:`` and trusts what is shown). A stored author is split at
  ``、,，/;`` and spaces and role words (記者, 作者, 文/…; 文 only on its own or before a
  colon) are dropped; a part is right when it holds a labelled name;
* **body**: body phrases whose search finds the page; **chrome**: chrome phrases whose search
  finds the page (leaked: lower is better).

``--sites`` keeps the pages of the sites listed (comma-separated), and the documents made from
their pages (a document's ``source`` is the page it was made from): to tune on one half of the
sites and check on the other.

Then up to ``--show`` misses of each kind. ``--json`` writes every page's result, to compare two
branches: run the same command with ``PYTHONPATH=OTHER_CHECKOUT``.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path

import searcher
from searcher.analysis.settings import AnalysisSettings
from searcher.engine.store import open_index
from searcher.errors import SearcherError
from searcher.indexing.update import update_index
from searcher.search.documents import get_document
from searcher.search.ranked import search

DEFAULT_PAGES = Path(__file__).resolve().parent.parent.parent / "pages"
REGIONS = ("HK", "TW", "CN")
# Where a stored author string is split into names, and the role words around a name.
AUTHOR_SEPARATORS = re.compile(r"[、,，;；/／|｜&＆+＋\s]+")
# A bare 文 is a role only on its own or before a colon (文：張三), never a name's first character
# (文森).
ROLE_WORDS = re.compile(r"^(?:本報|本报|特約|特约|實習|实习|首席)?(?:記者|记者|作者|撰文|編輯|"
                        r"编辑|責任編輯|责任编辑|主筆|主笔|執筆|执笔)[：:︰]?"
                        r"|^文(?:[：:︰]|$)"
                        r"|(?:報導|报道|報道|整理|編譯|编译|攝|摄)$")


@dataclass
class PageResult:
    """What the library made of one labelled page."""

    file: str
    site: str
    region: str
    indexed: bool = False
    title: str | None = None
    title_exact: bool = False
    title_contains: bool = False
    date: str | None = None
    date_right: bool | None = None  # None: the label is unsure
    author: str | None = None
    author_outcome: str | None = None  # right, other, none, missing, wrong; None: unsure
    body_found: list[bool] = field(default_factory=list)
    # where each body phrase is in the stored body: "in it", "split by whitespace" (a line
    # break inside it, as a PDF's wrapped lines), "not in it"
    body_stored: list[str] = field(default_factory=list)
    chrome_leaked: list[bool] = field(default_factory=list)


def squeeze(text: str | None) -> str:
    """Text compared: NFKC, without any whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def load_labels(pages: Path) -> list[dict]:
    """Every label of every ``labels.jsonl`` under ``pages``, one a file; ValueError names a
    line that is not a label."""
    labels: dict[str, dict] = {}
    for file in sorted(pages.rglob("labels.jsonl")):
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                label = json.loads(line)
                labels[label["file"]] = label
            except (ValueError, KeyError, TypeError) as error:
                raise ValueError(f"{file}:{number}: not a label ({error})") from None
    return list(labels.values())


def site_of(label: dict) -> str:
    """The site a label's page is of; a document's is that of the page it was made from."""
    source = label.get("source")
    return source.split("/", 1)[0] if label["site"] == "documents" and source else label["site"]


def copy_corpus(pages: Path, labels: list[dict], corpus: Path) -> None:
    """The labelled files only, at their relative paths, modification times kept."""
    for label in labels:
        target = corpus / label["file"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(pages / label["file"], target)


def phrase_query(phrase: str) -> str:
    """A phrase quoted, split at punctuation (quotes would end it) into quoted pieces."""
    pieces = re.findall(r"[^\W_]+", phrase)
    return " ".join(f'"{p}"' for p in pieces if len(p) >= 2 or len(pieces) == 1)


def found_by(index, phrase: str, path: str) -> bool:
    """Whether a search for ``phrase``, quoted, finds the document ``path``."""
    query = phrase_query(phrase)
    if not query:
        return False
    hits = search(index, query, limit=None, snippets=0, find_matches=False, collapse=False).hits
    return any(h.path == path for h in hits)


def author_outcome(stored: str | None, label: dict) -> str | None:
    """right, other, none, missing or wrong (see the module's docstring); None when unsure."""
    want = label.get("authors")
    if want == "unsure":
        return None
    names = [squeeze(a) for a in want or []]
    also = [squeeze(a) for a in label.get("author_also", [])]
    parts = [ROLE_WORDS.sub("", p) for p in AUTHOR_SEPARATORS.split(squeeze(stored))]
    parts = [p for p in parts if p]
    if not parts:
        return "missing" if names else "none"
    right = [p for p in parts if any(n in p for n in names)]
    # an organisation or editor the page itself names (containment either way: 中央社 in
    # 中央社記者, 聯合報 for 聯合報系)
    other = [p for p in parts if p not in right and any(a in p or p in a for a in also)]
    if len(right) + len(other) < len(parts):
        return "wrong"
    return "right" if right else "other"


def evaluate(index, label: dict) -> PageResult:
    path = label["file"]
    result = PageResult(path, label["site"], label["region"])
    try:
        stored = get_document(index, path)
    except SearcherError:
        stored = None  # not indexed: every check fails, the author is missing
    result.indexed = stored is not None
    stored = stored or {}
    result.title, result.date = stored.get("title"), stored.get("date")
    result.author = stored.get("author")
    titles = [squeeze(t) for t in [label["title"], *label.get("title_also", [])]]
    result.title_exact = result.indexed and squeeze(result.title) in titles
    result.title_contains = result.indexed and any(t in squeeze(result.title) for t in titles)
    if label["date"] != "unsure":
        result.date_right = result.date == label["date"]
    result.author_outcome = author_outcome(result.author, label)
    body = unicodedata.normalize("NFKC", stored.get("body") or "")
    for phrase in label["body_phrases"]:
        result.body_found.append(result.indexed and found_by(index, phrase, path))
        result.body_stored.append(
            "in it" if unicodedata.normalize("NFKC", phrase) in body
            else "split by whitespace" if squeeze(phrase) in squeeze(body) else "not in it")
    for phrase in label["chrome_phrases"]:
        result.chrome_leaked.append(result.indexed and found_by(index, phrase, path))
    return result


def share(part: int, whole: int) -> str:
    return f"{part:3d}/{whole:<3d} {100 * part / whole:5.1f}%" if whole else f"{'-':>13}"


HEADER = (f"{'':22s} {'pages':>5s}  {'title =':>13s}  {'title ⊇':>13s}  {'date':>13s}  "
          f"{'both':>13s}  {'author ok':>13s} {'miss':>4s} {'WRONG':>5s}  {'body found':>13s}  "
          f"{'chrome leaked':>13s}")


def row(name: str, results: list[PageResult]) -> str:
    dated = [r for r in results if r.date_right is not None]
    authored = [r for r in results if r.author_outcome is not None]
    outcomes = collections.Counter(r.author_outcome for r in authored)
    both = sum(r.title_exact and r.date_right is not False for r in results)
    body = [f for r in results for f in r.body_found]
    chrome = [f for r in results for f in r.chrome_leaked]
    pages = len(results)
    return (f"{name:22s} {pages:5d}  {share(sum(r.title_exact for r in results), pages)}  "
            f"{share(sum(r.title_contains for r in results), pages)}  "
            f"{share(sum(r.date_right for r in dated), len(dated))}  "
            f"{share(both, pages)}  "
            f"{share(outcomes['right'] + outcomes['other'] + outcomes['none'], len(authored))} "
            f"{outcomes['missing']:4d} {outcomes['wrong']:5d}  "
            f"{share(sum(body), len(body))}  {share(sum(chrome), len(chrome))}")


def print_table(results: list[PageResult]) -> None:
    print(HEADER)
    pages = [r for r in results if r.site != "documents"]
    documents = [r for r in results if r.site == "documents"]
    for region_name in REGIONS:
        region = [r for r in pages if r.region == region_name]
        for site in sorted({r.site for r in region}):
            print(row("  " + site, [r for r in region if r.site == site]))
        print(row("region " + region_name, region))
    print(row("all pages", pages))
    if documents:
        for kind in ("pdf", "docx"):
            print(row(f"  {kind} documents", [r for r in documents if r.file.endswith(kind)]))
        print(row("documents", documents))


def print_misses(results: list[PageResult], labels: dict[str, dict], show: int) -> None:
    def listing(title: str, lines: list[str]) -> None:
        print(f"\n{title}: {len(lines)}")
        for line in lines[:show]:
            print("  " + line)

    listing("title not the headline", [
        f"{r.file}: want {labels[r.file]['title']!r}, got {r.title!r}"
        for r in results if not r.title_exact])
    listing("date wrong", [f"{r.file}: want {labels[r.file]['date']}, got {r.date}"
                           for r in results if r.date_right is False])
    listing("author WRONG", [f"{r.file}: want {labels[r.file]['authors']}, got {r.author!r}"
                             for r in results if r.author_outcome == "wrong"])
    listing("author missing", [f"{r.file}: want {labels[r.file]['authors']}"
                               for r in results if r.author_outcome == "missing"])
    listing("body phrase not found", [
        f"{r.file}: {phrase!r} (stored body: {stored})"
        for r in results for phrase, found, stored in
        zip(labels[r.file]["body_phrases"], r.body_found, r.body_stored) if not found])
    listing("chrome phrase leaked", [
        f"{r.file}: {phrase!r}" for r in results
        for phrase, leaked in zip(labels[r.file]["chrome_phrases"], r.chrome_leaked) if leaked])


def checkout_of_library() -> str:
    """Where the searcher package imported comes from, and its commit (to compare branches)."""
    folder = Path(searcher.__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "-C", str(folder), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"{folder}" + (f" at {commit}" if commit else "")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--pages", type=Path, default=DEFAULT_PAGES,
                    help=f"folder of saved pages and labels.jsonl (default {DEFAULT_PAGES})")
    ap.add_argument("--show", type=int, default=10, help="misses of each kind to list (default 10)")
    ap.add_argument("--json", type=Path, help="write every page's result to this file")
    ap.add_argument("--sites", help="only these sites' pages and documents (comma-separated)")
    args = ap.parse_args(argv)

    try:
        labels = load_labels(args.pages)
    except ValueError as error:
        print(f"eval_pages: {error}", file=sys.stderr)
        return 2
    if args.sites:
        sites = {site.strip() for site in args.sites.split(",") if site.strip()}
        unknown = sites - {site_of(label) for label in labels}
        if unknown:
            print(f"eval_pages: --sites: no pages of {', '.join(sorted(unknown))}",
                  file=sys.stderr)
            return 2
        labels = [label for label in labels if site_of(label) in sites]
    missing = [label["file"] for label in labels if not (args.pages / label["file"]).is_file()]
    if not labels or missing:
        problem = (f"{len(missing)} labelled files missing (first {missing[0]}): rebuild it"
                   if missing else "no labels.jsonl in it: give --pages, the folder of saved pages")
        print(f"eval_pages: {args.pages}: {problem} (docs/real-pages.md)", file=sys.stderr)
        return 2
    by_file = {label["file"]: label for label in labels}
    with tempfile.TemporaryDirectory(prefix="eval_pages_") as tmp:
        corpus, index_dir = Path(tmp) / "corpus", Path(tmp) / "index"
        copy_corpus(args.pages, labels, corpus)
        report = update_index(index_dir, [corpus], AnalysisSettings.default())
        print(f"searcher from {checkout_of_library()}; {len(labels)} labelled files of "
              f"{len({label['site'] for label in labels})} sites, {report.added} documents indexed "
              f"in {report.seconds:.1f} s, {len(report.warnings)} warnings, "
              f"{len(report.skipped)} files skipped", file=sys.stderr)
        index = open_index(index_dir)
        results = [evaluate(index, label) for label in labels]
    print_table(results)
    print_misses(results, by_file, args.show)
    if report.skipped or report.warnings:
        print(f"\nindexing: {len(report.skipped)} skipped, {len(report.warnings)} warnings")
        for file, reason in report.skipped[:args.show]:
            print(f"  skipped {file}: {reason}")
        for warning in report.warnings[:args.show]:
            print(f"  {warning}")
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], ensure_ascii=False,
                                        indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
