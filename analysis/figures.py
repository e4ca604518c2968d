"""Matplotlib figures of the analyses (Agg backend), returned as base64 PNG strings."""

from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

_DPI = 90


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=_DPI, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _short(name: str, n: int = 32) -> str:
    return name if len(name) <= n else name[: n - 1] + "…"


def heatmap(table: pd.DataFrame, title: str, *, vmin: float | None = None,
            vmax: float | None = None, cmap: str = "viridis", annotate: bool = True) -> str:
    """Heat map of a (rows × columns) numeric table."""
    h = 0.28 * len(table) + 1.6
    w = 0.62 * table.shape[1] + 3.5
    fig, ax = plt.subplots(figsize=(w, h))
    values = table.to_numpy(float)
    im = ax.imshow(values, aspect="auto", cmap=cmap, vmin=vmin, vmax=vmax)
    ax.set_xticks(range(table.shape[1]), [_short(str(c), 18) for c in table.columns],
                  rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(table)), [_short(str(i)) for i in table.index], fontsize=7)
    if annotate and values.size <= 700:
        for (i, j), v in np.ndenumerate(values):
            if np.isfinite(v):
                ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=5.5,
                        color="white" if v < np.nanmean(values) else "black")
    ax.set_title(title, fontsize=10)
    fig.colorbar(im, ax=ax, fraction=0.03, pad=0.02)
    return _png(fig)


def scaling_scatter(models: pd.DataFrame, frontier: pd.DataFrame, title: str,
                    highlight: set[str] = frozenset()) -> str:
    """Macro score vs parameters (log x), Pareto frontier as a step line.

    ``models`` has columns params, macro (index: model); ``highlight`` models are marked.
    """
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    ok = models[np.isfinite(models["params"].astype(float))]
    colors = ["tab:red" if m in highlight else "tab:blue" for m in ok.index]
    ax.scatter(ok["params"].astype(float), ok["macro"], c=colors, s=22, zorder=3)
    for m, r in ok.iterrows():
        ax.annotate(_short(str(r.get("display") or m), 18), (float(r["params"]), r["macro"]),
                    fontsize=5.5, xytext=(2, 2), textcoords="offset points")
    if len(frontier):
        ax.step(frontier["params"].astype(float), frontier["macro"], where="post",
                color="tab:orange", lw=1.5, label="Pareto frontier", zorder=2)
        ax.legend(fontsize=8, loc="lower right")
    ax.set_xscale("log")
    ax.set_xlabel("parameters")
    ax.set_ylabel("macro MCC")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    return _png(fig)


def fewshot_curves(drops: pd.DataFrame, title: str, label_top: int = 8) -> str:
    """Macro score per regime (1-shot, 10-shot, full), one line per model."""
    regimes = [r for r in ("1shot", "10shot", "full") if r in drops]
    fig, ax = plt.subplots(figsize=(7, 4.8))
    best = set(drops.sort_values(regimes[-1], ascending=False).index[:label_top])
    for m, r in drops.iterrows():
        y = [r[g] for g in regimes]
        ax.plot(range(len(regimes)), y, marker="o", ms=3, lw=1.2 if m in best else 0.6,
                alpha=0.95 if m in best else 0.35, label=_short(m, 28) if m in best else None)
    ax.set_xticks(range(len(regimes)), regimes)
    ax.set_ylabel("macro MCC")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=6, loc="upper left", title=f"top {label_top} ({regimes[-1]})",
              title_fontsize=7)
    return _png(fig)


def rank_intervals(boot: pd.DataFrame, title: str) -> str:
    """Bootstrap rank intervals per model (point = rank, bar = 95% interval)."""
    b = boot.sort_values("rank")
    fig, ax = plt.subplots(figsize=(7, 0.2 * len(b) + 1.2))
    y = np.arange(len(b))
    ax.hlines(y, b["rank_low"], b["rank_high"], color="tab:blue", lw=2)
    ax.plot(b["rank"], y, "o", color="black", ms=3)
    ax.set_yticks(y, [_short(str(m)) for m in b.index], fontsize=6.5)
    ax.invert_yaxis()
    ax.set_xlabel("rank (95% bootstrap interval over tasks within categories and seeds)")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3, axis="x")
    return _png(fig)
