"""Bad input, tried as a new user would: each gives exactly one stderr line starting
``geneb: error:``, exit code 2, and no new file or folder anywhere (the working folder is
listed before and after).

Most cases run in this process through ``geneb.cli.main.main`` (fast); the ones whose
check needs a real process (Dask worker logs, the Hugging Face client reading its
endpoint at import) run the console module in a subprocess.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from synthetic import make_task_frame

from geneb.catalog import get_model
from geneb.cli.main import main

MINI_SPLICE = "mini.uci_splice.split70-30-train2k"  # its IUPAC letters give a warning
NOWHERE = "/nonexistent-geneb-test/deep"


def _flip_a_byte(folder: Path, part: str) -> None:
    """Damage the largest chunk file under ``folder`` whose path contains ``/part/``."""
    files = [p for p in folder.rglob("*") if p.is_file() and f"/{part}/" in str(p)
             and p.name != "zarr.json"]
    target = max(files, key=lambda p: p.stat().st_size)
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0xFF
    target.write_bytes(bytes(data))


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A folder holding a task file, a store, a cube, damaged stores and odd files."""
    from geneb.extract import extract
    from geneb.probe import run_probes
    from geneb.store import EmbeddingStore
    from geneb.tasks import load_task_file

    root = tmp_path_factory.mktemp("bad_inputs")
    make_task_frame().to_csv(root / "tiny.csv", index=False)
    task = load_task_file(root / "tiny.csv")
    store = EmbeddingStore(root / "emb.zarr", mode="a")
    extract(store, [get_model("kmer-3")], [task], show_progress=False)
    run_probes(store, ["kmer-3"], [task.task_id], out=root / "cube.zarr", backend="sklearn",
               show_progress=False)
    shutil.copytree(root / "emb.zarr", root / "bad_table.zarr")
    _flip_a_byte(root / "bad_table.zarr" / "tasks", "label")
    shutil.copytree(root / "emb.zarr", root / "bad_chunk.zarr")
    _flip_a_byte(root / "bad_chunk.zarr" / "embeddings", "X")
    (root / "afile").write_text("not a folder")
    (root / "bad_split.csv").write_text("sequence,label,split\nACGT,1,train\nACGA,0,trian\n")
    (root / "home").mkdir()
    return root


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


T = "tiny"  # the task id of tiny.csv
TF = ["--task-file", "tiny.csv"]
# (case id, argv, words the line must hold)
CASES = [
    ("no-command", [], "give a command"),
    ("misspelled-command", ["extrat"], "did you mean extract?"),
    ("misspelled-action", ["tasks", "lst"], "did you mean list?"),
    ("batch-size-0", ["extract", "--store", "x.zarr", "--batch-size", "0"], "--batch-size"),
    ("chunk-rows-0", ["extract", "--store", "x.zarr", "--chunk-rows", "0"], "--chunk-rows"),
    ("window-0", ["extract", "--store", "x.zarr", "--window", "0"], "--window"),
    ("misspelled-flag", ["extract", "--store", "x.zarr", "--modles", "kmer-3"],
     "did you mean --models?"),
    ("ambiguous-flag", ["extract", "--store", "x.zarr", "--model", "kmer-3"],
     "did you mean --models?"),
    ("lock-timeout-negative", ["extract", "--store", "x.zarr", "--lock-timeout", "-1"],
     "--lock-timeout"),
    ("run-lock-timeout-negative", ["run", *TF, "--lock-timeout", "-1", "--out", "o"],
     "--lock-timeout"),
    ("bad-choice", ["probe", "--store", "emb.zarr", "--out", "c.zarr", "--backend", "torc"],
     "did you mean torch?"),
    ("missing-required", ["probe", "--out", "c.zarr"], "--store"),
    ("missing-positional", ["models", "show"], "model"),
    ("stray-argument", ["tasks", "list", "extra"], "'extra'"),
    ("workers-0", ["run", *TF, "--workers", "0", "--out", "o"], "--workers"),
    ("layer-99", ["extract", "--store", "x.zarr", *TF, "--models", "random-bert",
                  "--layers", "99"], "layer 99 does not exist"),
    ("layers-unused", ["extract", "--store", "x.zarr", *TF, "--models", "kmer-3",
                       "--layers", "2"], "drop --layers"),
    ("window-without-long", ["extract", "--store", "x.zarr", *TF, "--models", "random-bert",
                             "--window", "4"], "--long window"),
    ("stride-over-window", ["extract", "--store", "x.zarr", *TF, "--models", "random-bert",
                            "--long", "window", "--window", "8", "--stride", "9"],
     "stride 9 is longer than window 8"),
    ("store-parent-missing", ["extract", "--store", f"{NOWHERE}/x.zarr", *TF,
                              "--models", "kmer-3"], "--parents"),
    ("cube-parent-missing", ["probe", "--store", "emb.zarr", "--out", f"{NOWHERE}/c.zarr"],
     "--parents"),
    ("import-parent-missing", ["import-results", "--out", f"{NOWHERE}/c.zarr"], "--parents"),
    ("pack-parent-missing", ["store", "pack", "emb.zarr", f"{NOWHERE}/o.zip"], "--parents"),
    ("submission-parent-missing", ["export", "--cube", "cube.zarr", "--submission",
                                   f"{NOWHERE}/s.json"], "does not exist"),
    ("misspelled-task", ["extract", "--store", "x.zarr", "--tasks", "mini.uci_splise"],
     f"did you mean '{MINI_SPLICE}'"),
    ("model-by-hf-basename", ["extract", "--store", "x.zarr", "--tasks", MINI_SPLICE,
                              "--models", "DNABERT-2-117M"], "'dnabert2-no-flashattention'"),
    ("show-model-by-hf-basename", ["models", "show", "DNABERT-2-117M"],
     "'dnabert2-no-flashattention'"),
    ("offline-hub-model", ["extract", "--store", "x.zarr", "--tasks", MINI_SPLICE, "--models",
                           "zhihan1996/DNABERT-2-117M", "--revision", "abc"],
     "given with --revision"),
    ("damaged-task-table", ["probe", "--store", "bad_table.zarr", "--out", "c.zarr"],
     f"tasks/{T}/label"),
    ("export-needs-official-tasks", ["export", "--cube", "cube.zarr", "--submission", "s.json"],
     "needs all 100 GENEB tasks; this cube has 1 task,"),
    ("store-is-a-file", ["extract", "--store", "afile", *TF, "--models", "kmer-3"], "afile"),
    ("cube-over-a-store", ["probe", "--store", "emb.zarr", "--out", "emb.zarr"],
     "is an embedding store"),
    ("no-such-store", ["probe", "--store", "none.zarr", "--out", "c.zarr"], "none.zarr"),
    ("bad-split-value", ["run", "--task-file", "bad_split.csv", "--models", "kmer-3",
                         "--out", "o"], "row 3 has split 'trian'"),
    ("shots-0", ["probe", "--store", "emb.zarr", "--out", "c.zarr", "--shots", "0"], "--shots"),
    ("C-0", ["probe", "--store", "emb.zarr", "--out", "c.zarr", "--C", "0"], "C must be > 0"),
    ("model-not-in-store", ["probe", "--store", "emb.zarr", "--out", "c.zarr",
                            "--models", "kmer3"], "'kmer-3'"),
    ("misspelled-category", ["tasks", "list", "--category", "splise"], "splise"),
    ("run-out-is-a-file", ["run", *TF, "--models", "kmer-3", "--out", "afile"], "is a file"),
    ("missing-cube", ["report", "--cube", "none.zarr"], "none.zarr"),
]


@pytest.mark.parametrize("argv,words", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(world, argv, words, capsys,
                                                         monkeypatch):
    monkeypatch.chdir(world)
    monkeypatch.setenv("GENEB_HOME", str(world / "home"))
    before = _tree(world)
    code = main(list(argv))
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1 and lines[0].startswith("geneb: error:"), err
    assert words.lower() in lines[0].lower(), lines[0]
    assert "Traceback" not in err
    assert _tree(world) == before
    assert not Path(NOWHERE).parent.exists()


def test_there_are_thirty_cases_or_more():
    assert len(CASES) >= 30 and len({c[0] for c in CASES}) == len(CASES)


def _geneb(world: Path, *argv: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "geneb.cli.main", *argv], cwd=world,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "GENEB_HOME": str(world / "home"), **(env or {})})


def test_a_damaged_chunk_is_one_line_without_worker_logs_and_leaves_no_cube(world):
    before = _tree(world)
    proc = _geneb(world, "probe", "--store", "bad_chunk.zarr", "--out", "c.zarr", "--quiet")
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2, proc.stderr
    assert len(lines) == 1 and lines[0].startswith("geneb: error:"), proc.stderr
    assert "cannot be decoded" in lines[0] and "Compute Failed" not in proc.stderr
    assert _tree(world) == before  # no all-NaN cube, no .c.zarr.lock


def test_an_unreachable_hub_is_one_quick_line_naming_the_revision(world):
    """No HF_HUB_OFFLINE, a Hub that refuses connections: one attempt, no retries."""
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE",
                                                            "TRANSFORMERS_OFFLINE")}
    env["HF_ENDPOINT"] = "http://127.0.0.1:9"  # nothing listens on the discard port
    before = _tree(world)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "geneb.cli.main", "extract", "--store",
                           "x.zarr", *TF, "--models", "someone/dna-model", "--revision", "abc"],
                          cwd=world, capture_output=True, text=True, timeout=300, env=env)
    seconds = time.perf_counter() - t0
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2, proc.stderr
    assert len(lines) == 1 and lines[0].startswith("geneb: error:"), proc.stderr
    assert "given with --revision" in lines[0] and "cannot be reached" in lines[0]
    assert "Retrying" not in proc.stderr and seconds < 60
    assert _tree(world) == before
