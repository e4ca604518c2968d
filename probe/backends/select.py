"""``--backend auto``: choose the probe backend by measured evidence on the device.

A backend qualifies when it can run here and its parity with the exact reference was measured
on this kind of device and is within the bound (mean |ΔMCC| ≤ 0.005 against
``--exact-reference``). Among those that qualify, the one with the most fits per second on the
same problems wins. Without any measurement for this device, ``torch`` is chosen (the backend
whose parity the test suite checks), and the reason says that nothing was measured. The
reference (``sklearn``) is the last resort. The choice always comes with a one-line reason,
meant for the cube's attrs.

Evidence is what ``bench/gpu_check.sh`` writes (``gpu_check.json``): parity per backend
(``steps.parity``) and fits per second of torch and cuML on the same problems
(``steps.scale.cuml_vs_torch``); :func:`evidence_from_gpu_check` reads it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

#: mean |ΔMCC| against ``--exact-reference`` a backend must stay within (the project's bound)
PARITY_BOUND = 0.005


@dataclass(frozen=True)
class Candidate:
    """A backend that ``auto`` may pick, and whether it can run here.

    Attributes
    ----------
    name : str
        Backend name as ``--backend`` takes it (``torch``, ``cuml``, ``sklearn``).
    device : str
        ``cpu`` or ``cuda`` (cuML: always ``cuda``).
    available : bool
    why_not : str
        Why it cannot run here (empty when available).
    """

    name: str
    device: str
    available: bool = True
    why_not: str = ""


@dataclass(frozen=True)
class Evidence:
    """One backend's measurements on a device (from one benchmark run).

    Attributes
    ----------
    name, device : str
        As in :class:`Candidate`.
    mean_abs_dmcc : float or None
        Mean |ΔMCC| against the exact reference on the parity grid (None: not measured).
    fits_per_second : float or None
        On the same problems as the other backends of the same source (None: not measured).
    source : str
        Where the numbers come from (file, date, GPU), quoted in the reason.
    """

    name: str
    device: str
    mean_abs_dmcc: float | None = None
    fits_per_second: float | None = None
    source: str = ""


def candidates_here(device: str | None = None) -> list[Candidate]:
    """The backends ``auto`` considers on this machine, with why each cannot run.

    Parameters
    ----------
    device : str, optional
        ``cpu`` or ``cuda``; default CUDA when torch sees a GPU.
    """
    from .cuml_backend import cuml_available
    from .torch_backend import cuda_available
    gpu = cuda_available()
    dev = (device or ("cuda" if gpu else "cpu")).split(":")[0]
    out = [Candidate("torch", dev, dev == "cpu" or gpu,
                     "" if dev == "cpu" or gpu else "torch sees no CUDA GPU")]
    if dev == "cuda":
        ok = cuml_available()
        out.append(Candidate("cuml", "cuda", ok, "" if ok else "cuML does not import here"))
    out.append(Candidate("sklearn", "cpu"))
    return out


def _label(name: str, device: str) -> str:
    return name if name in ("cuml", "sklearn") else f"{name}:{device}"


def choose_backend(candidates: list[Candidate], evidence: list[Evidence], *,
                   parity_bound: float = PARITY_BOUND) -> tuple[str, str]:
    """Pick the backend for ``--backend auto``.

    Parameters
    ----------
    candidates : list of Candidate
        What may run here (:func:`candidates_here`).
    evidence : list of Evidence
        Measurements on this kind of device; entries for other devices are ignored.
    parity_bound : float

    Returns
    -------
    (str, str)
        The backend name (``torch``, ``cuml`` or ``sklearn``) and a one-line reason.
    """
    usable = [c for c in candidates if c.available]
    if not usable:
        raise ValueError("no probe backend can run here: "
                         + "; ".join(f"{c.name}: {c.why_not}" for c in candidates))
    measured = {(e.name, e.device): e for e in evidence if e.mean_abs_dmcc is not None}
    ok = [(c, measured[c.name, c.device]) for c in usable
          if (c.name, c.device) in measured
          and measured[c.name, c.device].mean_abs_dmcc <= parity_bound]
    rejected = [f"{_label(c.name, c.device)} mean |dMCC| "
                f"{measured[c.name, c.device].mean_abs_dmcc:.4f} > {parity_bound}"
                for c in usable if (c.name, c.device) in measured
                and measured[c.name, c.device].mean_abs_dmcc > parity_bound]
    note = f"; rejected: {', '.join(rejected)}" if rejected else ""
    timed = [(c, e) for c, e in ok if e.fits_per_second]
    if timed:
        c, e = max(timed, key=lambda ce: ce[1].fits_per_second)
        others = ", ".join(f"{_label(o.name, o.device)} {oe.fits_per_second:.1f}"
                           for o, oe in timed if o is not c)
        return c.name, (f"{_label(c.name, c.device)}: fastest within parity, "
                        f"{e.fits_per_second:.1f} fits/s" + (f" vs {others}" if others else "")
                        + f", mean |dMCC| {e.mean_abs_dmcc:.4f} <= {parity_bound} "
                        f"[{e.source}]{note}")
    if ok:
        c, e = next(((c, e) for c, e in ok if c.name == "torch"), ok[0])
        return c.name, (f"{_label(c.name, c.device)}: parity measured, mean |dMCC| "
                        f"{e.mean_abs_dmcc:.4f} <= {parity_bound} [{e.source}]; no speed "
                        f"measured{note}")
    torch_c = next((c for c in usable if c.name == "torch"), None)
    if torch_c is not None and (torch_c.name, torch_c.device) not in measured:
        return "torch", (f"{_label('torch', torch_c.device)}: no parity measurement on this "
                         f"device; torch is the backend whose parity the test suite checks"
                         f"{note}")
    why = rejected + [f"{c.name}: {c.why_not}" for c in candidates if not c.available]
    return "sklearn", "sklearn: the exact reference (slow); " + "; ".join(why)


def evidence_from_gpu_check(path: str | Path) -> list[Evidence]:
    """The parity and speed measurements of a ``gpu_check.json`` (``bench/gpu_check.sh``).

    Steps that were skipped or failed give no evidence.
    """
    doc = json.loads(Path(path).read_text())
    device = doc.get("device", "cpu")
    steps = doc.get("steps", {})
    gpu = (steps.get("env", {}).get("gpu") or {}).get("name") or device
    source = f"{Path(path).name} {doc.get('started', '')[:10]} {gpu}".strip()
    parity = steps.get("parity", {})
    speed = steps.get("scale", {}).get("cuml_vs_torch", {})
    out = []
    for name in ("torch", "cuml"):
        p, s = parity.get(name, {}), speed.get(name, {})
        dmcc = p.get("mean_abs_dmcc") if p.get("status", "ok") == "ok" else None
        fps = s.get("fits_per_second") if speed.get("status") == "ok" else None
        if dmcc is not None or fps is not None:
            out.append(Evidence(name, "cuda" if name == "cuml" else device, dmcc, fps, source))
    return out


def auto_choice(device: str | None = None,
                evidence_file: str | Path | None = None) -> tuple[str, str]:
    """``--backend auto`` on this machine: :func:`choose_backend` over
    :func:`candidates_here`, with the measurements of ``evidence_file`` (a ``gpu_check.json``)
    when given.

    Returns
    -------
    (str, str)
        Backend name and the reason to record in the cube.
    """
    evidence = evidence_from_gpu_check(evidence_file) if evidence_file else []
    return choose_backend(candidates_here(device), evidence)


__all__ = ["PARITY_BOUND", "Candidate", "Evidence", "auto_choice", "candidates_here",
           "choose_backend", "evidence_from_gpu_check"]
