"""Fit GENEB probes over embeddings in a store and collect them in a result cube.

Imports :mod:`geneb.store`, :mod:`geneb.catalog` and :mod:`geneb.core`.
"""

from geneb.probe.backends import BACKENDS, get_backend
from geneb.probe.cube import open_cube, save_cube
from geneb.probe.protocol import GENEB_REGIMES, GENEB_SEEDS, ProbeProtocol
from geneb.probe.runner import probe_task, run_probes
from geneb.probe.sampling import few_shot_indices

__all__ = ["BACKENDS", "get_backend", "open_cube", "save_cube", "GENEB_REGIMES", "GENEB_SEEDS",
           "ProbeProtocol", "probe_task", "run_probes", "few_shot_indices"]
