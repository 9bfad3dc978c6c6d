"""A sharded index, built and searched on a Dask cluster (``docs/cluster.md``, issue 31).

An index folder holds ``shard-00`` … ``shard-NN``, each an ordinary searcher index that
today's commands open, check and search on their own, and ``SHARDS`` (``layout``): how many
shards, and the generation of each that the sharded index is made of. ``placement`` puts a
corpus file in a shard by a stable hash of its path; ``build`` sends each shard's files to a
Dask worker that writes the shard's new generation with today's ``update_index``, then
publishes all shards' generations together or none; ``searching`` (``ShardedIndex``) asks
every shard (a ``shard_searcher`` actor holding it open) for its statistics first, has each
score with the collection's, and merges the best. ``connect`` reaches the cluster.

Imports ``searcher.indexing``, ``searcher.search``, ``searcher.engine`` and the leaves, and
``distributed`` (the ``cluster`` extra): nothing else in searcher imports this package, so
an install without Dask is unaffected.
"""
