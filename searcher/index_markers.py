"""The names of the files that mark a folder as an index: the one place both the engine
(``engine.directory``, which writes them) and the corpus walk (``ingest.walk``, which never
enters such a folder) take them from."""

CURRENT = "CURRENT"  # names the live generation
LOCK = ".lock"  # held by the one writer
MARKERS = (CURRENT, LOCK)  # a folder holding either is an index folder
