"""Names and paths inside a geneb store."""

from __future__ import annotations

import datetime as _dt

#: Version of the on-disk layout; readers refuse stores with a newer one.
FORMAT_VERSION = 1
#: Root attribute that marks a Zarr group as a geneb store.
ROOT_KEY = "geneb_store"

TASKS_GROUP = "tasks"
EMBEDDINGS_GROUP = "embeddings"
ARRAY_NAME = "X"
DONE_NAME = "chunk_done"

STATUS_COMPLETE = "complete"
STATUS_INCOMPLETE = "incomplete"


def safe_key(name: str) -> str:
    """A store key for a model or task id ("org/model" becomes "org__model")."""
    return name.replace("/", "__")


def task_path(task_id: str) -> str:
    return f"{TASKS_GROUP}/{safe_key(task_id)}"


def embedding_path(model_id: str, task_id: str) -> str:
    return f"{EMBEDDINGS_GROUP}/{safe_key(model_id)}/{safe_key(task_id)}"


#: Per-chunk BLAKE2b-64 of the stored values (0 = none recorded); see geneb.store._checksum.
CHECKSUM_NAME = "chunk_checksum"
#: Per-chunk count of sequences truncated at the model's length limit (-1 = not recorded).
TRUNCATED_NAME = "chunk_truncated"


def timestamp() -> str:
    """Now in UTC, to the second (ISO 8601): the ``created``/``completed`` attributes."""
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
