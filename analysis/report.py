"""``report.html`` (self-contained static page) and ``report.md`` (the same content as text).

Every section is built once as a list of blocks (text, table, figure with a table as its
text form) and rendered twice, so the page and the Markdown never disagree.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from geneb.analysis import figures
from geneb.analysis.aggregate import category_scores, macro_micro, present_categories, seed_spread
from geneb.analysis.compare import DEFAULT_PAIRS, MatchedPair, matched_comparisons
from geneb.analysis.fewshot import (category_drops, category_winners, fewshot_drops,
                                    regime_rank_correlations, winner_change_counts)
from geneb.analysis.scaling import model_table, pareto_frontier, scaling_correlations, smaller_wins
from geneb.analysis.stability import (bootstrap_scores, category_rank_correlations,
                                      macro_micro_agreement)
from geneb.analysis.variance import DEFAULT_SD_THRESHOLD, high_variance_tasks, task_spread
from geneb.analysis.view import analysis_view, own_tasks_view
from geneb.analysis.view import has_published as _has_published
from geneb.analysis.view import main_regime as _main_regime
from geneb.core.atomic import atomic_write_text
from geneb.core.provenance import geneb_version, library_versions

#: Section ids, in page order (the browser test checks each is shown).
SECTION_IDS = ("overview", "leaderboard", "heatmap", "scaling", "comparisons", "fewshot",
               "stability", "variance", "tasks", "published")


@dataclass
class Block:
    kind: str                    #: "text", "table" or "figure"
    text: str = ""               #: paragraph, or the figure's caption
    table: pd.DataFrame | None = None
    png: str = ""                #: base64 PNG (figures)
    digits: int = 3


@dataclass
class Section:
    id: str
    title: str
    blocks: list[Block] = field(default_factory=list)

    def text(self, s: str) -> None:
        self.blocks.append(Block("text", s))

    def table(self, df: pd.DataFrame, caption: str = "", digits: int = 3) -> None:
        self.blocks.append(Block("table", caption, df, digits=digits))

    def figure(self, png: str, caption: str, df: pd.DataFrame | None = None) -> None:
        self.blocks.append(Block("figure", caption, df, png))


def _own_models(cube: xr.Dataset) -> list[str]:
    if "source" in cube.coords:
        return [str(m) for m, s in zip(cube["model"].values, cube["source"].values)
                if str(s) == "geneb run"]
    return [] if _has_published(cube) else [str(m) for m in cube["model"].values]


def _category_comparison(full: xr.Dataset, view: xr.Dataset, models: list[str], regime: str,
                         metric: str) -> pd.DataFrame:
    """Each of ``models``' category scores (on its own tasks) beside the published ones."""
    own = category_scores(own_tasks_view(full, models, metric), metric).sel(regime=regime)
    pub = category_scores(view, metric).sel(regime=regime)
    rows = []
    for c in [str(c) for c in own["category"].values]:
        row = {"category": c}
        for m in models:
            row[m] = float(own.sel(model=m, category=c))
        if c in [str(x) for x in pub["category"].values]:
            vals = pub.sel(category=c)
            best = int(np.nanargmax(vals.values))
            row["published best"] = str(vals["model"].values[best])
            row["best score"] = float(vals.values[best])
            row["published median"] = float(np.nanmedian(vals.values))
        rows.append(row)
    return pd.DataFrame(rows).set_index("category")


def build_sections(cube: xr.Dataset, *, metric: str = "mcc", n_boot: int = 500,
                   sd_threshold: float = DEFAULT_SD_THRESHOLD,
                   exclude_models: Sequence[str] = (),
                   pairs: Sequence[MatchedPair] = DEFAULT_PAIRS) -> list[Section]:
    """All report sections for a cube (own run, imported official results, or both).

    Parameters
    ----------
    exclude_models : sequence of str
        Models to leave out in an extra scaling correlation.
    pairs : sequence of MatchedPair
        Matched comparisons to show (default: :data:`DEFAULT_PAIRS`).
    """
    full_cube = cube
    cube, unranked = analysis_view(full_cube, metric)
    regime = _main_regime(cube)
    regimes = [str(r) for r in cube["regime"].values]
    cats = present_categories(cube)
    own = [m for m in _own_models(full_cube) if m not in unranked]
    out = []

    s = Section("overview", "Overview")
    s.text(f"{cube.sizes['model']} models × {cube.sizes['task']} tasks in {len(cats)} categories, "
           f"regimes {', '.join(regimes)}; seeds {', '.join(str(int(x)) for x in cube['seed'].values)}. "
           f"Scores are {metric.upper()}; category = mean of its tasks, macro = mean of the "
           f"categories, micro = mean of the tasks (as in the GENEB release).")
    if _has_published(cube):
        s.text("Published GENEB results are stored at seed −1: the release reports the mean "
               "over its five seeds, so their seed spread is not available.")
    if unranked:
        s.text(f"Not in the rankings (no complete results on the tasks shown): "
               f"{', '.join(unranked)}; see the comparison with the published models.")
    s.text(f"Made by geneb {geneb_version()}.")
    out.append(s)

    s = Section("leaderboard", "Leaderboard (macro ± sd over seeds)")
    mm = macro_micro(cube, metric)
    spread = seed_spread(cube, metric).pivot(index="model", columns="regime",
                                             values=["macro_mean", "macro_sd"])
    lb = pd.DataFrame(index=pd.Index([str(m) for m in cube["model"].values], name="model"))
    for r in reversed(regimes):
        lb[f"macro {r}"] = mm["macro"].sel(regime=r).values
        lb[f"sd {r}"] = spread[("macro_sd", r)].reindex(lb.index).values
    lb[f"micro {regime}"] = mm["micro"].sel(regime=regime).values
    if "source" in cube.coords:
        lb["source"] = [str(x) for x in cube["source"].values]
    lb = lb.sort_values(f"macro {regime}", ascending=False)
    lb.insert(0, "rank", np.arange(1, len(lb) + 1))
    s.text("sd = sample standard deviation of the macro score over seeds (few-shot regimes); "
           "the full regime shares one fit across seeds; blank where only a published mean exists.")
    s.table(lb)
    out.append(s)

    s = Section("heatmap", "Category heat map")
    cs = category_scores(cube, metric)
    order = lb.index.tolist()
    for r in regimes[::-1]:
        t = cs.sel(regime=r).transpose("model", "category").to_pandas().reindex(index=order)[cats]
        s.figure(figures.heatmap(t, f"{metric.upper()} per category ({r})", vmin=-0.1, vmax=1.0),
                 f"Models (rows, by macro {regime}) × categories, {r} regime.", t)
    out.append(s)

    s = Section("scaling", "Scaling with model size")
    table = model_table(cube, regime, metric)
    corr = scaling_correlations(cube, regime, metric, exclude_models=exclude_models)
    front = pareto_frontier(cube, regime, metric)
    excluded = set(table.index[table.get("pretraining_group", pd.Series(dtype=str)) == "prokaryotic"]) \
        if "pretraining_group" in table else set()
    sized = table[np.isfinite(table["params"].astype(float))] if "params" in table else table.iloc[:0]
    if len(sized) >= 3:
        s.figure(figures.scaling_scatter(table, front, f"macro {metric.upper()} ({regime}) vs size",
                                         highlight=excluded),
                 "Each model's macro score against its parameter count (log scale); the line is "
                 "the Pareto frontier (no smaller model scores higher); red = prokaryotic-only "
                 "pretraining.", sized[["params", "macro"]])
        macro_rows = corr[corr["scope"] == "macro"].drop(columns="scope")
        s.table(macro_rows, "Spearman ρ between log10(parameters) and macro score "
                            "(p rounded to 3 decimals; 0.000 means p < 0.0005).")
        per_cat = corr[corr["scope"] != "macro"].pivot(index="scope", columns="subset", values="rho")
        s.table(per_cat.reindex(cats), "Spearman ρ per category, by model subset.")
        sw = smaller_wins(cube, regime, metric)
        s.text(f"Of {sw['n_pairs']} pairs where one model has at most 1/{sw['factor']:g} of the "
               f"other's parameters, the smaller model has the higher macro score in "
               f"{sw['n_smaller_wins']} ({sw['fraction']:.0%}).")
        if sw["examples"]:
            s.table(pd.DataFrame(sw["examples"]), "Largest margins of a ≥5× smaller model.")
        s.table(front, "Pareto frontier.")
    else:
        s.text("Fewer than 3 models with a known parameter count: no scaling analysis.")
    out.append(s)

    s = Section("comparisons", "Matched comparisons")
    comp = matched_comparisons(cube, pairs, regime, metric)
    if len(comp):
        s.text("Pairs of models that differ mainly in one design choice; Δ = a − b "
               f"({regime}); wins = categories where a (or b) scores higher.")
        s.table(comp[["axis", "a", "b", "note", "delta_macro", "wins_a", "wins_b"]])
        s.table(comp.set_index(["axis", "a", "b"])[cats], "Per-category Δ.")
    else:
        s.text("None of the declared model pairs are both in these results "
               "(the default pairs are among the 40 GENEB models; import the official results "
               "to see them).")
    out.append(s)

    s = Section("fewshot", "Few-shot robustness")
    drops = fewshot_drops(cube, metric)
    if len(regimes) > 1:
        s.figure(figures.fewshot_curves(drops, f"macro {metric.upper()} by regime"),
                 "Macro score per regime, one line per model.", drops[[r for r in
                                                                       ("1shot", "10shot", "full")
                                                                       if r in drops]])
        s.table(drops.sort_values(regimes[-1] if "full" not in drops else "full",
                                  ascending=False), "Macro scores and drops (positive = worse "
                                                    "with fewer shots).")
        cd = category_drops(cube, metric)
        drop_cols = [c for c in ("drop_full_10shot", "drop_10shot_1shot") if c in cd]
        if drop_cols:
            per_cat = cd.groupby("category", sort=False)[drop_cols].mean().reindex(cats)
            s.table(per_cat, "Mean drop per category over models (per model and category: "
                             "task_scores.csv, or geneb.analysis.category_drops).")
        wc = winner_change_counts(cube, metric)
        s.text("Categories whose best model changes: " + "; ".join(
            f"{k}: {v}" for k, v in wc.items() if k != "n_categories") +
            f" (of {wc['n_categories']}).")
        s.table(category_winners(cube, metric), "Best model per category and regime.")
        s.table(regime_rank_correlations(cube, metric), "Rank correlation of macro scores "
                                                        "between regimes.")
    else:
        s.text("Only one regime in these results.")
    out.append(s)

    s = Section("stability", "Rank stability")
    rc = category_rank_correlations(cube, regime, metric)
    s.figure(figures.heatmap(rc, f"Spearman ρ between category rankings ({regime})", vmin=-1,
                             vmax=1, cmap="RdBu_r"),
             "How similarly the categories (and macro, micro) rank the models.", rc)
    ag = macro_micro_agreement(cube, regime, metric)
    s.text(f"Macro vs micro ranking ({regime}): Spearman {ag['spearman']:.3f}, Kendall "
           f"{ag['kendall']:.3f}; same winner: {'yes' if ag['same_winner'] else 'no'}; top-5 "
           f"overlap {ag['top5_overlap']}/5; mean |rank shift| {ag['mean_abs_rank_shift']:.2f}, "
           f"largest {ag['max_abs_rank_shift']} ({ag['most_shifted']}).")
    boot = bootstrap_scores(cube, regime, metric, n_boot=n_boot)
    s.figure(figures.rank_intervals(boot, f"bootstrap rank intervals ({regime})"),
             f"Bootstrap ({n_boot} replicates) resampling tasks within categories and seeds.",
             boot)
    out.append(s)

    s = Section("variance", "High-variance tasks")
    high, wins = high_variance_tasks(cube, regime, metric, sd_threshold)
    s.text(f"{len(high)} of {cube.sizes['task']} tasks have an across-model sd of "
           f"{metric.upper()} above {sd_threshold} ({regime}): the choice of model matters most there.")
    if len(high):
        s.table(high)
        s.table(wins.to_frame(), "Which pretraining groups win them.")
    out.append(s)

    s = Section("tasks", "Per-task results with spread")
    s.text("Across-model mean, sd and range per task, with the best model; sd over seeds of "
           "each model's few-shot scores is in task_scores.csv.")
    s.table(task_spread(cube, regime, metric))
    out.append(s)

    s = Section("published", "Comparison with the published models")
    ranked_among = bool(own) and _has_published(cube) and len(own) < cube.sizes["model"]
    placed = bool(unranked) and _has_published(full_cube)
    if ranked_among:
        ranked = lb[[f"macro {regime}", f"micro {regime}"]].copy()
        ranked.insert(0, "rank", np.arange(1, len(ranked) + 1))
        ranked["yours"] = ["yes" if m in own else "" for m in ranked.index]
        s.text(f"Your models ({', '.join(own)}) ranked among the published models ({regime}). "
               "Scores are comparable only where the tasks and splits are the official ones.")
        s.table(ranked)
    if placed:
        s.text(f"{', '.join(unranked)} ran on other tasks than the official ones, so they are "
               f"compared per category only ({regime}). Task sets and splits differ (geneb-mini "
               f"tasks are subsets of the official ones; your own tasks are new), so read this "
               f"as a rough placement, not a ranking.")
        s.table(_category_comparison(full_cube, cube, unranked, regime, metric))
    if not (ranked_among or placed):
        if _has_published(full_cube):
            s.text("These results are the published GENEB results only; run your own models "
                   "and add them (`geneb report --cube yours.zarr --with-official`) to compare.")
        else:
            s.text("No published results imported. Add `--with-official` to `geneb report` "
                   "to place your models among the 41 published ones.")
    out.append(s)
    return out


def report_title(cube: xr.Dataset) -> str:
    own = _own_models(cube)
    if _has_published(cube) and own:
        return f"geneb report: {len(own)} of your models among the published GENEB models"
    if _has_published(cube):
        return "geneb report: published GENEB results"
    return f"geneb report: {cube.sizes['model']} models"


# --------------------------------------------------------------------------- rendering

def _fmt(v, digits: int) -> str:
    if isinstance(v, (float, np.floating)):
        if not np.isfinite(v):
            return ""
        if abs(v) >= 1e5:
            return f"{v:.3g}"
        return f"{v:.{digits}f}"
    return str(v)


def _md_table(df: pd.DataFrame, digits: int) -> str:
    d = df.reset_index() if not isinstance(df.index, pd.RangeIndex) else df
    head = "| " + " | ".join(str(c) for c in d.columns) + " |"
    sep = "|" + "---|" * len(d.columns)
    body = ["| " + " | ".join(_fmt(v, digits).replace("|", "/") for v in row) + " |"
            for row in d.itertuples(index=False)]
    return "\n".join([head, sep, *body])


def _html_table(df: pd.DataFrame, digits: int) -> str:
    d = df.reset_index() if not isinstance(df.index, pd.RangeIndex) else df
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in d.columns)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(_fmt(v, digits))}</td>" for v in row)
                   + "</tr>" for row in d.itertuples(index=False))
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>'


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:0 auto;max-width:1200px;
padding:1em 2em;color:#222} h1{font-size:1.6em} h2{border-bottom:1px solid #ccc;margin-top:2em}
nav a{margin-right:1em} table{border-collapse:collapse;font-size:12px;margin:.5em 0}
td,th{border:1px solid #ddd;padding:2px 6px;text-align:right} th{background:#f4f4f4}
td:first-child,th:first-child{text-align:left} .scroll{max-height:480px;overflow:auto}
figure{margin:1em 0} figure img{max-width:100%;height:auto} figcaption,.cap{color:#555;font-size:13px}
"""


def render_html(sections: list[Section], title: str) -> str:
    """A self-contained page: inline CSS, figures as data: URIs, no scripts, no network."""
    nav = " ".join(f'<a href="#{s.id}">{html.escape(s.title)}</a>' for s in sections)
    parts = [f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
             f"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
             f"img-src data:; style-src 'unsafe-inline'\">"
             f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
             f"<h1>{html.escape(title)}</h1><nav>{nav}</nav>"]
    for s in sections:
        parts.append(f'<section id="{s.id}"><h2>{html.escape(s.title)}</h2>')
        for b in s.blocks:
            if b.kind == "text":
                parts.append(f"<p>{html.escape(b.text)}</p>")
            elif b.kind == "table":
                if b.text:
                    parts.append(f'<p class="cap">{html.escape(b.text)}</p>')
                parts.append(_html_table(b.table, b.digits))
            else:
                parts.append(f'<figure><img alt="{html.escape(b.text)}" '
                             f'src="data:image/png;base64,{b.png}"><figcaption>'
                             f'{html.escape(b.text)}</figcaption></figure>')
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)


def render_markdown(sections: list[Section], title: str) -> str:
    """The same sections as Markdown; each figure is given as the table it plots."""
    parts = [f"# {title}", ""]
    for s in sections:
        parts += [f"## {s.title}", f"<a id=\"{s.id}\"></a>", ""]
        for b in s.blocks:
            if b.kind == "text":
                parts += [b.text, ""]
            elif b.kind == "table":
                if b.text:
                    parts += [f"*{b.text}*", ""]
                parts += [_md_table(b.table, b.digits), ""]
            else:
                parts += [f"*Figure: {b.text}* (data below)", ""]
                if b.table is not None:
                    parts += [_md_table(b.table, b.digits), ""]
    return "\n".join(parts)


def write_report(cube: xr.Dataset, out: str | Path, *, title: str | None = None,
                 metric: str = "mcc", n_boot: int = 500, **options) -> dict[str, Path]:
    """Write ``report.html`` and ``report.md`` into ``out`` (atomically, each).

    ``options`` go to :func:`build_sections` (``exclude_models``, ``pairs``, ``sd_threshold``).

    Returns
    -------
    dict with paths ``html`` and ``md``
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    title = title or report_title(cube)
    sections = build_sections(cube, metric=metric, n_boot=n_boot, **options)
    docs = {"html": render_html(sections, title), "md": render_markdown(sections, title)}
    meta = json.dumps({"geneb": geneb_version(), "versions": library_versions(["matplotlib"])})
    docs["html"] = docs["html"].replace("<head>", f"<head><!-- {html.escape(meta)} -->", 1)
    paths = {}
    for kind, text in docs.items():
        path = out / f"report.{kind}"
        atomic_write_text(path, text)
        paths[kind] = path
    return paths
