"""Probe options shared by ``geneb probe`` and ``geneb run``: backend, scheduler, settings."""

from __future__ import annotations

import argparse

from .options import positive_int
from geneb.core.errors import InputError
from geneb.probe import GENEB_REGIMES, GENEB_SEEDS, ProbeProtocol
from geneb.probe.backends import BACKEND_CHOICES


def add_probe_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("probe engine and settings (defaults: the GENEB protocol)")
    g.add_argument("--backend", default="auto", choices=BACKEND_CHOICES,
                   help="auto (default: batched torch, on the GPU when there is one; falls "
                        "back to sklearn), torch, cuml (needs geneb[gpu]) or sklearn (reference)")
    g.add_argument("--device", default=None, help="torch device: cpu or cuda (default: cuda if "
                                                  "available)")
    g.add_argument("--exact-reference", action="store_true",
                   help="use scikit-learn itself, to reproduce published GENEB numbers bit for bit")
    g.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="dask scheduler to run on (tcp://host:8786); default an in-process cluster")
    g.add_argument("--workers", type=positive_int, default=None,
                   help="threads of the in-process cluster, each probing one (model, task) "
                        "or bundle at a time (default: min(pairs, cores)); BLAS threads = "
                        "cores // workers")
    g.add_argument("--C", type=float, default=1.0, dest="C", help="inverse L2 strength (1.0)")
    g.add_argument("--max-iter", type=positive_int, default=1000, help="optimiser iterations (1000)")
    g.add_argument("--tol", type=float, default=1e-4, help="gradient tolerance (1e-4)")
    g.add_argument("--standardize", action="store_true",
                   help="scale features to unit variance (not GENEB: raw embeddings)")
    g.add_argument("--shots", type=int, nargs="+", default=None, metavar="K",
                   help="few-shot k values per class (default 1 10); the full regime is always "
                        "included")
    g.add_argument("--seeds", type=int, nargs="+", default=list(GENEB_SEEDS),
                   help="few-shot seeds (default 13 17 42 123 997)")


def probe_protocol(args: argparse.Namespace) -> ProbeProtocol:
    """The :class:`ProbeProtocol` the options ask for (InputError on bad values)."""
    if args.shots is None:
        regimes = GENEB_REGIMES
    else:
        if any(k < 1 for k in args.shots):
            raise InputError(f"--shots values must be >= 1, got {args.shots}")
        regimes = tuple((f"{k}shot", k) for k in dict.fromkeys(args.shots)) + (("full", None),)
    return ProbeProtocol(regimes=regimes, seeds=tuple(dict.fromkeys(args.seeds)), C=args.C,
                         max_iter=args.max_iter, tol=args.tol, standardize=args.standardize)


def probe_kwargs(args: argparse.Namespace) -> dict:
    """Keyword arguments of :func:`geneb.probe.run_probes` from the options."""
    return {"protocol": probe_protocol(args), "backend": args.backend, "device": args.device,
            "exact_reference": args.exact_reference, "scheduler": args.scheduler,
            "n_workers": args.workers}
