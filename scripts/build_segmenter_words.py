"""Write ``searcher/data/segmenter_words.txt``: jieba's dictionary (the one rjieba embeds)
sorted by UTF-8 bytes, so a query can look up the few words it may contain without loading
the dictionary (see ``searcher.segmenter_words``).

    python3 scripts/build_segmenter_words.py

The first line is ``#total N``, the sum of the frequencies; then ``word frequency`` lines.
"""

from __future__ import annotations

import os
from pathlib import Path

import jieba

OUT = Path(__file__).resolve().parent.parent / "searcher" / "data" / "segmenter_words.txt"


def main() -> None:
    source = Path(os.path.dirname(jieba.__file__)) / "dict.txt"
    frequencies: dict[str, int] = {}
    for line in source.read_text(encoding="utf-8").splitlines():
        word, freq = line.split()[:2]
        frequencies[word] = int(freq)  # a repeated word: the last line wins, as in jieba-rs
    lines = sorted(f"{word} {freq}" for word, freq in frequencies.items())
    lines.sort(key=lambda line: line.split(" ")[0].encode("utf-8"))
    OUT.write_text(f"#total {sum(frequencies.values())}\n" + "\n".join(lines) + "\n",
                   encoding="utf-8")
    print(f"{OUT}: {len(lines)} words")


if __name__ == "__main__":
    main()
