"""Fit GENEB probes over embeddings in a store and collect them in a result cube.

Modules: :mod:`.runner` (a run: plan, cluster, checkpoints), :mod:`.select` (which pairs of
a store), :mod:`.fitting` (the cells of one (model, task)), :mod:`.bundles` (bundling and
memory planning), :mod:`.cube` (the cube and its cells), :mod:`.protocol`,
:mod:`.sampling`, :mod:`.metrics`, :mod:`.backends` and :mod:`.torch_solver`;
:mod:`._worker` is the worker side of a run.

Imports :mod:`geneb.store`, :mod:`geneb.catalog` and :mod:`geneb.core`.
"""

from .backends import get_backend
from .cube import open_cube, save_cube
from .fitting import probe_task
from .protocol import GENEB_REGIMES, GENEB_SEEDS, ProbeProtocol
from .runner import run_probes
from .sampling import few_shot_indices
from .select import probe_store

__all__ = ["ProbeProtocol", "GENEB_REGIMES", "GENEB_SEEDS", "run_probes", "probe_store",
           "probe_task", "get_backend", "open_cube", "save_cube", "few_shot_indices"]
