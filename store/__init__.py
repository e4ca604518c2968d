"""Zarr v3 embedding store: one array per (model, task), plus each task's sequence table.

Layout (see :mod:`geneb.store.layout`)::

    emb.zarr/                           attrs: geneb store format, created, versions
      tasks/<task_id>/                  seq_hash, label, split, length   (sequence,)
      embeddings/<model_id>/<task_id>/  X (sequence, feature); per chunk: chunk_done,
                                        chunk_checksum, chunk_truncated (chunk,)

Local folders are written (crash-safe, per-(model, task) locks); packed ``.zip`` files and
URLs (``http(s)://``, ``s3://``) are read-only. Whole-store tools are in
:mod:`geneb.store.tools` (ls, info, verify, du, pack, merge).

This layer imports only :mod:`geneb.core`.
"""

from geneb.store.embedding_store import EmbeddingStore, EmbeddingWriter, TaskTable

__all__ = ["EmbeddingStore", "EmbeddingWriter", "TaskTable"]
