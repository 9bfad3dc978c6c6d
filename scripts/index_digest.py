"""A digest of every file an index build writes, to show that a change to the engine's code
leaves the bytes on disk as they were (issue 28: the engine split into a core and a Whoosh
backend, no format change).

    python3 scripts/index_digest.py > before.txt      # on the old code
    python3 scripts/index_digest.py > after.txt       # on the new code
    diff before.txt after.txt && echo identical

It copies the bundled corpus to a fixed folder (``--work``, fixed file times), then builds an
index of it with one writer process; changes one file and adds one (an incremental run: a
second segment); changes two more (a third run: the first segment, now mostly deleted, is
merged into the new one); and prints after each run the SHA-256 of every file of the live
generation. Whoosh names segments at random: the ``random`` module is seeded before each run
(differently for each), so the names are the same every time; so is Python's string hashing
(``PYTHONHASHSEED``). What a build records of the clock is left out: ``created_at`` in
``searcher.json``, the generation's name (a time stamp and a pid), the modification times
``checksums.json`` records and the CRC32 it records of ``searcher.json`` (the other files'
sizes and CRC32s stay in).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from searcher.analysis.settings import AnalysisSettings  # noqa: E402
from searcher.engine.store import current_generation  # noqa: E402
from searcher.indexing.update import update_index  # noqa: E402

FILE_TIME = 1_700_000_000  # every corpus file's modification time, in seconds


def normalised(name: str, data: bytes, generation: str) -> bytes:
    """The file's bytes without what the clock (or the process id) put in them."""
    if name == "searcher.json":
        meta = json.loads(data)
        meta.pop("created_at", None)
        return json.dumps(meta, sort_keys=True).encode()
    if name == "checksums.json":
        record = json.loads(data)
        record.pop("crc32", None)  # of the entries below, modification times included
        record["generation"] = record["generation"] == generation
        for entry in record["files"].values():
            entry.pop("mtime_ns", None)
        record["files"].get("searcher.json", {}).pop("crc32", None)  # created_at's
        return json.dumps(record, sort_keys=True).encode()
    return data


def digest(index_dir: Path) -> list[str]:
    generation = current_generation(index_dir)
    lines = []
    for path in sorted(generation.iterdir()):
        data = normalised(path.name, path.read_bytes(), generation.name)
        lines.append(f"{hashlib.sha256(data).hexdigest()}  {len(data):>9}  {path.name}")
    return lines


def run(index_dir: Path, corpus: Path, label: str) -> None:
    random.seed(label)  # a seed of its own: a new segment never takes an old one's name
    report = update_index(index_dir, [corpus], AnalysisSettings.default(), procs=1)
    print(f"# {label}: added {report.added}, updated {report.updated}, "
          f"removed {report.removed}, unchanged {report.unchanged}")
    print("\n".join(digest(index_dir)))


def write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    os.utime(path, (FILE_TIME, FILE_TIME))


def main() -> None:
    if os.environ.get("PYTHONHASHSEED") != "0":
        # Whoosh copies a merged document's stored fields in the order of a set of names:
        # string hashes differ from one process to the next unless seeded.
        os.execve(sys.executable, [sys.executable, *sys.argv],
                  {**os.environ, "PYTHONHASHSEED": "0"})
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/searcher-index-digest"),
                        help="a folder to build in (emptied first; keep it the same for both)")
    args = parser.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    corpus, index_dir = args.work / "corpus", args.work / "index"
    corpus.mkdir(parents=True)
    originals = sorted((ROOT / "corpus").glob("*.txt"))
    for source in originals:
        write(corpus / source.name, source.read_text(encoding="utf-8"))
    run(index_dir, corpus, "build")
    first = corpus / originals[0].name
    write(first, first.read_text(encoding="utf-8") + "\n停火协议的后续谈判仍在进行。\n")
    write(corpus / "new.txt", "标题：补充\n\n俄罗斯与乌克兰的停火谈判，记者观察。\n")
    run(index_dir, corpus, "update")
    for source in originals[1:3]:
        changed = corpus / source.name
        write(changed, changed.read_text(encoding="utf-8") + "\n評論：停火之後的重建。\n")
    run(index_dir, corpus, "second update")


if __name__ == "__main__":
    main()
