#!/usr/bin/env python3
"""Build ``searcher/data/orthography.txt`` and ``searcher/data/variants_regional.txt`` from
OpenCC's regional dictionaries and MediaWiki's Chinese conversion tables.

What it reads
-------------
* The Taiwan / Hong Kong dictionaries inside the installed ``opencc`` wheel
  (``opencc/clib/share/opencc/{HK,TW}*.ocd2``: HKPhrases, HKPhrasesRev, HKVariants,
  HKVariantsRev, HKVariantsPhrases, HKVariantsRevPhrases, TWPhrases, TWPhrasesRev, TWVariants,
  TWVariantsRev, TWVariantsPhrases, TWVariantsRevPhrases), dumped to text with the converter
  shipped in the same wheel (``opencc_dict -f ocd2 -t text``). OpenCC: Apache License 2.0.
* With ``--mediawiki DIR`` (the vocabulary only; OpenCC's HKPhrases has 82 entries, most of
  them film directors, so Hong Kong's everyday words come from here): MediaWiki's conversion
  tables, ``DIR/ZhConversion.php`` (``includes/languages/data/ZhConversion.php``: its
  ``ZH_TO_HK``, ``ZH_TO_TW`` and ``ZH_TO_CN`` tables; GNU GPL 2.0 or later), and the Chinese
  Wikipedia's common conversion groups, ``DIR/cgroups/NAME.json`` for each name in
  ``CGROUPS`` (the ``Module:CGroup/NAME`` pages, one rule a line, e.g.
  ``zh-cn:短信; zh-tw:簡訊; zh-hk:短訊;``; text of Wikipedia, CC BY-SA 4.0). Of both, only
  the rules that hold a term of ``VOCABULARY_SELECTION`` (Hong Kong's everyday words, picked
  by hand: read whole, these context-free tables would fold 通过 with 透過). Both as kept in
  the ``data/`` folder of the public repository Gowee/zhconv-rs (which pulls them from
  MediaWiki and Wikipedia), e.g. ``git archive HEAD data | tar -x``. Only the mainland,
  Hong Kong, Macau, Taiwan and script-generic forms of a rule are read (``zh-cn``,
  ``zh-hans``, ``zh-hk``, ``zh-mo``, ``zh-tw``, ``zh-hant``, ``zh``, and the text a
  one-way rule ``A=>zh-cn:B`` converts); Singapore and Malaysia forms are not (their
  简讯 "a text message" is the mainland's 简讯 "a news brief"). Nothing is retyped.

1. The orthography rules (``orthography.txt``, read by ``searcher/analysis/fold.py``)
-----------------------------------------------------------------------------------
From HKVariantsRev and TWVariantsRev (a variant character → its standard form), the
one-character pairs of HKPhrases and TWPhrases (chemical elements: Taiwan's 矽 is the
mainland's 硅) and the variant phrase tables (the phrases where a character folds otherwise:
Taiwan's 著 is 着 except in 著作, 顯著 …). Each rule is written over ``t2s`` output, the text the engine applies it to:
key ``t2s(variant)``, value ``t2s(standard)``. Dropped, each counted:

* ``no_change``  -- ``t2s`` already folds the two alike (綫 and 線 are both 线).
* ``clash``      -- the key is also the Simplified form of another character, so the rule
                    would misfire on mainland text (TWVariantsRev's 么 → 幺: mainland 么 is
                    麼, as in 什么).
* ``conflict``   -- a second rule for a key already ruled (the first, HK before TW, wins).
* ``no_effect``  -- a phrase whose characters all fold as they would alone.

2. The regional vocabulary (``variants_regional.txt``)
---------------------------------------------------
Every dictionary line ``key<TAB>value1 value2 ...`` is a candidate group. Members are folded
with the engine's own ``fold`` (after step 1 is written, so orthographic variants count as
one spelling). Cleaning, in this order (each dropped entry counted under one reason):

1. ``non_cjk``      -- members that are not purely CJK ideographs are removed; an entry left
                       with fewer than two members is dropped.
2. ``collapsed``    -- all members fold to one string: the folding already unifies them.
3. ``single_char``  -- one-character members are removed (character variants are the
                       folding's job; a one-character term would fold unrelated text).
4. ``false_friend`` -- members listed in ``searcher/data/false_friends.txt`` are removed:
                       a word whose everyday meaning differs from its partners' (mainland
                       程序 program, Taiwan 程序 procedure; 文件 document / 檔案 file …); an
                       entry left with fewer than two members is dropped (a Wikipedia rule
                       数字 / 數位 / 數碼 keeps 數位 數碼, digital, without 数字, a number).
                       Each line there says why; the counts per word are printed.
5. ``duplicate``    -- entries with the same folded members as an earlier one (the ``*Rev``
                       dictionaries mirror the forward ones; TW and HK often agree) join it.
6. ``in_names``     -- entries sharing a folded member with the hand-curated names table
                       (``searcher/data/variants_names.txt``, ``--names``) are dropped, so no
                       folded member is in two groups across the two files; the names win.
7. merging          -- what is left is merged: entries that share a folded member form one
                       group (出租车 → 計程車 from TWPhrases and 出租车 → 的士 from HKPhrases
                       make 出租车 的士 計程車). The false friends are what keeps such chains
                       from joining unrelated meanings. Groups of more than two entries are
                       listed with ``--verbose``.

A group's display name is the first member of its earliest entry: OpenCC's before MediaWiki's
before Wikipedia's; within OpenCC, forward dictionaries (key = mainland term) before ``*Rev``
ones; then file name, then line number (a Wikipedia rule lists its mainland form first, then
Hong Kong's, then Taiwan's); one spelling is kept
per folded form. Groups are written sorted by their folded display name, so re-running on the
same OpenCC version gives byte-identical files. Each line carries a trailing comment naming
the dictionaries the group came from. Counts go to stderr.

How to run
----------
From the repository root (re-run whenever ``variants_names.txt`` or
``false_friends.txt`` changes, so the tables stay disjoint)::

    python3 scripts/build_variant_table.py --mediawiki DIR   # writes both tables
    python3 scripts/build_variant_table.py --mediawiki DIR --verbose  # also lists merged groups

The shipped table was built with ``DIR`` = the ``data/`` folder of Gowee/zhconv-rs at commit
b13469d7c247c5ef87a83bcdf1d7d892f09e66da (2026-07-31). Without ``--mediawiki`` the table is
OpenCC's alone.

Requires the installed ``searcher`` package (for its ``fold``) and ``opencc``.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import opencc

from searcher.analysis import fold as folding
from searcher.analysis.variants import parse_groups

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA = REPO_ROOT / "searcher" / "data"
DEFAULT_OUTPUT = DATA / "variants_regional.txt"
DEFAULT_ORTHOGRAPHY = DATA / folding.ORTHOGRAPHY_FILE
DEFAULT_NAMES = DATA / "variants_names.txt"
DEFAULT_FALSE_FRIENDS = DATA / "false_friends.txt"

OPENCC_DIR = Path(opencc.__file__).resolve().parent
OPENCC_SHARE = OPENCC_DIR / "clib" / "share" / "opencc"
OPENCC_DICT_BIN = OPENCC_DIR / "clib" / "bin" / "opencc_dict"

# Regional dictionaries (Taiwan and Hong Kong, both directions).
DICT_PREFIXES: tuple[str, ...] = ("HK", "TW")
# The orthography's sources, Hong Kong first (its rules win a conflict): character tables,
# then the phrase tables that override them.
ORTHOGRAPHY_CHARS: tuple[str, ...] = ("HKVariantsRev", "TWVariantsRev")
ORTHOGRAPHY_PHRASES: tuple[str, ...] = ("HKVariantsRevPhrases", "TWVariantsRevPhrases")
# Vocabulary tables whose one-character pairs are characters too: the chemical elements
# (硅 / 矽 silicon, 钚 / 鈽 plutonium), folded regional form → mainland form.
ORTHOGRAPHY_WORDS: tuple[str, ...] = ("HKPhrases", "TWPhrases")

# MediaWiki's regional tables in ZhConversion.php (key: any script; value: the region's form).
MEDIAWIKI_TABLES: tuple[str, ...] = ("ZH_TO_HK", "ZH_TO_TW", "ZH_TO_CN")
# Wikipedia's conversion groups searched for the selected terms: the everyday vocabulary of
# news and commentary. Fiction, games, films and sport are left out: their rules are titles and
# characters' names (小巴 is a Pixar character there), which collide with ordinary words.
CGROUPS: tuple[str, ...] = (
    "Communication", "Economics", "Food", "IT", "LuaIT", "Medicine", "Organization",
    "Telcom", "Transport")
# MediaWiki's and Wikipedia's tables are context-free converters full of words that differ
# by region only in one field (IT's 实现 / 實作 "implement", 关系 / 關聯 "relational"): read
# whole, they would fold 通过 with 透過 and 机构 with 機關. So, as for the names
# (build_names_table.py), only the rules holding a selected term are taken: Hong Kong's
# everyday words, each with its English meaning and the spellings of its rules to leave out
# (false friends of one rule only; those of every rule are in false_friends.txt). Every other
# spelling of those rules joins the term's group.
VOCABULARY_SELECTION: list[tuple[str, str, tuple[str, ...]]] = [
    ("的士", "taxi", ()),
    ("單車", "bicycle", ("自由車", "腳車")),
    ("電單車", "motorcycle", ("摩哆車",)),
    ("私家車", "private car", ("社會車輛",)),
    ("行人路", "pavement", ()),
    ("交通燈", "traffic light", ()),
    ("貨櫃", "shipping container", ("裝集箱",)),
    ("公共巴士", "public bus", ("公交",)),
    ("數碼", "digital", ()),
    ("短訊", "text message", ()),
    ("軟件", "software", ()),
    ("硬件", "hardware", ()),
    ("網絡", "network", ()),
    ("互聯網", "the Internet", ()),
    ("電郵", "e-mail", ()),
    ("伺服器", "server", ()),
    ("打印機", "printer", ()),
    ("光碟", "optical disc", ()),
    ("手提電話", "mobile phone", ()),
    ("流動電話", "mobile phone", ()),
    ("智能手機", "smartphone", ()),
    ("應用程式", "application", ()),
    ("視像", "video", ()),
    ("上載", "upload", ()),
    ("晶片", "chip", ("晶元",)),
    ("屏幕", "screen", ()),
    ("社交媒體", "social media", ()),
    ("社交網站", "social network site", ()),
    ("用戶", "user", ()),
    ("連結", "link", ("聯結",)),
    ("博客", "blog", ()),
    ("質素", "quality", ()),
    ("私隱", "privacy", ()),
    ("幼稚園", "kindergarten", ()),
    ("通脹", "inflation", ()),
    ("行政總裁", "chief executive officer", ()),
    ("外判", "outsourcing", ()),
    ("便利店", "convenience store", ()),
    ("雪櫃", "refrigerator", ()),
    ("升降機", "lift", ("直梯",)),
    ("膠袋", "plastic bag", ()),
    ("士多啤梨", "strawberry", ()),
    ("三文魚", "salmon", ()),
    ("車厘子", "cherry", ()),
    ("雪糕", "ice cream", ()),
    ("朱古力", "chocolate", ()),
    ("芝士", "cheese", ("起司",)),
    ("菠蘿", "pineapple", ("黃梨",)),
    ("牛油果", "avocado", ()),
    ("番茄", "tomato", ()),
    ("粟米", "maize", ()),
]
# The variants of a Wikipedia rule that are read, in the order a group lists them.
CGROUP_VARIANTS: tuple[str, ...] = ("zh-cn", "zh-hans", "zh-hk", "zh-mo", "zh-tw", "zh-hant", "zh")
ORIGINS: tuple[str, ...] = ("OpenCC", "ZhConversion", "CGroup")

REASONS: tuple[str, ...] = (
    "non_cjk", "collapsed", "single_char", "false_friend", "duplicate", "in_names")
ORTHOGRAPHY_REASONS: tuple[str, ...] = ("no_change", "clash", "conflict", "no_effect")

_T2S = opencc.OpenCC("t2s")
_CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x323AF))


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
    members: tuple[str, ...]  # key first, then values (raw spelling), no repeats
    value: str  # the first value, what OpenCC converts the key to (may equal the key)

    @property
    def origin(self) -> str:
        """``OpenCC``, ``ZhConversion`` or ``CGroup`` (sources are named ``ORIGIN:NAME``
        except OpenCC's dictionaries)."""
        return self.source.split(":", 1)[0] if ":" in self.source else "OpenCC"

    @property
    def order_key(self) -> tuple[int, bool, str, int]:
        # OpenCC, then MediaWiki, then Wikipedia; forward dictionaries (key = mainland term)
        # before *Rev.
        return (ORIGINS.index(self.origin), "Rev" in self.source, self.source, self.line_no)


@dataclass
class Group:
    folded: set[str]
    entries: list[Entry] = field(default_factory=list)
    pieces: int = 1  # distinct entry groups merged into this one

    def members(self) -> list[str]:
        """Raw spellings, one per folded form, display name first."""
        out: list[str] = []
        seen: set[str] = set()
        for entry in sorted(self.entries, key=lambda e: e.order_key):
            for m in entry.members:
                f = folding.fold(m)
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
        entries.append(Entry(name, i, tuple(members), (values.split() or [key.strip()])[0]))
    return entries


def read_dictionaries(dicts: list[Path]) -> list[Entry]:
    entries: list[Entry] = []
    with tempfile.TemporaryDirectory(prefix="opencc_dump_") as tmp:
        for path in dicts:
            entries.extend(parse_dump(path.stem, dump_ocd2(path, Path(tmp))))
    return entries


def read_zhconversion(path: Path) -> list[Entry]:
    """MediaWiki's regional tables: ``'key' => 'value'`` pairs of ``MEDIAWIKI_TABLES``."""
    text = path.read_text(encoding="utf-8")
    entries: list[Entry] = []
    for name in MEDIAWIKI_TABLES:
        body = re.search(rf"const {name} = \[(.*?)\n\t\];", text, re.S)
        if body is None:
            raise SystemExit(f"{path}: no table {name}")
        pairs = re.findall(r"'((?:[^'\\]|\\.)*)' => '((?:[^'\\]|\\.)*)'", body.group(1))
        for i, (key, value) in enumerate(pairs, 1):
            entries.append(Entry(f"ZhConversion:{name}", i, tuple(dict.fromkeys((key, value))), value))
    return entries


def parse_cgroup_rule(conv: str) -> list[str]:
    """The spellings of one Wikipedia conversion rule that are read (``CGROUP_VARIANTS``, in
    that order, then the texts that one-way rules convert), each once."""
    by_variant: dict[str, list[str]] = collections.defaultdict(list)
    sources: list[str] = []
    for part in conv.split(";"):
        source, arrow, rule = part.rpartition("=>")
        variant, colon, spelling = rule.partition(":")
        variant = variant.strip().lower()
        if not colon or variant not in CGROUP_VARIANTS:
            continue
        by_variant[variant].append(spelling.strip())
        if arrow:
            sources.append(source.strip())
    spellings = [s for v in CGROUP_VARIANTS for s in by_variant[v]] + sources
    return list(dict.fromkeys(s for s in spellings if s))


def read_cgroups(folder: Path) -> list[Entry]:
    """The rules of each of ``CGROUPS`` in ``folder`` (``NAME.json``, as zhconv-rs keeps them)."""
    entries: list[Entry] = []
    for name in CGROUPS:
        path = folder / f"{name}.json"
        if not path.exists():
            raise SystemExit(f"no conversion group {path}")
        for i, rule in enumerate(json.loads(path.read_text(encoding="utf-8"))["rules"], 1):
            members = parse_cgroup_rule(rule.get("conv", ""))
            if len(members) >= 2:
                entries.append(Entry(f"CGroup:{name}", i, tuple(members), members[1]))
    return entries


def select_vocabulary(pool: list[Entry]) -> list[Entry]:
    """The entries of ``pool`` that hold a term of ``VOCABULARY_SELECTION``, less that term's
    spellings to leave out; a term no entry holds is an error (a source changed)."""
    holding: dict[str, list[Entry]] = collections.defaultdict(list)
    for entry in pool:
        for member in {folding.fold(m) for m in entry.members}:
            holding[member].append(entry)
    selected: list[Entry] = []
    for term, meaning, leave_out in VOCABULARY_SELECTION:
        found = holding.get(folding.fold(term))
        if not found:
            raise SystemExit(f"no MediaWiki or Wikipedia rule holds {term} ({meaning})")
        dropped = {folding.fold(m) for m in leave_out}
        for entry in found:
            kept = tuple(m for m in entry.members if folding.fold(m) not in dropped)
            selected.append(Entry(entry.source, entry.line_no, kept, entry.value))
    return selected


def read_false_friends(path: Path) -> list[tuple[list[str], str]]:
    """The false-friend lines: (folded words, the reason given)."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        body, _, reason = line.partition("#")
        if body.strip():
            lines.append(([folding.fold(word) for word in body.split()], reason.strip()))
    return lines


# -- 1. orthography ---------------------------------------------------------------------

def simplified_images() -> dict[str, set[str]]:
    """Simplified character → the characters ``t2s`` folds to it (itself included; compatibility
    ideographs too, which are the same character: the clash test normalises them away)."""
    images: dict[str, set[str]] = collections.defaultdict(set)
    for lo, hi in _CJK_RANGES:
        for code in range(lo, hi + 1):
            char = chr(code)
            folded = _T2S.convert(char)
            if len(folded) == 1:
                images[folded].add(char)
    return images


def build_orthography(entries: list[Entry]) -> tuple[list[tuple[str, str, str]], dict[str, int]]:
    """Rules ``(key, value, source)`` over ``t2s`` output: characters, then phrases."""
    dropped: collections.Counter[str] = collections.Counter()
    images = simplified_images()
    chars: dict[str, tuple[str, str]] = {}
    pairs = [(name, e.members[0], e.value) for name in ORTHOGRAPHY_CHARS
             for e in entries if e.source == name]
    pairs += [(name, e.value, e.members[0]) for name in ORTHOGRAPHY_WORDS
              for e in entries if e.source == name and len(e.members[0]) == len(e.value) == 1]
    for name, variant, standard in pairs:
        key, value = _T2S.convert(variant), _T2S.convert(standard)
        if len(key) != 1 or len(value) != 1 or key == value:
            dropped["no_change"] += 1
        elif {c for c in images[key] if unicodedata.normalize("NFC", c) not in (variant, key)}:
            dropped["clash"] += 1
        elif key in chars:
            dropped["conflict"] += chars[key][0] != value
        else:
            chars[key] = (value, name)
    phrases: dict[str, tuple[str, str]] = {}
    for name in ORTHOGRAPHY_PHRASES:
        for entry in (e for e in entries if e.source == name):
            key, value = _T2S.convert(entry.members[0]), _T2S.convert(entry.value)
            effect = len(key) == len(value) and any(
                v != chars.get(k, (k,))[0] for k, v in zip(key, value))
            if not effect:
                dropped["no_effect"] += 1
            elif key in phrases:
                dropped["conflict"] += phrases[key][0] != value
            else:
                phrases[key] = (value, name)
    rules = [(k, v, src) for k, (v, src) in sorted(chars.items())]
    rules += [(k, v, src) for k, (v, src) in sorted(phrases.items(), key=lambda kv: (len(kv[0]), kv[0]))]
    return rules, dict(dropped)


def render_orthography(rules: list[tuple[str, str, str]]) -> str:
    lines = [
        "# Orthographic folding: Hong Kong and Taiwan variant characters to their standard forms' fold.",
        "# GENERATED by scripts/build_variant_table.py -- do not edit by hand; re-run the script instead.",
        f"# Source: OpenCC {opencc.__version__} (python package `opencc`): "
        + ", ".join(f"{n}.ocd2" for n in ORTHOGRAPHY_CHARS + ORTHOGRAPHY_PHRASES)
        + ", and the one-character pairs of " + ", ".join(f"{n}.ocd2" for n in ORTHOGRAPHY_WORDS) + ".",
        "# `KEY VALUE`, both as OpenCC t2s folds them and of one length, applied to t2s output by",
        "# searcher/analysis/fold.py: a one-character KEY is that character's fold wherever no phrase",
        "# says otherwise; a longer KEY is a phrase in which its characters fold to VALUE's (longest wins).",
        f"# Rules: {len(rules)}",
        "",
    ]
    lines += [f"{key} {value}  # {source}" for key, value, source in rules]
    return "\n".join(lines) + "\n"


# -- 2. vocabulary ----------------------------------------------------------------------

def clean_entry(entry: Entry, false_friends: dict[str, str]) -> tuple[set[str] | None, str]:
    """Steps 1-4 for one entry: (folded members, "") or (None, reason)."""
    cjk = [m for m in entry.members if is_cjk_term(m)]
    if len(set(cjk)) < 2:
        return None, "non_cjk"
    if len({folding.fold(m) for m in cjk}) < 2:
        return None, "collapsed"
    multi = {folding.fold(m) for m in cjk if len(m) > 1}
    if len(multi) < 2:
        return None, "single_char"
    multi -= false_friends.keys()
    if len(multi) < 2:
        return None, "false_friend"
    return multi, ""


def merge(groups: list[Group]) -> list[Group]:
    """Groups that share a folded member, merged (union-find), in their first group's order."""
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
    merged: dict[int, Group] = {}
    for i, g in enumerate(groups):
        root = merged.get(find(i))
        if root is None:
            merged[find(i)] = Group(set(g.folded), list(g.entries))
        else:
            root.folded |= g.folded
            root.entries += g.entries
            root.pieces += 1
    return list(merged.values())


@dataclass
class Report:
    read: int = 0
    dropped: collections.Counter = field(default_factory=collections.Counter)
    by_false_friend: collections.Counter = field(default_factory=collections.Counter)
    merged: list[Group] = field(default_factory=list)  # groups made of more than one entry group
    pieces: int = 0  # entry groups that went into them


def build_vocabulary(entries: list[Entry], names_path: Path | None,
                     false_friends: dict[str, str]) -> tuple[list[Group], Report]:
    report = Report(read=len(entries))
    curated: set[str] = set()
    if names_path is not None and names_path.exists():
        curated = {folding.fold(m) for g in parse_groups(names_path.read_text(encoding="utf-8"))
                   for m in g}
    elif names_path is not None:
        print(f"warning: names table {names_path} not found; overlap check skipped", file=sys.stderr)
    by_folded: dict[frozenset[str], Group] = {}
    for entry in entries:
        folded, reason = clean_entry(entry, false_friends)
        for word in {folding.fold(m) for m in entry.members} & false_friends.keys():
            if reason in ("", "false_friend"):
                report.by_false_friend[word] += 1
        if folded is None:
            report.dropped[reason] += 1
            continue
        if folded & curated:
            report.dropped["in_names"] += 1
            continue
        key = frozenset(folded)
        if key in by_folded:
            report.dropped["duplicate"] += 1
            by_folded[key].entries.append(entry)
        else:
            by_folded[key] = Group(set(folded), [entry])
    pieces = sorted(by_folded.values(), key=lambda g: sorted(g.folded))
    groups = merge(pieces)
    report.merged = [g for g in groups if g.pieces > 1]
    report.pieces = sum(g.pieces for g in report.merged)
    groups.sort(key=lambda g: (folding.fold(g.members()[0]), g.members()))
    return groups, report


def render(groups: list[Group], dicts: list[Path], names_path: Path | None,
           mediawiki: Path | None) -> str:
    lines = [
        "# Regional vocabulary variant groups (Taiwan / Hong Kong / mainland), one group per line.",
        "# GENERATED by scripts/build_variant_table.py -- do not edit by hand; re-run the script instead.",
        f"# Source: OpenCC {opencc.__version__} (python package `opencc`; Apache-2.0), dictionaries read:",
        "#   " + ", ".join(p.name for p in dicts),
    ]
    if mediawiki is not None:
        lines += [
            "# and MediaWiki's ZhConversion.php (" + ", ".join(MEDIAWIKI_TABLES) + "; GPL-2.0-or-later) and",
            "#   the Chinese Wikipedia's conversion groups (Module:CGroup/NAME; CC BY-SA 4.0) for NAME in:",
            "#   " + ", ".join(CGROUPS) + ";",
            "#   only their rules holding a term of the script's VOCABULARY_SELECTION (Hong Kong's words),",
            "#   as kept in the data/ folder of github.com/Gowee/zhconv-rs (see the script's docstring).",
        ]
    lines += [
        "# Cleaning: CJK-only members, folded duplicates removed, no single-character members, false",
        "#   friends (false_friends.txt) removed"
        + (f", entries overlapping {names_path.name} dropped" if names_path is not None else "")
        + "; entries sharing a member merged.",
        "# Trailing comment on each line: the sources the group came from (ZhConversion:TABLE,",
        "#   CGroup:NAME, or an OpenCC dictionary).",
        f"# Groups: {len(groups)}",
        "",
    ]
    for g in groups:
        lines.append(f"{' '.join(g.members())}  # {','.join(g.sources())}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT, help="vocabulary table (default: %(default)s)")
    ap.add_argument("--orthography", type=Path, default=DEFAULT_ORTHOGRAPHY,
                    help="orthography rules (default: %(default)s)")
    ap.add_argument("--names", type=Path, default=DEFAULT_NAMES,
                    help="curated names table whose members take precedence (default: %(default)s)")
    ap.add_argument("--no-names", action="store_true", help="do not check overlap with the names table")
    ap.add_argument("--false-friends", type=Path, default=DEFAULT_FALSE_FRIENDS,
                    help="words never folded with their OpenCC partners (default: %(default)s)")
    ap.add_argument("--mediawiki", type=Path, metavar="DIR",
                    help="folder holding ZhConversion.php and cgroups/*.json (zhconv-rs's data/)")
    ap.add_argument("-v", "--verbose", action="store_true", help="list merged groups")
    args = ap.parse_args(argv)

    if not OPENCC_DICT_BIN.exists():
        raise SystemExit(f"opencc_dict not found at {OPENCC_DICT_BIN}")
    dicts = find_dictionaries(OPENCC_SHARE)
    entries = read_dictionaries(dicts)

    rules, ortho_dropped = build_orthography(entries)
    args.orthography.write_text(render_orthography(rules), encoding="utf-8")
    print(f"OpenCC {opencc.__version__}: orthography: {len(rules)} rules -> {args.orthography}", file=sys.stderr)
    for name in ORTHOGRAPHY_REASONS:
        print(f"  dropped {name:12s} {ortho_dropped.get(name, 0):6d}", file=sys.stderr)
    if args.orthography.resolve() == DEFAULT_ORTHOGRAPHY.resolve():
        # The vocabulary is folded as the engine folds, with the rules just written.
        folding.orthography.cache_clear()
        folding.fold.cache_clear()

    names_path = None if args.no_names else args.names
    false_friend_lines = read_false_friends(args.false_friends)
    false_friends = {word: reason for words, reason in false_friend_lines for word in words}
    vocabulary = list(entries)
    if args.mediawiki is not None:
        vocabulary += select_vocabulary(read_zhconversion(args.mediawiki / "ZhConversion.php")
                                        + read_cgroups(args.mediawiki / "cgroups"))
    groups, report = build_vocabulary(vocabulary, names_path, false_friends)
    args.output.write_text(render(groups, dicts, names_path, args.mediawiki), encoding="utf-8")

    origins = collections.Counter(e.origin for e in vocabulary)
    print(f"vocabulary: read {report.read} entries (" + ", ".join(
        f"{origins[o]} {o}" for o in ORIGINS if origins[o]) + ")", file=sys.stderr)
    for name in REASONS:
        print(f"  dropped {name:12s} {report.dropped.get(name, 0):6d}", file=sys.stderr)
    print(f"  false friends: {len(false_friend_lines)} lines, {len(false_friends)} words "
          f"({len(report.by_false_friend)} of them in the sources); entries each word was removed from:", file=sys.stderr)
    for words, reason in false_friend_lines:
        counts = " ".join(f"{w} {report.by_false_friend.get(w, 0)}" for w in words)
        print(f"    {counts}: {reason}", file=sys.stderr)
    print(f"  merged: {report.pieces} groups sharing members became {len(report.merged)} groups", file=sys.stderr)
    if args.verbose:
        for g in report.merged:
            print(f"    merged: {' '.join(g.members())}", file=sys.stderr)
    print(f"  kept groups         {len(groups):6d}  -> {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
