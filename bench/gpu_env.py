"""gpu_check step 1: the environment: GPU, CUDA, torch, library versions, cuML, mamba-ssm.

cuML is optional. With ``--wheel-dir DIR`` on a CUDA device, a cuML wheel found there
(``cuml_cu13-*`` or ``cuml_cu12-*``, with its dependencies in the same folder) is installed
with pip, offline, within ``--install-timeout`` seconds; otherwise the record says why not.
"""

from __future__ import annotations

import importlib
import platform
import subprocess
import sys
from pathlib import Path

from _step import run_step, skipped, step_parser

#: why cuML is not installed when no wheel folder is given (PROBE_NOTES.md, "cuML wheels")
NO_WHEELS = ("no --wheel-dir given: the device machine has no package registry, and the cuML "
             "stack (cudf and ~40 CUDA packages) is far over what one device run can carry")


def _version(module: str) -> str | None:
    try:
        return str(getattr(importlib.import_module(module), "__version__", "?"))
    except Exception:
        return None


def import_error(module: str) -> str:
    """Empty when ``module`` imports in a fresh interpreter, else its error's last line."""
    r = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True,
                       text=True, timeout=120)
    if r.returncode == 0:
        return ""
    lines = [x for x in r.stderr.strip().splitlines() if x.strip()]
    return lines[-1] if lines else f"exit status {r.returncode}"


def gpu_facts() -> dict | None:
    """Name, memory, compute capability, bf16 support and driver of GPU 0 (None: no GPU)."""
    import torch
    if not torch.cuda.is_available():
        return None
    p = torch.cuda.get_device_properties(0)
    facts = {"name": p.name, "memory_gib": round(p.total_memory / 2**30, 1),
             "capability": f"{p.major}.{p.minor}", "multiprocessors": p.multi_processor_count,
             "bf16": bool(torch.cuda.is_bf16_supported()), "count": torch.cuda.device_count()}
    try:
        smi = subprocess.run(["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=30)
        facts["driver"] = smi.stdout.strip() or None
    except (OSError, subprocess.TimeoutExpired):
        facts["driver"] = None
    return facts


def install_cuml(wheel_dir: Path, timeout: float) -> dict:
    """pip-install a cuML wheel from ``wheel_dir`` (offline); the record of what happened."""
    wheels = sorted(wheel_dir.glob("cuml_cu1[23]-*.whl")) if wheel_dir.is_dir() else []
    if not wheels:
        return skipped(f"no cuml_cu12/cuml_cu13 wheel in {wheel_dir}")
    name = wheels[-1].name.split("-")[0].replace("_", "-")
    cmd = [sys.executable, "-m", "pip", "install", "--no-index", "--find-links", str(wheel_dir),
           name]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"status": "failed", "reason": f"pip install {name} ran over {timeout:.0f} s"}
    if r.returncode != 0:
        tail = (r.stderr.strip().splitlines() or ["?"])[-1]
        return {"status": "failed", "reason": f"pip install {name}: {tail}"}
    return {"status": "ok", "installed": name}


def cuml_record(device: str, wheel_dir: Path | None, timeout: float) -> dict:
    """Whether cuML imports (after trying to install it when a wheel folder is given)."""
    err = import_error("cuml")
    if not err:
        return {"status": "ok", "version": _version("cuml"), "installed_here": False}
    if device != "cuda":
        unused = f"; {wheel_dir} not used for it" if wheel_dir is not None else ""
        return skipped(f"device {device}: cuML needs a CUDA GPU (import: {err}){unused}")
    if wheel_dir is None:
        return skipped(f"{NO_WHEELS} (import: {err})")
    inst = install_cuml(wheel_dir, timeout)
    if inst["status"] != "ok":
        return {**inst, "import_error": err}
    err = import_error("cuml")
    if err:
        return {"status": "failed", "reason": f"installed {inst['installed']} but import fails: "
                                              f"{err}"}
    return {"status": "ok", "version": _version("cuml"), "installed_here": True}


def environment(args) -> dict:
    import torch
    gpu = gpu_facts()
    out = {"python": platform.python_version(), "platform": platform.platform(),
           "cpu_count": __import__("os").cpu_count(), "torch": torch.__version__,
           "torch_cuda": torch.version.cuda, "cuda_available": torch.cuda.is_available(),
           "gpu": gpu,
           "libraries": {m: _version(m) for m in ("numpy", "scipy", "sklearn", "transformers",
                                                  "zarr", "xarray", "dask", "distributed")},
           "geneb_import_error": import_error("geneb.probe") or None}
    if args.device == "cuda" and gpu is None:
        return {**out, "status": "failed", "reason": "--device cuda but torch sees no CUDA GPU",
                "cuml": skipped("no CUDA GPU"), "mamba_ssm": skipped("no CUDA GPU")}
    out["cuml"] = cuml_record(args.device, args.wheel_dir, args.install_timeout)
    mamba = import_error("mamba_ssm")
    out["mamba_ssm"] = ({"status": "ok", "version": _version("mamba_ssm")} if not mamba
                        else skipped(f"mamba_ssm does not import: {mamba}"))
    return out


def main(argv=None) -> int:
    ap = step_parser("gpu_check env", small=False)
    ap.add_argument("--wheel-dir", type=Path, default=None,
                    help="folder of wheels to install cuML from (offline)")
    ap.add_argument("--install-timeout", type=float, default=120.0)
    return run_step(environment, ap, argv)


if __name__ == "__main__":
    sys.exit(main())
