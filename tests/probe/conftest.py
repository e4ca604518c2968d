"""Fixtures shared by the probe tests."""

from typing import NamedTuple

import pytest

from geneb.catalog import get_model
from geneb.extract import extract
from geneb.store import EmbeddingStore
from geneb.tasks import load_task_file


class StoreOfTwo(NamedTuple):
    """kmer-3 and kmer-4 on a 2-class and a 3-class task, all complete."""

    store: EmbeddingStore
    models: list[str]
    task_ids: list[str]
    tasks: list  #: the loaded tasks


@pytest.fixture
def store2(tmp_path, task_csv, task3_csv) -> StoreOfTwo:
    tasks = [load_task_file(task_csv, category="Promoters"),
             load_task_file(task3_csv, category="Splice Sites")]
    store = EmbeddingStore(tmp_path / "emb.zarr", mode="a")
    extract(store, [get_model("kmer-3"), get_model("kmer-4")], tasks, show_progress=False)
    return StoreOfTwo(store, ["kmer-3", "kmer-4"], [t.task_id for t in tasks], tasks)
