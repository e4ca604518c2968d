"""The store at full GENEB scale: today's layout (format 1) against format 2, chunked and sharded.

Builds, from the catalog's 100 official tasks at their real sizes and the 40 official
models' real widths, one store per layout:

- ``format 1``: as geneb 0.1 wrote it (one object per chunk and per chunk record, no
  consolidated metadata);
- ``chunked`` and ``sharded``: format 2 as this geneb writes it (consolidated metadata;
  sharded: Zarr's ``sharding_indexed``, shards of ~64 MB raw of whole 1,024-row chunks).

A full float32 store is ~640 GB (float16 ~320 GB): more than this 2-core machine holds or
writes in minutes. So the values of ``--data-models`` models (default: one, of width 256)
are written in full, float16, for all 100 tasks; the other models' arrays are created at
their real shapes but left unwritten, so the metadata a reader opens is the full store's
(format 2 stores; a format 1 open is timed on the data arrays and scaled to 4,000 arrays).
Objects and bytes of all 40 models are extrapolated by the exact layout rule, checked
against the written arrays on disk.

Measured per layout, all on loopback in this run: objects, bytes, write and ``verify``
times; open (store + listing of every array), first slice (the first array's training and
test rows) and the reads of a whole probe run (every data array's rows, as probe workers
read them) from the folder, from ``python -m http.server`` and from a moto S3 server; the
probe-run read against ``np.load`` of the same values from ``.npy`` files. Then the format 1
store is upgraded in place (``geneb store upgrade``) and compared with the fresh one.

Usage: python bench/bench_store_scale.py [--data-models 1] [--keep DIR] [--small]
(``--small``: 4 tasks at 1/40 of their rows, chunks of 256 rows, small shards: a quick run
of every step, used by the tests).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import _scale_store as S  # noqa: E402

from geneb.store import EmbeddingStore, StoreLayout  # noqa: E402
from geneb.store import layout as L  # noqa: E402
from geneb.store.tools import verify  # noqa: E402
from geneb.store.upgrade import upgrade  # noqa: E402

DTYPE = "float16"
SHELL = "shells"


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def pick_models(n: int) -> dict[str, int]:
    """``n`` models spanning the widths (``n=1``: the narrowest)."""
    ordered = sorted(S.WIDTHS.items(), key=lambda kv: (kv[1], kv[0]))
    idx = [0] if n == 1 else np.linspace(0, len(ordered) - 1, n).round().astype(int)
    return dict(ordered[i] for i in sorted(set(int(i) for i in idx)))


def probe_run(store: EmbeddingStore, pairs) -> float:
    """Seconds to read what a probe run reads: every pair's task table and its rows."""
    t0 = time.perf_counter()
    for m, t in pairs:
        tab = store.read_task_table(t)
        store.read_embedding(m, t, rows=(np.flatnonzero(tab.split == 0),
                                         np.flatnonzero(tab.split == 1)))
    return time.perf_counter() - t0


def reads(where: str, pairs, storage_options=None) -> dict[str, float]:
    """Open (with the listing of every array), first slice and probe-run seconds."""
    store, t_open = timed(lambda: EmbeddingStore(where, storage_options=storage_options))
    entries, t_list = timed(store.embeddings)
    t_first = probe_run(store, pairs[:1])
    return {"open": t_open + t_list, "first": t_first, "run": probe_run(store, pairs),
            "arrays": len(entries)}


def slices_vs_numpy(store: EmbeddingStore, pairs, models, tasks, folder: Path
                    ) -> tuple[float, float]:
    """Seconds of the probe run's slice reads (``read_embedding`` of the training and test
    rows) and of ``np.load`` + the same row selections over the same values from ``.npy``
    files, array by array in turn (best of two each), so both see the same machine load."""
    by_id = {t.task_id: t for t in tasks}
    ours = theirs = 0.0
    for m, t in pairs:
        task = by_id[t]
        path = folder / "x.npy"
        np.save(path, S.values(m, task, models[m], DTYPE))
        rows = (np.arange(task.n_train), np.arange(task.n_train, task.n))
        theirs += min(timed(lambda: [np.load(path)[r] for r in rows])[1] for _ in range(2))
        ours += min(timed(lambda: store.read_embedding(m, t, rows=rows))[1] for _ in range(2))
        path.unlink()
    return ours, theirs


def remote(folder: Path, name: str, pairs, scale: float = 1.0) -> dict[str, dict]:
    """Reads over HTTP and S3 of the store folder ``folder / name`` (probe-run times
    multiplied by ``scale``: for a sample of the pairs)."""
    out = {}
    with S.http_server(folder) as url:
        out["http"] = reads(f"{url}/{name}", pairs)
    with S.s3_server(folder / name, name) as env:
        options = {"key": env["AWS_ACCESS_KEY_ID"], "secret": env["AWS_SECRET_ACCESS_KEY"],
                   "endpoint_url": env["AWS_ENDPOINT_URL"]}
        out["s3"] = reads(f"s3://bench/{name}", pairs, storage_options=options)
    for where in out.values():
        where["run"] *= scale
        where["run_scaled"] = scale != 1.0
    return out


def measure(path: Path, kind: str, pairs, tasks, built: dict, skip) -> dict:
    """Everything measured on one store (``built``: its write and verify seconds, measured
    before the unwritten arrays were added)."""
    t0 = time.perf_counter()
    data = S.files(path, skip)
    local = reads(str(path), pairs)
    local["run"] = min(local["run"], probe_run(EmbeddingStore(path), pairs))
    local["slices"], local["numpy"] = slices_vs_numpy(EmbeddingStore(path), pairs, built["models"],
                                                      tasks, path.parent)
    res = {"kind": kind, "objects": len(data), "bytes": sum(p.stat().st_size for p in data),
           "write": built["write"], "verify": built["verify"], "local": local}
    t1 = time.perf_counter()
    if kind == "format 1" and len(pairs) > 20:  # one object per chunk record: minutes remotely
        sample = pairs[::10]
        rows = {t.task_id: t.n for t in tasks}
        scale = sum(rows[t] for _, t in pairs) / sum(rows[t] for _, t in sample)
        res.update(remote(path.parent, path.name, sample, scale))
    else:
        res.update(remote(path.parent, path.name, pairs))
    print(f"{kind} measured (local {t1 - t0:.0f} s, remote {time.perf_counter() - t1:.0f} s)",
          flush=True)
    return res


def rule_objects(kind: str, models: dict[str, int], tasks, shard_bytes: int,
                 chunk_rows: int) -> int:
    """Objects of the complete store of ``models`` on ``tasks`` by the layout rule."""
    per_array = sum(S.objects_per_array(kind, t.n, w, 2, shard_bytes, chunk_rows)
                    for w in models.values() for t in tasks)
    tables = len(tasks) * (1 + 4 * 2)  # group + 4 arrays of one chunk each
    return per_array + tables + len(models) + 3  # model groups, embeddings, tasks, root


def report(results: list[dict], models, tasks, shard_bytes, chunk_rows) -> None:
    n_arrays = len(S.WIDTHS) * len(tasks)
    print(f"{'layout':10s} {'objects':>8s} {'rule':>8s} {'40x100 objects':>15s} {'GB':>6s} "
          f"{'write s':>8s} {'verify s':>9s}")
    for r in results:
        rule = rule_objects(r["kind"], models, tasks, shard_bytes, chunk_rows)
        r["full"] = rule_objects(r["kind"], S.WIDTHS, tasks, shard_bytes, chunk_rows)
        print(f"{r['kind']:10s} {r['objects']:8d} {rule:8d} {r['full']:15,d} "
              f"{r['bytes'] / 1e9:6.2f} {r['write']:8.1f} {r['verify']:9.1f}")
    print(f"\n{'layout':10s} {'where':6s} {'open s':>8s} {'first s':>8s} {'probe-run s':>12s} "
          f"{'slices s':>9s} {'np.load s':>10s} {'ratio':>6s}")
    for r in results:
        for where in ("local", "http", "s3"):
            x = r[where]
            scale = n_arrays / x["arrays"]
            note = f" (open est. {x['open'] * scale:.1f} s for {n_arrays:,})" if scale > 1.5 else ""
            note += " (probe run est. from every 10th task)" if x.get("run_scaled") else ""
            x["full_open"] = x["open"] * scale if scale > 1.5 else x["open"]
            cmp = (f"{x['slices']:9.2f} {x['numpy']:10.2f} {x['numpy'] / x['slices']:6.2f}"
                   if "slices" in x else f"{'':9s} {'':10s} {'':6s}")
            print(f"{r['kind']:10s} {where:6s} {x['open']:8.2f} {x['first']:8.3f} "
                  f"{x['run']:12.2f} {cmp}{note}")


def decide(results: list[dict]) -> dict:
    """The format 2 layout that reads faster remotely (open + first slice + probe run)."""
    def cost(r):
        return sum(r[w]["full_open"] + r[w]["first"] + r[w]["run"] for w in ("http", "s3"))
    best = min((r for r in results if r["kind"] != "format 1"), key=cost)
    for r in results:
        if r["kind"] != "format 1":
            print(f"remote cost {r['kind']}: {cost(r):.2f} s (open + first slice + probe run, "
                  f"HTTP + S3)")
    verdict = "matches" if best["kind"] == L.DEFAULT_LAYOUT.kind else "DIFFERS FROM"
    print(f"default layout by this run's evidence: {best['kind']} ({verdict} "
          f"geneb.store.layout.DEFAULT_LAYOUT = {L.DEFAULT_LAYOUT.kind})")
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-models", type=int, default=1,
                    help="models whose values are written (spanning the widths)")
    ap.add_argument("--small", action="store_true", help="a quick run of every step")
    ap.add_argument("--keep", type=Path, default=None, help="build the stores here and keep them")
    args = ap.parse_args()
    tasks, chunk_rows = S.task_sizes(), S.CHUNK_ROWS
    shard_bytes = L.DEFAULT_SHARD_BYTES
    if args.small:
        sizes = sorted(tasks, key=lambda t: t.n)
        tasks = [S.TaskSize(t.task_id, max(t.n_train // 40, 8), max(t.n_test // 40, 4))
                 for t in (sizes[0], sizes[50], sizes[-2], sizes[-1])]
        chunk_rows, shard_bytes = 256, 256 * 512 * 2 * 3
    data = ({m: S.WIDTHS[m] for m in ("hyenadna-large-1m-seqlen-hf",
                                      "nucleotide-transformer-v2-50m-multi-species")}
            if args.small else pick_models(args.data_models))
    shells = {m: w for m, w in S.WIDTHS.items() if m not in data}
    if args.small:
        shells = dict(list(shells.items())[:2])
    pairs = [(m, t.task_id) for m in data for t in tasks]
    raw = sum(t.n for t in tasks) * sum(data.values()) * 2
    print(f"{len(tasks)} tasks, {sum(t.n for t in tasks):,} rows; data models "
          f"{', '.join(f'{m} ({w})' for m, w in data.items())}: {raw / 1e9:.2f} GB {DTYPE} "
          f"per store; {len(shells)} models' arrays left unwritten", flush=True)
    work = Path(tempfile.mkdtemp(prefix="geneb-scale-", dir=args.keep))
    skip = tuple(L.safe_key(m) for m in shells)
    try:
        results = []
        f1 = work / "format1.zarr"
        _, t_build = timed(lambda: S.build_format1(f1, data, tasks, DTYPE, chunk_rows))
        built = {"models": data, "write": t_build,
                 "verify": timed(lambda: verify(EmbeddingStore(f1)))[1]}
        print(f"format 1 built in {t_build:.0f} s", flush=True)
        results.append(measure(f1, "format 1", pairs, tasks, built, skip))
        for kind in ("chunked", "sharded"):
            path = work / f"{kind}.zarr"
            lay = StoreLayout(kind, shard_bytes)
            t_build = S.build_format2(path, lay, data, tasks, DTYPE, chunk_rows)
            rep, t_verify = timed(lambda: verify(EmbeddingStore(path)))
            assert rep.ok, rep.problems[:3]
            _, t_shells = timed(lambda: S.add_shells(path, shells, tasks, DTYPE, chunk_rows))
            print(f"{kind} built in {t_build:.0f} s (+ {t_shells:.0f} s for the unwritten "
                  f"arrays)", flush=True)
            built = {"models": data, "write": t_build, "verify": t_verify}
            results.append(measure(path, kind, pairs, tasks, built, skip))
        report(results, data, tasks, shard_bytes, chunk_rows)
        best = decide(results)
        rep, t_up = timed(lambda: upgrade(f1, StoreLayout(best["kind"], shard_bytes)))
        fresh, up = EmbeddingStore(work / f"{best['kind']}.zarr"), EmbeddingStore(f1)
        same = all(np.array_equal(fresh.read_embedding(m, t), up.read_embedding(m, t))
                   for m, t in pairs)
        print(f"geneb store upgrade format 1 -> {best['kind']}: {t_up:.1f} s, "
              f"{rep.rewritten} arrays rewritten; same values as the fresh store: "
              f"{'yes' if same else 'NO'}")
        old = results[0]
        remote_open = max(old["http"]["full_open"], old["s3"]["full_open"])
        new_open = max(best["http"]["full_open"], best["s3"]["full_open"])
        print(f"scale: objects {old['full']:,} -> {best['full']:,}, remote open "
              f"{remote_open:.1f} s -> {new_open:.2f} s, probe-run read "
              f"{best['local']['run']:.1f} s")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
