"""The manifest: what each corpus file held when it was last indexed (``files.json`` in the
generation), so a run re-reads only files whose size, modification time or content changed
and deletes exactly the documents a file no longer holds, without reading anything stored.

    {"/abs/corpus/a.txt": {"size": 5120, "mtime_ns": …, "sha256": "…", "paths": ["a.txt"]}}
"""

from __future__ import annotations

import json
from pathlib import Path

from searcher.atomic_files import replace_file

MANIFEST = "files.json"


def read_manifest(generation: Path) -> dict:
    try:
        return json.loads((generation / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # every file will be read again, which is safe


def write_manifest(generation: Path, manifest: dict) -> None:
    replace_file(generation / MANIFEST, json.dumps(manifest))


def stat_entry(file: Path) -> dict:
    """A file's manifest entry as far as a ``stat`` tells."""
    stat = file.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def same_stat(previous: dict | None, entry: dict) -> bool:
    return bool(previous) and (previous["size"], previous["mtime_ns"]) == (entry["size"],
                                                                          entry["mtime_ns"])


def failed_entry(paths: list[str]) -> dict:
    """The entry of a file that could not be read this time: it keeps the documents it had,
    and a stat that matches no file makes the next run read it again."""
    return {"size": -1, "mtime_ns": -1, "paths": sorted(paths)}
