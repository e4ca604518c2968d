"""return_large_frees_to_os: freed block-sized buffers do not stay resident (glibc)."""

import subprocess
import sys

import pytest

SCRIPT = """
import sys
import numpy as np
import torch
from geneb.core.memory import return_large_frees_to_os
if sys.argv[1] == "on":
    assert return_large_frees_to_os() and return_large_frees_to_os()  # idempotent


def rss_mb():
    with open("/proc/self/status") as fh:
        return next(int(l.split()[1]) for l in fh if l.startswith("VmRSS")) / 1024


X = torch.ones((6000, 2048), dtype=torch.float32)
kept = []
start = rss_mb()
for i in range(0, 6000, 512):  # convert block by block (torch aligns), keep a small result
    block = X[i:i + 512].to(torch.float64)
    kept.append(block[:, :4].sum(1))
    del block
print(rss_mb() - start)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc mallopt")
def test_block_by_block_conversion_does_not_pile_up_resident_memory():
    def grown(mode):
        out = subprocess.run([sys.executable, "-c", SCRIPT, mode], capture_output=True,
                             text=True, check=True)
        return float(out.stdout.strip())

    assert grown("on") < 20  # about one 8 MB block at most, where the default keeps ~12
