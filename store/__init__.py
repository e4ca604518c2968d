"""Zarr v3 embedding store: one array per (model, task), plus each task's sequence table.

Layout, format 2 (see :mod:`geneb.store.layout` and docs/store.md)::

    emb.zarr/                           attrs: geneb store format, layout, created, versions;
                                        consolidated metadata of every node
      tasks/<task_id>/                  seq_hash, label, split, length   (sequence,)
      embeddings/<model_id>/<task_id>/  X (sequence, feature), chunked or sharded; once
                                        complete its per-unit checksums are X's attributes
        _records/                       done, checksum, truncated (unit,): while written

Local folders are written (crash-safe, per-(model, task) locks); packed ``.zip`` files and
URLs (``http(s)://``, ``s3://``) are read-only and open from the consolidated metadata.
Modules: :mod:`.opening` (opening and checking), :mod:`._index` (metadata documents),
:mod:`._consolidate`, :mod:`.embedding_store` (reading; the entry points for writing),
:mod:`.writer` (task tables, arrays, units), :mod:`._records`, :mod:`._chunks` (checked
reading), :mod:`.task_table`, :mod:`._safety` (untrusted stores), :mod:`.locking`,
:mod:`.layout`, :mod:`.tools` (ls, info, verify, du, pack), :mod:`.merging` and
:mod:`.upgrade` (format 1 to 2, one layout to the other).

This layer imports only :mod:`geneb.core`.
"""

from ._consolidate import rebuild as consolidate
from .embedding_store import EmbeddingStore
from .layout import StoreLayout
from .task_table import TaskTable
from .writer import EmbeddingWriter

__all__ = ["EmbeddingStore", "EmbeddingWriter", "StoreLayout", "TaskTable", "consolidate"]
