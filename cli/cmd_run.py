"""``geneb run``: the whole job: tasks → extract → store → probes → cube → leaderboard."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .guards import check_cube_out, check_output_folder
from .options import (add_model_args, add_task_args, command_line, selected_models,
                      selected_tasks)
from .parsing import seconds
from .probe_options import add_probe_args, probe_kwargs
from .task_checks import warn_duplicates


def add_parser(sub) -> None:
    p = sub.add_parser("run", help="embed, probe and rank: the whole benchmark in one command",
                       description=__doc__)
    p.add_argument("--out", type=Path, default=Path("runs/demo"),
                   help="output folder (default runs/demo): emb.zarr, cube.zarr, leaderboard.csv")
    p.add_argument("--store", type=Path, default=None,
                   help="embedding store to use or fill (default OUT/emb.zarr)")
    add_task_args(p)
    add_model_args(p)
    add_probe_args(p)
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--lock-timeout", type=seconds, default=None, metavar="SECONDS",
                   help="when another process is writing the same (model, task) or result cube, "
                        "give up after this long with an error (default: wait until it finishes)")
    p.add_argument("--no-html", action="store_true",
                   help="skip report.html / report.md (leaderboard CSVs are always written)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from geneb.analysis.leaderboard_files import write_leaderboard_files
    from geneb.extract import extract
    from geneb.probe import get_backend, open_cube, run_probes
    from geneb.probe.cube import check_compatible
    from geneb.store import EmbeddingStore

    from geneb.extract.preflight import check_request

    t0 = time.perf_counter()
    models = selected_models(args)  # names and reachability before any data is read
    check_request(models)
    tasks = selected_tasks(args)
    warn_duplicates(tasks)
    probe = probe_kwargs(args)
    engine = get_backend(args.backend, probe["protocol"], device=args.device,
                         exact_reference=args.exact_reference)  # fail before any work
    check_output_folder(args.out)
    cube_path = args.out / "cube.zarr"
    check_cube_out(cube_path, force=False, extend=True)
    if cube_path.exists():  # a cube made with other settings: refuse before hours of extraction
        check_compatible(open_cube(cube_path), probe["protocol"], engine.name, cube_path)
    store_path = args.store or args.out / "emb.zarr"
    print(f"geneb run: {len(models)} models x {len(tasks)} tasks -> {args.out}", file=sys.stderr)
    store = EmbeddingStore(store_path, mode="a", lock_timeout=args.lock_timeout)
    extract(store, models, tasks, show_progress=not args.quiet)
    t_extract = time.perf_counter() - t0
    cube = run_probes(store, [m.model_id for m in models], [t.task_id for t in tasks],
                      out=cube_path, show_progress=not args.quiet,
                      lock_timeout=args.lock_timeout, **probe)
    t_probe = time.perf_counter() - t0 - t_extract
    text = write_leaderboard_files(cube, args.out, command=command_line(),
                                   timings={"extract_s": round(t_extract, 1),
                                            "probe_s": round(t_probe, 1)})
    print(text)
    written = [store_path, args.out / "cube.zarr", args.out / "leaderboard.csv",
               args.out / "task_scores.csv"]
    if not args.no_html:
        from geneb.analysis.report import write_report  # matplotlib: only when drawing
        written.append(write_report(cube, args.out)["html"])
    print(f"wrote {', '.join(map(str, written))} in {time.perf_counter() - t0:.0f} s "
          f"(extract {t_extract:.0f} s, probe {t_probe:.0f} s)")
    return 0
