"""Zarr v3 embedding store: one array per (model, task), plus each task's sequence table.

Layout (see :mod:`geneb.store.layout`)::

    emb.zarr/                           attrs: geneb store format, created, versions
      tasks/<task_id>/                  seq_hash, label, split, length   (sequence,)
      embeddings/<model_id>/<task_id>/  X (sequence, feature); per chunk: chunk_done,
                                        chunk_checksum, chunk_truncated (chunk,)

Local folders are written (crash-safe, per-(model, task) locks); packed ``.zip`` files and
URLs (``http(s)://``, ``s3://``) are read-only. Modules: :mod:`.opening` (where a store
lives and opening it), :mod:`.embedding_store` (reading; the entry points for writing),
:mod:`.writer` (task tables, arrays, chunks), :mod:`.task_table`, :mod:`.safety` (untrusted
stores), :mod:`.locking`, :mod:`.layout`, and :mod:`.tools` for whole stores (ls, info,
verify, du, pack, merge).

This layer imports only :mod:`geneb.core`.
"""

from .embedding_store import EmbeddingStore
from .task_table import TaskTable
from .writer import EmbeddingWriter

__all__ = ["EmbeddingStore", "EmbeddingWriter", "TaskTable"]
