"""Merge the step results of ``bench/gpu_check.sh`` into one ``gpu_check.json``.

Every step of :data:`STEPS` appears in the summary. A step whose process failed or ran out of
time is ``failed`` with the reason (exit status or time limit, and the last line of its log),
keeping whatever partial result it wrote; a step that wrote nothing is still listed.
``headline`` repeats the figures the issue asks for (grid time, parity, extraction ratios).
"""

from __future__ import annotations

import argparse
import json
import sys
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from pathlib import Path

from _step import write_json

STEPS = ("setup", "env", "pytest_gpu", "parity", "scale", "extract")


def _last_line(log: Path) -> str:
    if not log.is_file():
        return "no log"
    lines = [x for x in log.read_text(errors="replace").splitlines() if x.strip()]
    return lines[-1][:300] if lines else "empty log"


def pytest_record(xml: Path, device: str) -> dict:
    """Counts from pytest's junit XML; on CPU the GPU tests are recorded as skipped."""
    if not xml.is_file():
        return {}
    root = ET.parse(xml).getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    counts = {k: int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped")}
    counts["passed"] = counts["tests"] - counts["failures"] - counts["errors"] - counts["skipped"]
    reasons = sorted({s.get("message", "") for s in suite.iter("skipped")} - {""})
    out = {"counts": counts, "skip_reasons": reasons}
    if counts["failures"] or counts["errors"]:
        return {**out, "status": "failed",
                "reason": f"{counts['failures']} failed, {counts['errors']} errors"}
    if device != "cuda" or counts["passed"] == 0:
        why = f"device {device}" if device != "cuda" else "no GPU test ran"
        return {**out, "status": "skipped",
                "reason": f"{why}: {counts['skipped']} of {counts['tests']} gpu-marked tests "
                          f"skipped ({'; '.join(reasons) or 'no reason given'})"}
    return {**out, "status": "ok"}


def step_record(name: str, work: Path, out: Path, device: str) -> dict:
    """One step's record: its JSON (if any) corrected by its exit status."""
    rc_file, log = work / f"{name}.rc", out / f"{name}.log"
    if not rc_file.is_file():
        return {"status": "failed", "reason": "did not run (the script stopped before it)"}
    rc, limit = int(rc_file.read_text().strip() or 1), (work / f"{name}.limit").read_text().strip()
    rec = (pytest_record(work / "pytest_gpu.xml", device) if name == "pytest_gpu"
           else json.loads((work / f"{name}.json").read_text())
           if (work / f"{name}.json").is_file() else {})
    rec = {"log": log.name, "time_limit_s": int(limit), **rec}
    if rc in (124, 137):  # timeout(1), or killed after its grace period
        rec.update(status="failed", reason=f"timed out after {limit} s (partial results kept); "
                                           f"log: {_last_line(log)}")
    elif name == "pytest_gpu" and "counts" in rec:
        pass  # pytest's own exit status is in the counts
    elif rc != 0:
        rec.update(status="failed",
                   reason=rec.get("reason") or f"exit status {rc}; log: {_last_line(log)}")
    else:
        rec.setdefault("status", "ok")
    if rec["status"] != "ok":
        rec.setdefault("reason", f"exit status {rc}; log: {_last_line(log)}")
    return rec


def headline(steps: dict) -> dict:
    """The figures to quote: grid time, parity per engine, extraction ratios."""
    scale = steps.get("scale", {}).get("summary") or {}
    par = steps.get("parity", {})
    ext = steps.get("extract", {}).get("models", {})
    cmp_ = steps.get("scale", {}).get("cuml_vs_torch", {})
    return {"grid_40_models_minutes": scale.get("total_40_models_minutes"),
            "grid_measured_minutes": scale.get("measured_minutes"),
            "grid_widths_measured": scale.get("n_widths"),
            "parity_mean_abs_dmcc": {k: par.get(k, {}).get("mean_abs_dmcc")
                                     for k in ("torch", "cuml")},
            "fits_per_second": {k: cmp_.get(k, {}).get("fits_per_second")
                                for k in ("torch", "cuml")},
            "extraction_ratio": {k: v.get("ratio_geneb_to_bare") for k, v in ext.items()}}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--device", required=True)
    ap.add_argument("--small", action="store_true")
    ap.add_argument("--started", required=True)
    ap.add_argument("--commit", default="")
    args = ap.parse_args(argv)
    steps = {name: step_record(name, args.work, args.out, args.device) for name in STEPS}
    started = datetime.fromisoformat(args.started.replace("Z", "+00:00"))
    now = datetime.now(timezone.utc)
    doc = {"schema": 1, "device": args.device, "small": args.small, "started": args.started,
           "finished": now.isoformat(timespec="seconds"),
           "wall_seconds": round((now - started).total_seconds(), 1),
           "git_commit": args.commit or None, "python": sys.version.split()[0],
           "statuses": {k: v["status"] for k, v in steps.items()},
           "headline": headline(steps), "steps": steps}
    write_json(args.out / "gpu_check.json", doc)
    print(json.dumps(doc["statuses"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
