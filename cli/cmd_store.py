"""``geneb store``: list, describe, verify, size, pack, merge and upgrade embedding stores.

  geneb store ls STORE_OR_URL          models x tasks with status and size
  geneb store info STORE MODEL TASK    one array's provenance (JSON)
  geneb store verify STORE             re-read every chunk against its checksum (exit 1 on damage)
  geneb store du STORE                 bytes on disk per model vs raw float32
  geneb store pack STORE OUT.zip       read-only single-file snapshot (or OUT folder)
  geneb store merge OUT STORE...       combine stores without recomputing
  geneb store upgrade STORE            rewrite in place to the current format (--layout to convert)
"""

from __future__ import annotations

import argparse
import json
import sys

from .guards import check_parent
from geneb.store import EmbeddingStore
from geneb.store import tools

_PARENTS = "create the missing folders above OUT (as mkdir -p)"


def _mb(n: int | float | None) -> str:
    return "-" if n is None else f"{n / 1e6:.2f} MB"


def add_parser(sub) -> None:
    p = sub.add_parser("store", help="inspect, verify, pack, merge and upgrade embedding stores",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ss = p.add_subparsers(dest="store_command", metavar="ACTION", required=True)
    a = ss.add_parser("ls", help="models x tasks with status and size")
    a.add_argument("store", help="store folder, .zip or URL")
    a.set_defaults(func=run_ls)
    a = ss.add_parser("info", help="one array's provenance")
    a.add_argument("store")
    a.add_argument("model")
    a.add_argument("task")
    a.set_defaults(func=run_info)
    a = ss.add_parser("verify", help="re-read every chunk against its stored checksum")
    a.add_argument("store")
    a.add_argument("--quiet", action="store_true", help="no progress bar")
    a.set_defaults(func=run_verify)
    a = ss.add_parser("du", help="bytes on disk per model")
    a.add_argument("store")
    a.set_defaults(func=run_du)
    a = ss.add_parser("pack", help="read-only snapshot as one .zip (or a folder)")
    a.add_argument("store")
    a.add_argument("out", help="OUT.zip (or a new folder)")
    a.add_argument("--parents", action="store_true", help=_PARENTS)
    a.set_defaults(func=run_pack)
    a = ss.add_parser("merge", help="combine stores (different models/tasks) into OUT")
    a.add_argument("out", help="store folder to create or add to")
    a.add_argument("sources", nargs="+", help="stores to merge in")
    a.add_argument("--quiet", action="store_true", help="no progress bar")
    a.add_argument("--parents", action="store_true", help=_PARENTS)
    a.set_defaults(func=run_merge)
    a = ss.add_parser("upgrade", help="rewrite a store folder in place to the current format",
                      description="Rewrite a store folder in place to the current format (and "
                                  "layout); safe to interrupt, resumed by running it again.")
    a.add_argument("store", help="store folder")
    a.add_argument("--layout", choices=("sharded", "chunked"), default=None,
                   help="layout to convert to (default: the store's own; sharded for format 1)")
    a.add_argument("--quiet", action="store_true", help="no progress bar")
    a.set_defaults(func=run_upgrade)


def run_ls(args: argparse.Namespace) -> int:
    store = EmbeddingStore(args.store)
    entries = tools.list_arrays(store)
    print(f"{store.path}: {len(store.task_ids())} tasks, {len(entries)} embedding arrays")
    print(f"{'model':24s} {'task':56s} {'status':10s} {'shape':>14s} {'dtype':8s} "
          f"{'chunks':>9s} {'size':>10s}")
    for e in entries:
        print(f"{e.model_id:24s} {e.task_id:56s} {e.status:10s} "
              f"{f'{e.shape[0]}x{e.shape[1]}':>14s} {e.dtype:8s} "
              f"{f'{e.chunks_done}/{e.n_chunks}':>9s} {_mb(e.stored_bytes):>10s}")
    return 0


def run_info(args: argparse.Namespace) -> int:
    store = EmbeddingStore(args.store)
    print(json.dumps(tools.array_info(store, args.model, args.task), indent=2, default=str))
    return 0


def run_verify(args: argparse.Namespace) -> int:
    store = EmbeddingStore(args.store)
    rep = tools.verify(store, show_progress=not args.quiet)
    for note in rep.notes:
        print(f"note: {note}")
    for prob in rep.problems:
        print(f"CORRUPT {prob}")
    verdict = "OK" if rep.ok else f"{len(rep.problems)} problem(s)"
    print(f"{store.path}: {rep.n_arrays} arrays, {rep.n_chunks} units checked: {verdict}")
    if not rep.ok:
        print(f"geneb: error: store {store.path!r} is damaged ({rep.problems[0]}); re-extract "
              f"the named arrays into a new store or restore them from a copy", file=sys.stderr)
    return 0 if rep.ok else 1


def run_du(args: argparse.Namespace) -> int:
    store = EmbeddingStore(args.store)
    usage = tools.disk_usage(store)
    print(f"{'model':24s} {'arrays':>6s} {'on disk':>12s} {'raw float32':>12s} {'ratio':>6s}")
    tot = raw = 0
    for model, d in usage.items():
        raw_f32 = d["raw_float32_bytes"]
        ratio = d["stored_bytes"] / raw_f32 if raw_f32 else float("nan")
        print(f"{model:24s} {int(d['arrays']):6d} {_mb(d['stored_bytes']):>12s} "
              f"{_mb(d['raw_float32_bytes']):>12s} {ratio:6.2f}")
        tot += d["stored_bytes"]
        raw += d["raw_float32_bytes"]
    print(f"{'total':24s} {'':6s} {_mb(tot):>12s} {_mb(raw):>12s}")
    return 0


def run_pack(args: argparse.Namespace) -> int:
    check_parent(args.out, "OUT", args.parents)
    out = tools.pack(args.store, args.out)
    print(f"wrote {out} ({_mb(tools._folder_bytes(out) if out.is_dir() else out.stat().st_size)})")
    return 0


def run_merge(args: argparse.Namespace) -> int:
    check_parent(args.out, "OUT", args.parents)
    plan = tools.merge(args.out, args.sources, show_progress=not args.quiet)
    for a in plan:
        print(f"{a.action:16s} {a.kind:9s} {a.name}  (from {a.source})")
    n = sum(a.action == "copy" for a in plan)
    print(f"merged {len(args.sources)} store(s) into {args.out}: {n} item(s) copied")
    return 0


def run_upgrade(args: argparse.Namespace) -> int:
    from geneb.store.upgrade import upgrade
    rep = upgrade(args.store, args.layout, show_progress=not args.quiet)
    redo = (f"; {rep.dropped_rows} embedded rows of unfinished arrays will be embedded again "
            f"when their extraction resumes" if rep.dropped_rows else "")
    print(f"upgraded {args.store}: format {rep.from_version} -> 2, {rep.layout.kind} layout: "
          f"{rep.rewritten} arrays rewritten, {rep.relabelled} relabelled, {rep.unchanged} "
          f"unchanged{redo}")
    return 0
