"""bench/bench_store_scale.py --small: every step of the full-scale bench, quickly."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).parents[2] / "bench" / "bench_store_scale.py"


@pytest.mark.slow
def test_small_run_prints_both_layouts_and_the_scale_line():
    pytest.importorskip("moto.server")
    pytest.importorskip("s3fs")
    run = subprocess.run([sys.executable, str(BENCH), "--small"], capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    lines = run.stdout.strip().splitlines()
    for kind in ("format 1", "chunked", "sharded"):
        rows = [re.match(rf"{kind:10s} +(\d+) +(\d+) ", line) for line in lines]
        objects, rule = next(m for m in rows if m).groups()
        assert objects == rule, kind  # the object-count rule matches the store on disk
        for where in ("local", "http", "s3"):
            assert any(line.startswith(f"{kind:10s} {where:6s}") for line in lines)
    assert "same values as the fresh store: yes" in run.stdout
    assert re.fullmatch(r"scale: objects [\d,]+ -> [\d,]+, remote open [\d.]+ s -> [\d.]+ s, "
                        r"probe-run read [\d.]+ s", lines[-1]), lines[-1]
