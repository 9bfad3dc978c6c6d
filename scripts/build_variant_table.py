#!/usr/bin/env python3
"""Build ``searcher/data/variants_opencc.txt`` from OpenCC's regional vocabulary dictionaries.

What it does
------------
Reads the Taiwan / Hong Kong regional dictionaries that ship inside the
installed ``opencc`` Python wheel (``opencc/clib/share/opencc/{HK,TW}*.ocd2``:
HKPhrases, HKPhrasesRev, HKVariants, HKVariantsRev, HKVariantsPhrases,
HKVariantsRevPhrases, TWPhrases, TWPhrasesRev, TWVariants, TWVariantsRev,
TWVariantsPhrases, TWVariantsRevPhrases -- whichever are present), dumps each
binary ``.ocd2`` file to text with the converter shipped in the same wheel
(``opencc/clib/bin/opencc_dict -f ocd2 -t text``), and turns every dictionary
line ``key<TAB>value1 value2 ...`` into a candidate variant group
``{key} | {values}``.  Nothing from the dictionaries is retyped here.

Cleaning, in this order (each dropped entry is counted under exactly one reason):

1. ``non_cjk``      -- members that are not made purely of CJK ideographs
                       (Latin letters, digits, punctuation such as the name
                       separator "·") are removed; an entry left with fewer than
                       two distinct members is dropped.
2. ``collapsed``    -- members are folded with ``OpenCC('t2s')`` (the engine's
                       script folding); an entry whose members all fold to one
                       string (e.g. identity entries, pure script variants) is
                       dropped: the engine already unifies them.
3. ``single_char``  -- single-character members are removed (character
                       variants are the script folding's job, and one-character
                       index terms would fold unrelated text); an entry left
                       with fewer than two folded members is dropped.
4. ``common_word``  -- entries with a member in ``COMMON_WORDS`` (below) are
                       dropped.  OpenCC's TW tables convert computing jargon
                       context-free, so some pairs join two everyday words with
                       different meanings in Taiwan usage (支持 support / 支援
                       aid, 核心 core / 內核 kernel, 數字 number / 數位 digital,
                       訪問 visit / 存取 access, 智慧 wisdom / 智能, 聲明 /
                       宣告, 建立 / 創建 ...); folding them would merge unrelated
                       commentary text.  It also holds names with another common
                       referent (獅子山 = Lion Rock in Hong Kong; 查德 is the tail
                       of 理查德 Richard).  This is a policy list, not dictionary
                       content; ``--keep-common-words`` disables the step.
5. ``duplicate``    -- entries whose folded member sets are identical (the
                       ``*Rev`` dictionaries mirror the forward ones; TW and HK
                       often agree) are merged into one group.  Not a loss.
6. ``ambiguous``    -- COLLISIONS.  A folded member must belong to exactly one
                       group.  Groups are linked when they share a folded member;
                       every connected component that contains more than one
                       (distinct) group is dropped entirely.  No merging is done:
                       a shared member is exactly the case where merging would
                       join unrelated meanings (mainland 程序 = program but
                       Taiwan 程序 = process; 文件 = file vs document; 喬治亞 =
                       the US state 佐治亞 and the country 格魯吉亞; 土豆 =
                       potato vs peanut), and the dictionaries carry no signal
                       that separates those from harmless overlaps (俄克拉何馬 /
                       俄克拉荷馬 / 奧克拉荷馬), so the conservative rule is used
                       for all of them.  Dropped components are listed with
                       ``--verbose``.
7. ``in_names``     -- groups sharing a folded member with the hand-curated
                       names table (``searcher/data/variants_names.txt`` by
                       default, see ``--names``) are dropped here, so that no
                       folded member is in two groups across the two files; the
                       curated table wins.  Skipped if that file does not exist.

The first member of each output group (its display name) is the first member of
the earliest contributing entry, taking forward dictionaries (key = mainland
term) before ``*Rev`` ones, then file name, then line number; one spelling is
kept per folded form.  Groups are written sorted by the folded display name, so
re-running on the same OpenCC version gives a byte-identical file.  Each line
carries a trailing comment naming the dictionaries the group came from.

Counts (entries read, groups kept, entries dropped per reason) go to stderr.

How to run
----------
From the repository root::

    python3 scripts/build_variant_table.py            # writes searcher/data/variants_opencc.txt
    python3 scripts/build_variant_table.py --verbose  # also lists dropped collisions on stderr
    python3 scripts/build_variant_table.py -o OUT.txt --names PATH/TO/variants_names.txt

Requires only the Python standard library and the installed ``opencc`` package.
"""

from __future__ import annotations

import argparse
import collections
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import opencc

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO_ROOT / "searcher" / "data" / "variants_opencc.txt"
DEFAULT_NAMES = REPO_ROOT / "searcher" / "data" / "variants_names.txt"

OPENCC_DIR = Path(opencc.__file__).resolve().parent
OPENCC_SHARE = OPENCC_DIR / "clib" / "share" / "opencc"
OPENCC_DICT_BIN = OPENCC_DIR / "clib" / "bin" / "opencc_dict"

# Regional vocabulary dictionaries (Taiwan and Hong Kong, both directions).
DICT_PREFIXES: tuple[str, ...] = ("HK", "TW")

REASONS: tuple[str, ...] = (
    "non_cjk",
    "collapsed",
    "single_char",
    "common_word",
    "duplicate",
    "ambiguous",
    "in_names",
)

# Everyday words that OpenCC pairs with a regional (mostly computing) term of a
# different everyday meaning, plus names with a different common referent.  An entry containing any of them is dropped
# (reason ``common_word``).  Compared after t2s folding.
COMMON_WORDS: frozenset[str] = frozenset(
    {
        "支持", "支援",  # support / (military) aid
        "聲明", "宣告",  # statement / declare
        "創建", "建立",  # create / establish
        "數字", "數位",  # number / digital
        "內核", "核心",  # kernel / core
        "社區", "社群",  # neighbourhood / social group
        "智能", "智慧",  # smart / wisdom
        "運行", "執行",  # run / implement, execute
        "項目", "專案",  # item, project / dedicated project
        "對象", "物件",  # target, partner / object
        "局部", "區域性",  # partial / regional
        "集成", "整合",  # integrate / consolidate
        "窗口", "視窗",  # window (of opportunity) / GUI window
        "交互", "互動",  # interact / interaction
        "串行", "序列",  # serial / sequence
        "萬象", "永珍",  # all phenomena / Vientiane
        "發佈", "釋出",  # publish / release (goodwill, signals)
        "數據", "資料",  # numeric data / material, information
        "導入", "匯入",  # introduce / import
        "導出", "匯出",  # derive / export
        "設置", "設定",  # set up (an office) / settings
        "訪問", "存取",  # visit / access
        "調用", "呼叫",  # mobilise / call
        "激活", "啟用",  # activate / put into service
        "範式", "正規化",  # paradigm / normalisation
        "註銷", "登出",  # cancel, deregister / log out, publish
        "呼出", "撥出",  # exhale / allocate (funds)
        "刷新", "重新整理",  # break (a record) / reorganise
        "獅子山",  # Sierra Leone (TW), but Lion Rock in Hong Kong usage
        "查德",  # Chad (TW), but also the tail of 理查德 (Richard)
    }
)

_T2S = opencc.OpenCC("t2s")


def fold(term: str) -> str:
    """Fold a CJK-only term the way the engine does (t2s; case/width are moot for ideographs)."""
    return _T2S.convert(term)


def is_cjk_ideograph(ch: str) -> bool:
    """True for CJK unified / extension / compatibility ideographs (and 〇)."""
    cp = ord(ch)
    return (
        0x4E00 <= cp <= 0x9FFF  # CJK Unified Ideographs
        or 0x3400 <= cp <= 0x4DBF  # Extension A
        or 0x20000 <= cp <= 0x323AF  # Extensions B-H
        or 0xF900 <= cp <= 0xFAFF  # Compatibility Ideographs
        or 0x2F800 <= cp <= 0x2FA1F  # Compatibility Ideographs Supplement
        or cp == 0x3007  # 〇
    )


def is_cjk_term(term: str) -> bool:
    return bool(term) and all(is_cjk_ideograph(ch) for ch in term)


@dataclass(frozen=True)
class Entry:
    """One dictionary line: ``key<TAB>values``."""

    source: str  # dictionary name without extension, e.g. "TWPhrases"
    line_no: int
    members: tuple[str, ...]  # key first, then values (raw spelling)

    @property
    def order_key(self) -> tuple[bool, str, int]:
        # Forward dictionaries (key = mainland term) first, then *Rev.
        return ("Rev" in self.source, self.source, self.line_no)


@dataclass
class Group:
    folded: frozenset[str]
    entries: list[Entry] = field(default_factory=list)

    def members(self) -> list[str]:
        """Raw spellings, one per folded form, display name first."""
        out: list[str] = []
        seen: set[str] = set()
        for entry in sorted(self.entries, key=lambda e: e.order_key):
            for m in entry.members:
                f = fold(m)
                if f in self.folded and f not in seen:
                    seen.add(f)
                    out.append(m)
        return out

    def sources(self) -> list[str]:
        return sorted({e.source for e in self.entries})


def find_dictionaries(share: Path) -> list[Path]:
    files = [p for p in share.glob("*.ocd2") if p.name.startswith(DICT_PREFIXES)]
    if not files:
        raise SystemExit(f"no HK*/TW* .ocd2 dictionaries found in {share}")
    return sorted(files, key=lambda p: p.name)


def dump_ocd2(path: Path, workdir: Path) -> list[str]:
    """Convert one .ocd2 file to text with the wheel's opencc_dict and return its lines."""
    out = workdir / (path.stem + ".txt")
    env = dict(os.environ)
    lib_dirs = [str(d) for d in (OPENCC_DIR / "clib" / "lib64", OPENCC_DIR / "clib" / "lib") if d.is_dir()]
    if lib_dirs:
        env["LD_LIBRARY_PATH"] = os.pathsep.join(lib_dirs + [env.get("LD_LIBRARY_PATH", "")]).rstrip(os.pathsep)
    subprocess.run(
        [str(OPENCC_DICT_BIN), "-i", str(path), "-o", str(out), "-f", "ocd2", "-t", "text"],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    return out.read_text(encoding="utf-8").splitlines()


def parse_dump(name: str, lines: list[str]) -> list[Entry]:
    entries: list[Entry] = []
    for i, line in enumerate(lines, 1):
        if not line.strip():
            continue
        key, _, values = line.partition("\t")
        members: list[str] = []
        for m in [key.strip(), *values.split()]:
            if m and m not in members:
                members.append(m)
        entries.append(Entry(name, i, tuple(members)))
    return entries


def read_variant_file(path: Path) -> list[list[str]]:
    """Parse a variant table in the engine's format (one group per line, '#' comments)."""
    groups: list[list[str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        body = line.split("#", 1)[0].strip()
        if body:
            groups.append(body.split())
    return groups


def clean_entry(entry: Entry, common_words: frozenset[str]) -> tuple[frozenset[str] | None, str | None]:
    """Apply steps 1-4 to one entry: return (folded members, None) or (None, reason)."""
    cjk = [m for m in entry.members if is_cjk_term(m)]
    if len(set(cjk)) < 2:
        return None, "non_cjk"
    if len({fold(m) for m in cjk}) < 2:
        return None, "collapsed"
    multi = {fold(m) for m in cjk if len(m) > 1}
    if len(multi) < 2:
        return None, "single_char"
    if common_words and multi & common_words:
        return None, "common_word"
    return frozenset(multi), None


def components(groups: list[Group]) -> list[list[Group]]:
    """Connected components of groups linked by a shared folded member (union-find)."""
    parent = list(range(len(groups)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, g in enumerate(groups):
        for m in sorted(g.folded):
            if m in owner:
                parent[find(i)] = find(owner[m])
            else:
                owner[m] = i
    comps: dict[int, list[Group]] = collections.defaultdict(list)
    for i, g in enumerate(groups):
        comps[find(i)].append(g)
    return list(comps.values())


def build(
    dicts: list[Path], names_path: Path | None, verbose: bool, keep_common_words: bool = False
) -> tuple[list[Group], dict[str, int], int]:
    common_words = frozenset() if keep_common_words else frozenset(fold(w) for w in COMMON_WORDS)
    entries: list[Entry] = []
    with tempfile.TemporaryDirectory(prefix="opencc_dump_") as tmp:
        for path in dicts:
            entries.extend(parse_dump(path.stem, dump_ocd2(path, Path(tmp))))

    dropped: collections.Counter[str] = collections.Counter()
    by_folded: dict[frozenset[str], Group] = {}
    for entry in entries:
        folded, reason = clean_entry(entry, common_words)
        if folded is None:
            assert reason is not None
            dropped[reason] += 1
            continue
        if folded in by_folded:
            dropped["duplicate"] += 1
            by_folded[folded].entries.append(entry)
        else:
            by_folded[folded] = Group(folded, [entry])

    ordered = sorted(by_folded.values(), key=lambda g: sorted(g.folded))
    kept: list[Group] = []
    for comp in components(ordered):
        if len(comp) == 1:
            kept.append(comp[0])
            continue
        dropped["ambiguous"] += sum(len(g.entries) for g in comp)
        if verbose:
            shown = " | ".join(" ".join(g.members()) for g in sorted(comp, key=lambda g: sorted(g.folded)))
            print(f"ambiguous: {shown}", file=sys.stderr)

    if names_path is not None and names_path.exists():
        curated = {fold(m) for grp in read_variant_file(names_path) for m in grp}
        remaining: list[Group] = []
        for g in kept:
            if g.folded & curated:
                dropped["in_names"] += len(g.entries)
                if verbose:
                    print(f"in_names: {' '.join(g.members())}", file=sys.stderr)
            else:
                remaining.append(g)
        kept = remaining
    elif names_path is not None:
        print(f"warning: names table {names_path} not found; overlap check skipped", file=sys.stderr)

    kept.sort(key=lambda g: (fold(g.members()[0]), g.members()))
    return kept, dict(dropped), len(entries)


def render(groups: list[Group], dicts: list[Path], names_path: Path | None) -> str:
    lines = [
        "# Regional vocabulary variant groups (Taiwan / Hong Kong / mainland), one group per line.",
        "# GENERATED by scripts/build_variant_table.py -- do not edit by hand; re-run the script instead.",
        f"# Source: OpenCC {opencc.__version__} (python package `opencc`), dictionaries read:",
        "#   " + ", ".join(p.name for p in dicts),
        "# Cleaning: CJK-only members, t2s-folded duplicates removed, no single-character members,",
        "#   everyday-word pairs (COMMON_WORDS in the script) and ambiguous (member-sharing) groups dropped"
        + (f", groups overlapping {names_path.name} dropped." if names_path is not None else "."),
        "# Trailing comment on each line: the OpenCC dictionaries the group came from.",
        f"# Groups: {len(groups)}",
        "",
    ]
    for g in groups:
        lines.append(f"{' '.join(g.members())}  # {','.join(g.sources())}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT, help="output file (default: %(default)s)")
    ap.add_argument(
        "--names",
        type=Path,
        default=DEFAULT_NAMES,
        help="curated names table whose members take precedence (default: %(default)s)",
    )
    ap.add_argument("--no-names", action="store_true", help="do not check overlap with the names table")
    ap.add_argument(
        "--keep-common-words", action="store_true", help="do not drop entries containing COMMON_WORDS"
    )
    ap.add_argument("-v", "--verbose", action="store_true", help="list dropped ambiguous/overlapping groups")
    args = ap.parse_args(argv)

    if not OPENCC_DICT_BIN.exists():
        raise SystemExit(f"opencc_dict not found at {OPENCC_DICT_BIN}")
    dicts = find_dictionaries(OPENCC_SHARE)
    names_path = None if args.no_names else args.names

    groups, dropped, n_read = build(dicts, names_path, args.verbose, args.keep_common_words)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(groups, dicts, names_path), encoding="utf-8")

    print(f"OpenCC {opencc.__version__}: read {n_read} entries from {len(dicts)} dictionaries", file=sys.stderr)
    for name in REASONS:
        print(f"  dropped {name:12s} {dropped.get(name, 0):6d}", file=sys.stderr)
    print(f"  kept groups         {len(groups):6d}  -> {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
