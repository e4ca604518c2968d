"""Shared fixtures: tiny synthetic tasks with a real signal, written as task files."""

from __future__ import annotations

import os

import pytest

from synthetic import make_task_frame

os.environ.setdefault("TQDM_DISABLE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture
def task_csv(tmp_path):
    """Path of a tiny 2-class task file (sequence,label,split)."""
    path = tmp_path / "tiny_motif.csv"
    make_task_frame().to_csv(path, index=False)
    return path


@pytest.fixture
def task3_csv(tmp_path):
    """Path of a tiny 3-class task file."""
    path = tmp_path / "tiny_three.csv"
    make_task_frame(n_classes=3, seed=1).to_csv(path, index=False)
    return path
