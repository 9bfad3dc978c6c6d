"""searcher's byte format for the large files of a segment: terms, postings, stored fields.

No backend here: plain bytes in, plain bytes out (``struct``, ``array``, ``zlib``, ``json``
and numpy), importable and testable without Whoosh. A backend stores these bytes in its
files (the Whoosh backend: ``engine.whoosh.codec``, behind Whoosh's codec API).
``docs/index-format.md`` gives every byte.

* ``records``: packed integer lists, sealed records (a header with a CRC32, deflated when that
  saves), bounded inflation, file headers, and ``FormatError``, which every check raises;
* ``postings``: one term's postings record, and the positions area after it;
* ``terms``: the terms file (blocks of terms and their statistics, a block index) and the
  postings file it points into, written and read a term at a time;
* ``stored``: one document's stored fields.

Nothing is a pickle, and every byte a search reads is checked: a damaged record or block
raises ``FormatError`` (a damaged index), never a wrong result. Nothing a file says is used
before it is bounded.
"""
