"""bench/gpu_check.sh end to end on this CPU (--small), its fail-soft rule and its bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "gpu_check.sh"
sys.path.insert(0, str(ROOT / "bench"))

STEPS = ["setup", "env", "pytest_gpu", "parity", "scale", "extract"]


def run_check(tmp_path: Path, *args: str, python: str = sys.executable,
              timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "OUT": str(tmp_path / "out"), "PYTHON": python,
           "TMPDIR": str(tmp_path)}
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=timeout)


def skipped_with_reason(rec: dict, *words: str) -> None:
    assert rec["status"] == "skipped", rec
    assert rec["reason"] and all(w in rec["reason"] for w in words), rec["reason"]


@pytest.mark.slow
def test_small_run_on_cpu_records_every_step(tmp_path):
    r = run_check(tmp_path, "--device", "cpu", "--small")
    assert r.returncode == 0, r.stdout + r.stderr
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["gpu_check.json"] + [f"{s}.log" for s in STEPS])  # 7 files: a device run returns <= 8
    doc = json.loads((out / "gpu_check.json").read_text())
    assert {"schema", "device", "small", "started", "finished", "wall_seconds", "statuses",
            "headline", "steps"} <= set(doc)
    assert doc["device"] == "cpu" and doc["small"] is True
    steps = doc["steps"]
    assert list(steps) == STEPS
    assert doc["statuses"] == {"setup": "ok", "env": "ok", "pytest_gpu": "skipped",
                               "parity": "ok", "scale": "ok", "extract": "ok"}
    # GPU-only parts: present, skipped, with a reason
    skipped_with_reason(steps["env"]["cuml"], "cuML")
    assert steps["env"]["gpu"] is None and steps["env"]["torch"]
    skipped_with_reason(steps["pytest_gpu"], "device cpu", "gpu-marked tests skipped")
    assert steps["pytest_gpu"]["counts"]["tests"] >= 1
    assert steps["pytest_gpu"]["counts"]["skipped"] == steps["pytest_gpu"]["counts"]["tests"]
    skipped_with_reason(steps["parity"]["cuml"], "cuML")
    skipped_with_reason(steps["scale"]["cuml_vs_torch"], "cuML")
    skipped_with_reason(steps["extract"]["models"]["mamba"], "mamba_ssm")
    # what runs on a CPU ran, with numbers
    torch_par = steps["parity"]["torch"]
    assert torch_par["backend"] == "torch:cpu" and torch_par["cells"] == 90
    assert 0 <= torch_par["mean_abs_dmcc"] <= 0.005
    summary = steps["scale"]["summary"]
    assert summary["n_widths"] == 2 and summary["n_tasks"] == 4
    assert sum(summary["models_per_width"].values()) == 40
    assert summary["literal_cells"] == 6 and summary["literal_ratio"] > 0
    for name in ("bert-base", "decoder-500m"):
        m = steps["extract"]["models"][name]
        assert m["status"] == "ok" and m["geneb_seq_per_s"] > 0 and m["ratio_geneb_to_bare"] > 0
    head = doc["headline"]
    assert head["parity_mean_abs_dmcc"]["torch"] == torch_par["mean_abs_dmcc"]
    assert head["parity_mean_abs_dmcc"]["cuml"] is None
    assert head["grid_40_models_minutes"] == summary["total_40_models_minutes"]
    assert "grid: measured" in (out / "scale.log").read_text()


def test_a_failing_step_is_recorded_and_the_others_still_run(tmp_path):
    # an interpreter that breaks every bench step but the summary: each step fails fast
    fake = tmp_path / "python"
    fake.write_text(f"#!/bin/sh\ncase \"$*\" in *gpu_check_summary.py*) exec {sys.executable} "
                    f"\"$@\" ;; esac\necho broken interpreter >&2\nexit 3\n")
    fake.chmod(0o755)
    r = run_check(tmp_path, "--device", "cpu", "--small", python=str(fake), timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    doc = json.loads((tmp_path / "out" / "gpu_check.json").read_text())
    assert list(doc["steps"]) == STEPS
    for name, rec in doc["steps"].items():
        assert rec["status"] == "failed", (name, rec)
        assert rec["reason"], name
    assert "geneb does not import" in doc["steps"]["setup"]["reason"]
    assert "exit status 3" in doc["steps"]["env"]["reason"]
    assert "broken interpreter" in doc["steps"]["parity"]["reason"]


@pytest.mark.parametrize("args,msg", [(["--device", "tpu"], "--device 'tpu': use cpu or cuda"),
                                      (["--fast"], "unknown option '--fast'"),
                                      (["--wheel-dir", "/no/such/dir"], "is not a folder")])
def test_bad_options_are_one_line_errors_and_write_nothing(tmp_path, args, msg):
    r = run_check(tmp_path, *args, timeout=30)
    assert r.returncode == 2
    assert r.stderr.startswith("geneb: error: ") and msg in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_summary_marks_timeouts_and_missing_results(tmp_path):
    from gpu_check_summary import step_record
    work, out = tmp_path / "work", tmp_path / "out"
    work.mkdir()
    out.mkdir()
    (work / "scale.rc").write_text("124\n")
    (work / "scale.limit").write_text("170\n")
    (work / "scale.json").write_text(json.dumps({"widths": [{"width": 256}]}))
    (out / "scale.log").write_text("width 256: probe 3.1 s\n")
    rec = step_record("scale", work, out, "cuda")
    assert rec["status"] == "failed" and "timed out after 170 s" in rec["reason"]
    assert rec["widths"] == [{"width": 256}]  # the partial result is kept
    (work / "parity.rc").write_text("1\n")
    (work / "parity.limit").write_text("90\n")
    (out / "parity.log").write_text("Traceback ...\nValueError: bad\n")
    rec = step_record("parity", work, out, "cuda")
    assert rec["status"] == "failed" and "exit status 1" in rec["reason"]
    assert "ValueError: bad" in rec["reason"]
    assert step_record("extract", work, out, "cuda")["reason"].startswith("did not run")
