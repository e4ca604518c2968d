"""Fit GENEB probes over embeddings in a store and collect them in a result cube.

Modules: :mod:`.runner` (a run: plan, cluster, checkpoints), :mod:`.select` (which pairs of
a store), :mod:`.fitting` (the cells of one (model, task)), :mod:`.bundles` (bundling and
memory planning), :mod:`.cube` (the cube and its cells), :mod:`.protocol`,
:mod:`.sampling`, :mod:`.metrics`, :mod:`.backends` and :mod:`.torch_solver`;
:mod:`._worker` is the worker side of a run.

Imports :mod:`geneb.store`, :mod:`geneb.catalog` and :mod:`geneb.core`.
"""

from .backends import BACKENDS, get_backend
from .cube import open_cube, save_cube
from .fitting import probe_task
from .protocol import GENEB_REGIMES, GENEB_SEEDS, ProbeProtocol
from .runner import RunSettings, run_probes
from .sampling import few_shot_indices
from .select import probe_store, select_pairs

__all__ = ["BACKENDS", "get_backend", "open_cube", "save_cube", "GENEB_REGIMES", "GENEB_SEEDS",
           "ProbeProtocol", "probe_task", "RunSettings", "run_probes", "probe_store",
           "select_pairs", "few_shot_indices"]
