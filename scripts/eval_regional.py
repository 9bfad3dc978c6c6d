"""Hong Kong articles found by their regional words typed the Taiwan and the mainland way.

    python3 scripts/eval_regional.py --hk DIR          # 3 MB of Hong Kong articles
    python3 scripts/eval_regional.py --hk DIR --hk-mb 5 --show 30

The Hong Kong set of the regional-vocabulary evaluation (``eval_variants.py`` is the other:
mainland stories and their OpenCC Taiwan and Hong Kong conversions). ``DIR`` holds real Hong
Kong articles as Markdown files with YAML front matter, read with searcher's own reader: the
public archive of Citizen News (眾新聞, hkcnews.com, 2017-2022; github.com/hkarchivist/
hkcnews-article-archive, its ``articles/`` folders; the articles are Citizen News's copyright,
so they are read in place, kept outside the repository like ``../shared/bench``, and never
committed). The first ``--hk-mb`` megabytes of article text (files in name order) are indexed
with ``--cn-mb`` megabytes of mainland news and commentary from ``../shared/bench`` (so a
mainland spelling has mainland articles to find too), with the library (``index_documents``).

``TERMS`` is a hand-checked list of words that Hong Kong writes one way, Taiwan and the
mainland another (的士 / 計程車 / 出租车, 數碼 / 數位 / 数码, 短訊 / 簡訊 / 短信), chosen
independently of the variant table; each spelling was checked against the usage of its region.
For each term, up to ``--per-term`` articles that use the Hong Kong spelling as a word (not
across two words) give three queries each: the Hong Kong spelling, the Taiwan spelling and the
mainland spelling, each with the most distinctive word of the article's title (so the article
is the one to find). A query counts as found when the article is among the first ten hits.
The Hong Kong spelling is the ceiling: what the ranking gives when the spelling is the
article's own.

Precision cost: each term's Taiwan and mainland spelling searched alone; of the articles it
finds, those that do not hold the typed word itself (brought by its group), split into those
that hold another spelling of the term (what the group is for) and those that hold none.

Run it with another checkout's package to compare (the same script, the old code and tables):
``PYTHONPATH=OLD_CHECKOUT python3 scripts/eval_regional.py --hk DIR``.
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_corpus import DEFAULT_BENCH, bench_documents  # noqa: E402

from searcher.analysis.chain import AnalysisChain  # noqa: E402
from searcher.analysis.fold import fold  # noqa: E402
from searcher.analysis.settings import AnalysisSettings  # noqa: E402
from searcher.analysis.units import is_cjk  # noqa: E402
from searcher.engine.store import open_index  # noqa: E402
from searcher.indexing.update import index_documents  # noqa: E402
from searcher.ingest.formats import parse_file  # noqa: E402
from searcher.models import Document  # noqa: E402
from searcher.search.ranked import search  # noqa: E402

# (Hong Kong, Taiwan, mainland): a word each region writes its own way. Names of people and
# places, and words where only the script differs, are left to the names table and the script
# folding; 簡訊 is here although the table keeps it apart (the mainland's 简讯 is a news brief),
# so its miss is counted.
TERMS: list[tuple[str, str, str]] = [
    ("的士", "計程車", "出租车"), ("巴士", "公車", "公交车"), ("單車", "腳踏車", "自行车"),
    ("電單車", "機車", "摩托车"), ("私家車", "自用車", "私家车"), ("貨櫃", "貨櫃", "集装箱"),
    ("數碼", "數位", "数码"), ("短訊", "簡訊", "短信"), ("軟件", "軟體", "软件"),
    ("硬件", "硬體", "硬件"), ("網絡", "網路", "网络"), ("互聯網", "網際網路", "互联网"),
    ("網上", "線上", "在线"), ("電郵", "電子郵件", "电子邮件"), ("伺服器", "伺服器", "服务器"),
    ("打印機", "印表機", "打印机"), ("手提電話", "手機", "手机"), ("智能手機", "智慧型手機", "智能手机"),
    ("應用程式", "應用程式", "应用程序"), ("視像", "視訊", "视频"), ("短片", "影片", "视频"),
    ("上載", "上傳", "上传"), ("晶片", "晶片", "芯片"), ("屏幕", "螢幕", "屏幕"),
    ("社交媒體", "社群媒體", "社交媒体"), ("連結", "連結", "链接"), ("博客", "部落格", "博客"),
    ("質素", "品質", "质量"), ("私隱", "隱私", "隐私"), ("資訊", "資訊", "信息"),
    ("通脹", "通膨", "通胀"), ("行政總裁", "執行長", "首席执行官"), ("外判", "外包", "外包"),
    ("便利店", "便利商店", "便利店"), ("雪櫃", "冰箱", "冰箱"), ("升降機", "電梯", "电梯"),
    ("膠袋", "塑膠袋", "塑料袋"), ("三文魚", "鮭魚", "三文鱼"), ("雪糕", "冰淇淋", "冰淇淋"),
    ("朱古力", "巧克力", "巧克力"), ("菠蘿", "鳳梨", "菠萝"), ("粟米", "玉米", "玉米"),
    ("行人路", "人行道", "人行道"), ("幼稚園", "幼稚園", "幼儿园"), ("人工智能", "人工智慧", "人工智能"),
    ("知識產權", "智慧財產權", "知识产权"), ("新西蘭", "紐西蘭", "新西兰"), ("悉尼", "雪梨", "悉尼"),
    ("意大利", "義大利", "意大利"), ("朝鮮", "北韓", "朝鲜"), ("特朗普", "川普", "特朗普"),
    ("普京", "普丁", "普京"), ("蓬佩奧", "龐皮歐", "蓬佩奥"), ("默克爾", "梅克爾", "默克尔"),
    ("馬克龍", "馬克宏", "马克龙"), ("約翰遜", "強生", "约翰逊"), ("朱克伯格", "祖克柏", "扎克伯格"),
    ("昂山素姬", "翁山蘇姬", "昂山素季"), ("杜特爾特", "杜特蒂", "杜特尔特"), ("也門", "葉門", "也门"),
]


@dataclass(frozen=True)
class Query:
    term: tuple[str, str, str]
    path: str
    anchor: str


def hong_kong_documents(folder: Path, mb: float) -> list[Document]:
    """The first ``mb`` megabytes of article text under ``folder`` (Markdown, name order)."""
    documents, used = [], 0
    for file in sorted(folder.rglob("*.md")):
        warnings: list[str] = []
        for doc in parse_file(file.read_bytes(), f"hk/{file.relative_to(folder)}", warnings).documents:
            documents.append(doc)
            used += len(doc.body.encode("utf-8"))
        if used >= mb * 1_000_000:
            break
    return documents


def words_of(chain: AnalysisChain, text: str) -> set[str]:
    """The folded words of a text as segmented (no variants, no sub-words)."""
    return {w for w, _, _ in chain.words(fold(text)) if not w.isspace()}


def queries(documents: list[Document], chain: AnalysisChain, per_term: int) -> list[Query]:
    """Up to ``per_term`` articles a term, each with the rarest word of its title."""
    bodies = {d.path: fold(d.body) for d in documents}
    words = {d.path: words_of(chain, d.body) for d in documents}
    df: collections.Counter[str] = collections.Counter(w for ws in words.values() for w in ws)
    found = []
    for term in TERMS:
        hong_kong = fold(term[0])
        taken = 0
        for doc in documents:
            # the Hong Kong spelling as (a part of) a word of the article, not across two
            if taken == per_term or not any(hong_kong in w for w in words[doc.path]):
                continue
            candidates = [w for w in words_of(chain, doc.title) if len(w) >= 2 and is_cjk(w)
                          and w in bodies[doc.path] and not set(w) & set(hong_kong)
                          and not any(set(w) & set(fold(s)) for s in term)]
            if candidates:
                found.append(Query(term, doc.path, min(candidates, key=lambda w: (df[w], w))))
                taken += 1
    return found


def top_ten_rates(index, items: list[Query]) -> tuple[list[int], list[list[Query]]]:
    """For each spelling (Hong Kong, Taiwan, mainland): queries whose article is in the top
    ten, and the queries missed."""
    found, missed = [0, 0, 0], [[], [], []]
    for item in items:
        for i, spelling in enumerate(item.term):
            hits = search(index, f"{item.anchor} {spelling}", limit=10, snippets=0,
                          find_matches=False, collapse=False).hits
            if any(h.path == item.path for h in hits):
                found[i] += 1
            else:
                missed[i].append(item)
    return found, missed


def precision_cost(index, texts: dict[str, str]) -> dict[str, list[int]]:
    """For the Taiwan and the mainland spellings alone: articles found, those without the
    typed word, and of those the ones holding another spelling of the term."""
    cost = {"tw": [0, 0, 0], "cn": [0, 0, 0]}
    for term in TERMS:
        spellings = [fold(s) for s in term]
        for region, typed in (("tw", term[1]), ("cn", term[2])):
            paths = {h.path for h in search(index, typed, limit=None, snippets=0,
                                            find_matches=False, collapse=False).hits}
            without = [p for p in paths if fold(typed) not in texts[p]]
            cost[region][0] += len(paths)
            cost[region][1] += len(without)
            cost[region][2] += sum(1 for p in without if any(s in texts[p] for s in spellings))
    return cost


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--hk", type=Path, required=True, help="folder of Hong Kong articles (.md)")
    ap.add_argument("--hk-mb", type=float, default=3.0, help="MB of Hong Kong text (default 3)")
    ap.add_argument("--bench", type=Path, default=DEFAULT_BENCH, help="folder of the bench corpus")
    ap.add_argument("--cn-mb", type=float, default=2.0, help="MB of mainland text (default 2)")
    ap.add_argument("--per-term", type=int, default=5, help="articles a term (default 5)")
    ap.add_argument("--procs", type=int, default=1, help="indexing processes")
    ap.add_argument("--show", type=int, default=20, help="misses to list")
    args = ap.parse_args(argv)

    settings = AnalysisSettings.default()
    # The articles and title words are picked by a chain of their own, with every spelling of
    # TERMS as a word and no variant table, so the same queries test every version.
    chain = AnalysisChain(AnalysisSettings(variants="", userwords=tuple(dict.fromkeys(
        fold(s) for term in TERMS for s in term))))
    hong_kong = hong_kong_documents(args.hk, args.hk_mb)
    mainland = [replace(d, path=f"cn/{d.path}") for d in bench_documents(
        args.bench, args.cn_mb, files=["news-xwlb.jsonl", "commentary-bedtimenews.jsonl"])]
    documents = hong_kong + mainland
    items = queries(hong_kong, chain, args.per_term)
    with tempfile.TemporaryDirectory(prefix="eval_regional_") as tmp:
        report = index_documents(Path(tmp) / "index", documents, settings, args.procs)
        print(f"{len(hong_kong)} Hong Kong articles ({args.hk_mb} MB) and {len(mainland)} "
              f"mainland documents ({args.cn_mb} MB), {report.added} indexed in "
              f"{report.seconds:.0f} s; {len(items)} articles of {len({i.term for i in items})} "
              f"of {len(TERMS)} terms", file=sys.stderr)
        index = open_index(Path(tmp) / "index")
        found, missed = top_ten_rates(index, items)
        cost = precision_cost(index, {d.path: fold(d.body) + "\n" + fold(d.title)
                                      for d in documents})
    print("\nHong Kong article in the top ten, by its regional word typed:")
    for i, label in enumerate(("the Hong Kong way (ceiling)", "the Taiwan way", "the mainland way")):
        print(f"  {label:30s} {found[i]:4d} / {len(items):4d}  {100 * found[i] / max(1, len(items)):5.1f}%")
    for i, label in ((1, "Taiwan"), (2, "mainland")):
        terms = collections.Counter(q.term for q in missed[i])
        print(f"  missed the {label} way, by term: " + ", ".join(
            f"{t[0]}/{t[i]} {n}" for t, n in terms.most_common(args.show)))
    print("\nPrecision cost (each Taiwan and mainland spelling alone):")
    for region, (total, without, intended) in cost.items():
        print(f"  {region}: {total} articles found, {without} without the typed word: {intended} "
              f"hold another spelling of the term, {without - intended} hold none")
    return 0


if __name__ == "__main__":
    sys.exit(main())
