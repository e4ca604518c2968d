"""Zarr v3 embedding store: one array per (model, task), plus each task's sequence table.

Layout (see :mod:`geneb.store.layout`)::

    emb.zarr/                           attrs: geneb store format, created, versions
      tasks/<task_id>/                  seq_hash, label, split, length   (sequence,)
      embeddings/<model_id>/<task_id>/  X (sequence, feature), chunk_done (chunk,)

This layer imports only :mod:`geneb.core`.
"""

from geneb.store.embedding_store import EmbeddingStore, EmbeddingWriter, TaskTable

__all__ = ["EmbeddingStore", "EmbeddingWriter", "TaskTable"]
