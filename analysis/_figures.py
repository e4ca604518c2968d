"""Matplotlib figures of the analyses (Agg backend), returned as base64 PNG strings.

Figures are drawn at :data:`DPI` and sized to at most about 1,150 px wide, so the report
shows them at 100 % (no down-scaling) in a 1,200 px column. Rows that are not official
arrive already marked in their labels (``name [submission]``); the scatter and the curves
draw them with their own marker and line style as well.
"""

from __future__ import annotations

import base64
import io
import itertools

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.colors import Normalize, TwoSlopeNorm  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.transforms import Bbox  # noqa: E402

DPI = 100
#: Marker and colour of each kind of point in the scaling scatter.
_KINDS = {"official": ("o", "tab:blue", "official"),
          "prokaryotic": ("^", "tab:red", "prokaryotic-only pretraining"),
          "submission": ("D", "tab:orange", "submission (self-reported)"),
          "computed": ("s", "tab:green", "computed here")}


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _text_colour(rgba) -> str:
    """Black or white, whichever reads better on a cell of colour ``rgba``."""
    r, g, b = rgba[:3]
    return "black" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.45 else "white"


def heatmap(table: pd.DataFrame, title: str, *, center: float | None = None,
            annotate: bool = True, digits: int = 2) -> str:
    """Heat map of a (rows × columns) numeric table, labels in full.

    The colour scale spans the data's range (for a square table with the same rows and
    columns, such as a correlation matrix, the range off its diagonal): sequential
    (viridis), or diverging around ``center`` when the data lie on both sides of it. Each
    cell's number is black or white to contrast with its colour.
    """
    values = table.to_numpy(float)
    finite = values[np.isfinite(values)]
    if list(table.index) == list(table.columns):
        off = values[~np.eye(len(table), dtype=bool) & np.isfinite(values)]
        finite = off if off.size else finite
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    hi = hi if hi > lo else lo + 1e-9
    if center is not None and lo < center < hi:
        cmap, norm = "RdBu_r", TwoSlopeNorm(center, lo, hi)
    else:
        cmap, norm = "viridis", Normalize(lo, hi, clip=True)
    cell_w = 0.52 if table.shape[1] > 8 else 0.7
    fig, ax = plt.subplots(figsize=(cell_w * table.shape[1] + 1.4,
                                    0.24 * len(table) + 1.6), dpi=DPI)
    im = ax.imshow(values, aspect="auto", cmap=cmap, norm=norm)
    ax.set_xticks(range(table.shape[1]), [str(c) for c in table.columns], rotation=45,
                  ha="right", rotation_mode="anchor", fontsize=9)
    ax.set_yticks(range(len(table)), [str(i) for i in table.index], fontsize=8.5)
    if annotate:
        colours = im.cmap(norm(np.nan_to_num(values, nan=lo)))
        for (i, j), v in np.ndenumerate(values):
            if np.isfinite(v):
                ax.text(j, i, f"{v:.{digits}f}", ha="center", va="center", fontsize=8,
                        color=_text_colour(colours[i, j]))
    ax.set_title(title, fontsize=11)
    fig.colorbar(im, ax=ax, fraction=0.04, pad=0.02, aspect=max(20, len(table)),
                 label=f"range {lo:.2f} to {hi:.2f}")
    return _png(fig)


def _candidates(w: float, h: float):
    """Label offsets (pixels, lower-left corner relative to the point), nearest first."""
    for r in (6, 12, 22, 34, 48):
        yield from ((r, r * 0.5), (r, -h - r * 0.5), (-w - r, r * 0.5), (-w - r, -h - r * 0.5),
                    (-w / 2, r + 2), (-w / 2, -h - r - 2))


def place_labels(ax, xy: np.ndarray, labels: list[str], obstacles: np.ndarray,
                 fontsize: float = 7.5) -> list[Bbox]:
    """Label points without overlaps: each label takes the nearest free spot around its
    point (not over another label, another point or outside the axes), with a leader line
    when it had to move away.

    Parameters
    ----------
    xy : ndarray, shape (n, 2)
        Points to label, in data coordinates.
    obstacles : ndarray, shape (m, 2)
        Every point drawn (data coordinates): labels keep off them.

    Returns
    -------
    list of Bbox
        The labels' boxes in display pixels (for tests).
    """
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    dots = ax.transData.transform(obstacles) if len(obstacles) else np.zeros((0, 2))
    pad = 5.0  # pixels around a marker that a label keeps clear of
    placed: list[Bbox] = []
    for (x, y), text in zip(xy, labels):
        px, py = ax.transData.transform((x, y))
        probe = ax.text(0, 0, text, fontsize=fontsize)
        ext = probe.get_window_extent(renderer)
        probe.remove()
        w, h = ext.width, ext.height
        best = None
        for dx, dy in _candidates(w, h):
            box = Bbox.from_bounds(px + dx, py + dy, w, h)
            inside = (box.x0 >= frame.x0 and box.x1 <= frame.x1 and box.y0 >= frame.y0
                      and box.y1 <= frame.y1)
            others = dots[np.hypot(dots[:, 0] - px, dots[:, 1] - py) > 0.5]
            grown = Bbox.from_extents(box.x0 - pad, box.y0 - pad, box.x1 + pad, box.y1 + pad)
            hits = grown.count_contains(others) if len(others) else 0
            if inside and hits == 0 and not any(box.overlaps(b) for b in placed):
                best = (dx, dy, box)
                break
        if best is None:
            dx, dy = next(_candidates(w, h))
            best = (dx, dy, Bbox.from_bounds(px + dx, py + dy, w, h))
        dx, dy, box = best
        far = abs(dx) > 14 + (w if dx < 0 else 0) or abs(dy) > 14 + (h if dy < 0 else 0)
        pt = 72.0 / fig.dpi
        ax.annotate(text, (x, y), xytext=(dx * pt, dy * pt), textcoords="offset points",
                    fontsize=fontsize, va="bottom", ha="left",
                    arrowprops=dict(arrowstyle="-", lw=0.5, color="0.45",
                                    shrinkA=0, shrinkB=2) if far else None)
        placed.append(box)
    return placed


def _to_label(models: pd.DataFrame, frontier: pd.DataFrame, n_outliers: int) -> list[str]:
    """Frontier models, the largest residuals from the log-linear trend, and every point
    that is not a plain official one."""
    x = np.log10(models["params"].astype(float).to_numpy())
    y = models["macro"].to_numpy(float)
    slope, icpt = np.polyfit(x, y, 1) if len(models) >= 3 else (0.0, float(np.mean(y)))
    resid = np.abs(y - (slope * x + icpt))
    out = set(frontier["model"]) if "model" in frontier else set()
    out |= set(models.index[np.argsort(-resid)[:n_outliers]])
    out |= set(models.index[models["kind"] != "official"])
    return [m for m in models.index if m in out]


def scaling_scatter(models: pd.DataFrame, frontier: pd.DataFrame, title: str,
                    n_outliers: int = 6) -> str:
    """Macro score vs parameters (log x) with the Pareto frontier as a step line.

    ``models`` (index: model) has params, macro, kind (``official``, ``prokaryotic``,
    ``submission`` or ``computed``) and label. Labelled: the frontier, the ``n_outliers``
    points furthest from the log-linear trend, and every point that is not a plain
    official one; the legend sits outside the axes.
    """
    ok = models[np.isfinite(models["params"].astype(float)) & np.isfinite(models["macro"])]
    fig, ax = plt.subplots(figsize=(8.4, 5.4), dpi=DPI)
    handles = []
    for kind, (marker, colour, name) in _KINDS.items():
        part = ok[ok["kind"] == kind]
        if len(part):
            ax.scatter(part["params"].astype(float), part["macro"], marker=marker, c=colour,
                       s=34, zorder=3, edgecolors="black", linewidths=0.4)
            handles.append(Line2D([], [], marker=marker, ls="", color=colour, mec="black",
                                  mew=0.4, label=f"{name} ({len(part)})"))
    if len(frontier):
        ax.step(frontier["params"].astype(float), frontier["macro"], where="post",
                color="tab:purple", lw=1.4, zorder=2, alpha=0.8)
        handles.append(Line2D([], [], color="tab:purple", lw=1.4,
                              label="Pareto frontier (no smaller model scores higher)"))
    ax.set_xscale("log")
    ax.set_xlabel("parameters (log scale)")
    ax.set_ylabel("macro MCC")
    ax.set_title(title, fontsize=11)
    ax.grid(alpha=0.3)
    ax.margins(x=0.08, y=0.1)
    ax.legend(handles=handles, fontsize=8.5, loc="upper left", bbox_to_anchor=(1.02, 1.0),
              borderaxespad=0, frameon=False)
    names = _to_label(ok, frontier, n_outliers)
    pts = ok[["params", "macro"]].to_numpy(float)
    place_labels(ax, ok.loc[names, ["params", "macro"]].to_numpy(float),
                 [str(ok.loc[m, "label"]) for m in names], pts)
    return _png(fig)


def fewshot_curves(drops: pd.DataFrame, title: str, marked: dict[str, str] | None = None) -> str:
    """Macro score per regime (1-shot, 10-shot, full): every model in grey, their mean
    highlighted (with its values), and ``marked`` models (model -> label) in colour."""
    regimes = [r for r in ("1shot", "10shot", "full") if r in drops]
    marked = marked or {}
    fig, ax = plt.subplots(figsize=(7.2, 4.6), dpi=DPI)
    xs = np.arange(len(regimes))
    for m, r in drops.iterrows():
        if m not in marked:
            ax.plot(xs, [r[g] for g in regimes], color="0.6", lw=0.8, alpha=0.55, zorder=1)
    handles = [Line2D([], [], color="0.6", lw=0.8,
                      label=f"each model ({len(drops) - len(marked)})")]
    palette = itertools.cycle(plt.get_cmap("tab10").colors[1:])  # tab:blue is the mean
    for (m, label), colour in zip(marked.items(), palette):
        ax.plot(xs, [drops.loc[m, g] for g in regimes], color=colour, lw=1.6, ls="--",
                marker="D", ms=4, zorder=3)
        handles.append(Line2D([], [], color=colour, lw=1.6, ls="--", marker="D", ms=4,
                              label=label))
    mean = [float(drops[g].mean()) for g in regimes]
    ax.plot(xs, mean, color="tab:blue", lw=3, marker="o", ms=7, zorder=4)
    for x, v in zip(xs, mean):
        ax.annotate(f"{v:.3f}", (x, v), xytext=(8, -4), textcoords="offset points",
                    fontsize=9, color="tab:blue", fontweight="bold")
    handles.insert(0, Line2D([], [], color="tab:blue", lw=3, marker="o",
                             label=f"mean over the {len(drops)} models"))
    ax.set_xticks(xs, regimes)
    ax.set_xlim(-0.15, len(regimes) - 0.6)  # room right of the last point for its value
    ax.set_ylabel("macro MCC")
    ax.set_title(title, fontsize=11)
    ax.grid(alpha=0.3)
    ax.legend(handles=handles, fontsize=8.5, loc="upper left", bbox_to_anchor=(1.02, 1.0),
              borderaxespad=0, frameon=False)
    return _png(fig)


def rank_intervals(boot: pd.DataFrame, title: str, xlabel: str) -> str:
    """Bootstrap rank intervals per model (point = rank, bar = 95% interval); models
    without an interval show the point only. Index: model labels, in full."""
    b = boot.sort_values("rank")
    fig, ax = plt.subplots(figsize=(7.6, 0.22 * len(b) + 1.3), dpi=DPI)
    y = np.arange(len(b))
    low = pd.to_numeric(b["rank_low"], errors="coerce").to_numpy(float)
    high = pd.to_numeric(b["rank_high"], errors="coerce").to_numpy(float)
    ok = np.isfinite(low) & np.isfinite(high)
    ax.hlines(y[ok], low[ok], high[ok], color="tab:blue", lw=2.5)
    ax.plot(np.r_[low[ok], high[ok]], np.r_[y[ok], y[ok]], "|", color="tab:blue", ms=7)
    ax.plot(b["rank"], y, "o", color="black", ms=3.5)
    ax.set_yticks(y, [str(m) for m in b.index], fontsize=8)
    ax.set_ylim(len(b) - 0.5, -0.5)
    ax.set_xlabel(xlabel, fontsize=9)
    ax.set_title(title, fontsize=11)
    ax.grid(alpha=0.3, axis="x")
    return _png(fig)
