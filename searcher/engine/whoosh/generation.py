"""The Whoosh backend (``WHOOSH``) and the generations it opens (``WhooshGeneration``), as
``engine.interface`` names them.

A generation is a Whoosh index in the generation's folder, stored by ``IndexStorage`` and
opened with a schema built around the live analysis chain (never the pickled one: readers and
writers get the chain, and Whoosh never unpickles analyzer classes from disk).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from searcher.analysis.chain import AnalysisChain
from searcher.engine.integrity import Damage
from searcher.engine.whoosh import claims, leftovers
from searcher.engine.whoosh.reader import GenerationReader
from searcher.engine.whoosh.schema import SCHEMA_VERSION, build_schema
from searcher.engine.whoosh.storage import IndexStorage

if TYPE_CHECKING:
    from searcher.engine.rollback import Snapshot
    from searcher.engine.whoosh.writers import DocumentWriter


class WhooshGeneration:
    """One open generation: a Whoosh index (``whoosh``: for this backend, and for the tests
    that compare searcher's results with Whoosh's own)."""

    def __init__(self, whoosh_index) -> None:
        self.whoosh = whoosh_index

    def reader(self) -> GenerationReader:
        return GenerationReader(self.whoosh.reader())

    def writer(self, procs: int, snapshot: Snapshot | None) -> DocumentWriter:
        from searcher.engine.whoosh.writers import DocumentWriter  # searches never load them

        return DocumentWriter(self.whoosh, procs, snapshot)

    def remove_leftovers(self) -> None:
        leftovers.remove_leftovers(self.whoosh)

    def verify_structure(self) -> list[Damage]:
        return claims.verify_structure(self.whoosh)


class WhooshBackend:
    """Generations stored as Whoosh 2.7.4 indexes written with searcher's codec."""

    name = "whoosh"
    schema_version = SCHEMA_VERSION

    def create(self, folder: Path, chain: AnalysisChain) -> WhooshGeneration:
        return WhooshGeneration(IndexStorage(str(folder)).create_index(build_schema(chain)))

    def open(self, folder: Path, chain: AnalysisChain) -> WhooshGeneration:
        return WhooshGeneration(IndexStorage(str(folder)).open_index(schema=build_schema(chain)))

    def is_damage(self, error: BaseException) -> bool:
        return claims.is_damage(error)


WHOOSH = WhooshBackend()
