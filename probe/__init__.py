"""Fit GENEB probes over embeddings in a store and collect them in a result cube.

Modules: :mod:`.runner` (a run: plan, cluster, checkpoints), :mod:`.select` (which pairs of
a store), :mod:`.fitting` (the cells of one (model, task)), :mod:`.bundles` (bundling and
memory planning), :mod:`.cube` (the cube and its cells), :mod:`.protocol`,
:mod:`.sampling`, :mod:`.metrics`, :mod:`.backends` and :mod:`.torch_solver`;
:mod:`._worker` is the worker side of a run.

Imports :mod:`geneb.store`, :mod:`geneb.catalog` and :mod:`geneb.core`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from geneb.core.lazy import lazy_exports

#: Public name -> the submodule defining it; imported on first use (PEP 562), so that
#: ``geneb.probe.protocol`` (the CLI's option defaults) imports no xarray, torch or sklearn.
_EXPORTS = {"get_backend": "backends", "open_cube": "cube", "save_cube": "cube",
            "probe_task": "fitting", "GENEB_REGIMES": "protocol", "GENEB_SEEDS": "protocol",
            "ProbeProtocol": "protocol", "run_probes": "runner", "ProbeRun": "runner",
            "few_shot_indices": "sampling", "probe_store": "select"}

if TYPE_CHECKING:  # for static tools
    from .backends import get_backend
    from .cube import open_cube, save_cube
    from .fitting import probe_task
    from .protocol import GENEB_REGIMES, GENEB_SEEDS, ProbeProtocol
    from .runner import ProbeRun, run_probes
    from .sampling import few_shot_indices
    from .select import probe_store


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)


__all__ = ["ProbeProtocol", "GENEB_REGIMES", "GENEB_SEEDS", "run_probes", "probe_store",
           "ProbeRun", "probe_task", "get_backend", "open_cube", "save_cube",
           "few_shot_indices"]
