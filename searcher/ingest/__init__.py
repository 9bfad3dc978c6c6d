"""Ingest: files in, ``Document``s out.

``walk`` finds corpus files under the paths a user gives; ``decoding`` turns bytes into text in
whatever encoding an archive uses; one module per format reads its files (``plain_text``,
``markdown``, ``html``, ``jsonl``; ``pdf``, ``docx`` and ``epub`` — EPUB and ODT — read bytes),
``metadata`` makes a ``Document`` from a body and what the
format supplied, and ``formats`` picks the reader by suffix and holds every document to the
same limits.

Imports only the leaves (``searcher.models``, ``searcher.dates``, ``searcher.errors``) and its
parsing libraries; nothing here knows about analysis or indexes.
"""
