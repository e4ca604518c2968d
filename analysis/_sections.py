"""The report's sections, built once as blocks (text, table, figure) for HTML and Markdown.

:func:`build_report` selects the rows (official by default, see
:mod:`geneb.analysis.provenance`), computes the headline figures and every section.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xarray as xr

from geneb.core.provenance import geneb_version

from . import _figures as figures
from .aggregate import category_scores, macro_micro, present_categories, seed_spread
from .compare import DESIGN_PAIRS, PAPER_PAIRS, MatchedPair, matched_comparisons
from .fewshot import (category_drops, category_winners, fewshot_drops,
                      regime_rank_correlations, winner_change_counts)
from .headline import DEFAULT_MAX_PARAMS, headline_figures, headline_table
from .provenance import OFFICIAL, RowSelection, row_labels, row_sources, select_rows
from .scaling import model_table, pareto_frontier, scaling_correlations, smaller_wins
from .stability import (bootstrap_scores, category_rank_correlations,
                        macro_micro_agreement)
from .variance import DEFAULT_SD_THRESHOLD, high_variance_tasks, task_spread
from ._view import analysis_view, has_published, main_regime, own_tasks_view

#: Section ids, in page order (the browser test checks each is shown).
SECTION_IDS = ("overview", "headline", "leaderboard", "heatmap", "scaling", "comparisons",
               "fewshot", "stability", "variance", "tasks", "published")


@dataclass
class Block:
    kind: str                    #: "text", "table" or "figure"
    text: str = ""               #: paragraph, or the figure's caption
    table: pd.DataFrame | None = None
    png: str = ""                #: base64 PNG (figures)
    digits: int = 3
    wide: bool = False           #: a figure or table wider than the text column


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


@dataclass(frozen=True)
class ReportOptions:
    """What a report shows besides the data (see :func:`build_report`)."""

    metric: str = "mcc"
    n_boot: int = 500
    sd_threshold: float = DEFAULT_SD_THRESHOLD
    exclude_models: tuple[str, ...] = ()
    pairs: tuple[MatchedPair, ...] = PAPER_PAIRS
    max_params: float = DEFAULT_MAX_PARAMS
    include: tuple[str, ...] = ()
    keep: tuple[str, ...] = ()


@dataclass(frozen=True)
class Context:
    """The cubes and facts every section reads."""

    selected: xr.Dataset          #: the rows used (before restricting to ranked tasks)
    view: xr.Dataset              #: the ranked view (official tasks, complete models)
    selection: RowSelection
    unranked: tuple[str, ...]
    own: tuple[str, ...]
    labels: dict                  #: model -> label (non-official rows marked when mixed)
    headline: dict
    opt: ReportOptions

    @property
    def regime(self) -> str:
        return main_regime(self.view)

    @property
    def regimes(self) -> list[str]:
        return [str(r) for r in self.view["regime"].values]

    @property
    def cats(self) -> list[str]:
        return present_categories(self.view)

    def relabel(self, df: pd.DataFrame) -> pd.DataFrame:
        """``df`` with its model index (or index level) and model-valued cells labelled."""
        out = df.rename(index=self.labels)
        for col in out.columns:
            if out[col].dtype == object:
                out[col] = [self.labels.get(v, v) if isinstance(v, str) else v
                            for v in out[col]]
        out.attrs = dict(df.attrs)
        return out


@dataclass
class Report:
    """Sections to render and the machine-readable document (``report.json``)."""

    title: str
    sections: list[Section]
    data: dict


def _overview(c: Context) -> Section:
    s = Section("overview", "Overview")
    v, m = c.view, c.opt.metric
    s.text(f"{v.sizes['model']} models × {v.sizes['task']} tasks in {len(c.cats)} categories, "
           f"regimes {', '.join(c.regimes)}. Scores are {m.upper()}; category = mean of its "
           f"tasks, macro = mean of the categories, micro = mean of the tasks (as in the GENEB "
           f"release).")
    s.text(c.selection.describe() + " Rows: official = the GENEB release leaderboard; "
           "submission = self-reported; computed = probed here. Rows that are not official are "
           "marked [submission] / [computed] wherever official rows are shown beside them.")
    seeds = [int(x) for x in v["seed"].values if int(x) >= 0]
    if has_published(v):
        s.text("Published results are one value per task: the release's mean over its five "
               "seeds (stored at seed −1), so they carry no seed spread.")
    if seeds:
        s.text(f"Computed results: seed {seeds[0]}." if len(seeds) == 1 else
               f"Computed results: {len(seeds)} seeds ({', '.join(map(str, seeds))}); few-shot "
               f"scores are their mean.")
    if c.unranked:
        s.text(f"Not in the rankings (no complete results on the tasks shown): "
               f"{', '.join(c.unranked)}; see the comparison with the published models.")
    s.text(f"Made by geneb {geneb_version()}; every figure below is also in report.json.")
    return s


def _headline(c: Context) -> Section:
    h = c.headline
    s = Section("headline", "Headline figures")
    s.text(f"The GENEB paper's headline figures, computed from these rows ({h['n_models']} "
           f"models, {h['n_tasks']} tasks, {h['regime']} regime unless named). Relative drop = "
           f"(mean macro before − after) / before.")
    s.table(headline_table(h), digits=3)
    pairs = pd.DataFrame(h["matched_pairs"])
    if len(pairs):
        pairs = pairs.drop(columns=[k for k in ("missing",) if k in pairs])
        s.table(c.relabel(pairs.set_index(["a", "b"])), "Matched pairs (Δ = a − b, macro; wins "
                "= categories where a / b scores higher). Add pairs with --pairs YAML.")
    bu = h["best_under_params"]
    best = pd.DataFrame(bu["by_category"]).T.rename_axis("category")
    if len(best):
        best["model"] = best["model"].map(lambda m: c.labels.get(m, m))
        s.table(best, f"Best model with at most {bu['max_params']:.3g} parameters per category "
                      f"({bu['regime']}; {bu['n_models']} models qualify"
                      + (f"; size unknown: {', '.join(bu['unknown_size'])}" if bu["unknown_size"]
                         else "") + ").")
    return s


def _no_spread(col: pd.Series) -> bool:
    vals = col.to_numpy(float)
    return not np.isfinite(vals).any() or np.nanmax(np.abs(vals)) == 0


def leaderboard_table(c: Context) -> pd.DataFrame:
    """Rank, model (labelled), source, params, macro (± sd where seeds differ), micro."""
    v, m, regime = c.view, c.opt.metric, c.regime
    mm = macro_micro(v, m)
    spread = seed_spread(v, m).pivot(index="model", columns="regime", values="macro_sd")
    models = [str(x) for x in v["model"].values]
    lb = pd.DataFrame(index=pd.Index(models, name="model"))
    lb["source"] = row_sources(v)
    lb["params"] = v["params"].values.astype(float) if "params" in v.coords else np.nan
    for r in reversed(c.regimes):
        lb[f"macro {r}"] = mm["macro"].sel(regime=r).values
        sd = spread[r].reindex(lb.index)
        if not _no_spread(sd):
            lb[f"sd {r}"] = sd.values
    lb[f"micro {regime}"] = mm["micro"].sel(regime=regime).values
    lb = lb.sort_values(f"macro {regime}", ascending=False)
    lb.insert(0, "rank", np.arange(1, len(lb) + 1))
    return lb.rename(index=c.labels)


def _leaderboard(c: Context) -> Section:
    s = Section("leaderboard", "Leaderboard")
    lb = leaderboard_table(c)
    has_sd = any(col.startswith("sd ") for col in lb.columns)
    s.text("Ranked by macro score (" + c.regime + "). " + (
        "sd = sample standard deviation of the macro score over seeds, shown for regimes "
        "where seeds differ." if has_sd else "No seed spread to show: published results are "
        "seed means and the full regime is one fit."))
    s.table(lb)
    return s


def _heatmaps(c: Context, order: list[str]) -> Section:
    s = Section("heatmap", "Category heat maps")
    cs = category_scores(c.view, c.opt.metric)
    for r in c.regimes[::-1]:
        t = cs.sel(regime=r).transpose("model", "category").to_pandas()
        t = t.reindex(index=order)[c.cats].rename(index=c.labels)
        s.figure(figures.heatmap(t, f"{c.opt.metric.upper()} per category ({r})"),
                 f"Models (rows, by macro {c.regime}) × categories, {r} regime; colours span "
                 f"this table's range.", t)
    return s


def _scaling_points(c: Context) -> pd.DataFrame:
    table = model_table(c.view, c.regime, c.opt.metric)
    src = dict(zip(map(str, c.view["model"].values), row_sources(c.view)))
    groups = table.get("pretraining_group", pd.Series("", index=table.index)).astype(str)
    table["kind"] = [src[m] if src[m] != OFFICIAL else
                     ("prokaryotic" if groups[m] == "prokaryotic" else OFFICIAL)
                     for m in table.index]
    disp = table.get("display", pd.Series("", index=table.index)).astype(str)
    table["label"] = [(d or m) + (f" [{src[m]}]" if src[m] != OFFICIAL and c.labels[m] != m
                                  else "") for m, d in zip(table.index, disp)]
    return table


def _scaling(c: Context) -> Section:
    s = Section("scaling", "Scaling with model size")
    v, regime, m = c.view, c.regime, c.opt.metric
    table = _scaling_points(c)
    sized = table[np.isfinite(table["params"].astype(float))] if "params" in table else \
        table.iloc[:0]
    if len(sized) < 3:
        s.text("Fewer than 3 models with a known parameter count: no scaling analysis.")
        return s
    front = pareto_frontier(v, regime, m)
    s.figure(figures.scaling_scatter(sized, front, f"macro {m.upper()} ({regime}) vs size"),
             "Each model's macro score against its parameter count (log scale); the line is the "
             "Pareto frontier. Labelled: the frontier, the points furthest from the log-linear "
             "trend, and every point that is not a plain official one.",
             c.relabel(sized[["kind", "params", "macro"]]))
    corr = scaling_correlations(v, regime, m, exclude_models=c.opt.exclude_models)
    s.table(corr[corr["scope"] == "macro"].drop(columns="scope"),
            "Spearman ρ between log10(parameters) and macro score (p rounded to 3 decimals; "
            "0.000 means p < 0.0005).")
    per_cat = corr[corr["scope"] != "macro"].pivot(index="scope", columns="subset", values="rho")
    s.table(per_cat.reindex(c.cats), "Spearman ρ per category, by model subset.")
    sw = smaller_wins(v, regime, m)
    s.text(f"Of {sw['n_pairs']} pairs where one model has at most 1/{sw['factor']:g} of the "
           f"other's parameters, the smaller model has the higher macro score in "
           f"{sw['n_smaller_wins']} ({sw['fraction']:.0%}).")
    if sw["examples"]:
        s.table(c.relabel(pd.DataFrame(sw["examples"])), "Largest margins of a ≥5× smaller model.")
    s.table(c.relabel(front.set_index("model")), "Pareto frontier.")
    return s


def _comparisons(c: Context) -> Section:
    s = Section("comparisons", "Matched comparisons")
    shown = 0
    for pairs, caption in ((c.opt.pairs, "The paper's pairs" + (
            " and yours" if len(c.opt.pairs) > len(PAPER_PAIRS) else "")),
            (DESIGN_PAIRS, "geneb's pairs: one design choice differs")):
        comp = matched_comparisons(c.view, pairs, c.regime, c.opt.metric)
        if len(comp):
            shown += 1
            s.table(c.relabel(comp.set_index(["axis", "a", "b"])[
                ["note", "delta_macro", "wins_a", "wins_b", *c.cats]]),
                f"{caption} ({c.regime}; Δ = a − b; wins = categories where a / b is higher).")
    if not shown:
        s.text("None of the declared model pairs are both in these results (the default "
               "pairs are among the 40 GENEB models; add the official results to see them).")
    return s


def _fewshot(c: Context) -> Section:
    s = Section("fewshot", "Few-shot robustness")
    if len(c.regimes) < 2:
        s.text("Only one regime in these results.")
        return s
    v, m = c.view, c.opt.metric
    drops = fewshot_drops(v, m)
    marked = {k: lab for k, lab in c.labels.items() if lab != k and k in drops.index}
    s.figure(figures.fewshot_curves(drops, f"macro {m.upper()} by regime", marked),
             "Macro score per regime: each model in grey, the mean over models in blue"
             + (", rows that are not official in colour." if marked else "."),
             c.relabel(drops[[r for r in ("1shot", "10shot", "full") if r in drops]]))
    s.table(c.relabel(drops.sort_values("full" if "full" in drops else c.regimes[-1],
                                        ascending=False)),
            "Macro scores and drops (positive = worse with fewer shots).")
    cd = category_drops(v, m)
    cols = [col for col in ("drop_full_10shot", "drop_10shot_1shot") if col in cd]
    if cols:
        s.table(cd.groupby("category", sort=False)[cols].mean().reindex(c.cats),
                "Mean drop per category over models.")
    wc = winner_change_counts(v, m)
    s.text("Categories whose best model changes: " + "; ".join(
        f"{k}: {n}" for k, n in wc.items() if k != "n_categories") + f" (of {wc['n_categories']}).")
    s.table(c.relabel(category_winners(v, m)), "Best model per category and regime.")
    s.table(regime_rank_correlations(v, m), "Rank correlation of macro scores between regimes.")
    return s


def _stability(c: Context) -> Section:
    s = Section("stability", "Rank stability")
    v, regime, m = c.view, c.regime, c.opt.metric
    rc = category_rank_correlations(v, regime, m)
    s.figure(figures.heatmap(rc, f"Spearman ρ between category rankings ({regime})",
                             center=0.0),
             "How similarly the categories (and macro, micro) rank the models.", rc)
    ag = macro_micro_agreement(v, regime, m)
    s.text(f"Macro vs micro ranking ({regime}): Spearman {ag['spearman']:.3f}, Kendall "
           f"{ag['kendall']:.3f}; same winner: {'yes' if ag['same_winner'] else 'no'}; top-5 "
           f"overlap {ag['top5_overlap']}/5; mean |rank shift| {ag['mean_abs_rank_shift']:.2f}, "
           f"largest {ag['max_abs_rank_shift']} ({c.labels.get(ag['most_shifted'], '')}).")
    boot = c.relabel(bootstrap_scores(v, regime, m, n_boot=c.opt.n_boot))
    what = boot.attrs.get("resampled", "")
    s.figure(figures.rank_intervals(boot, f"bootstrap rank intervals ({regime})",
                                    f"rank (95% interval; resampled: {what})"),
             f"Bootstrap ({c.opt.n_boot} replicates); resampled: {what}.", boot)
    return s


def _variance(c: Context) -> Section:
    s = Section("variance", "High-variance tasks")
    v, regime, m = c.view, c.regime, c.opt.metric
    high, wins = high_variance_tasks(v, regime, m, c.opt.sd_threshold)
    s.text(f"{len(high)} of {v.sizes['task']} tasks have an across-model sd of {m.upper()} "
           f"above {c.opt.sd_threshold} ({regime}): the choice of model matters most there.")
    if len(high):
        s.table(c.relabel(high))
        s.table(wins.to_frame(), "Which pretraining groups win them.")
    return s


def _tasks(c: Context) -> Section:
    s = Section("tasks", "Per-task results with spread")
    s.text("Across-model mean, sd and range per task, with the best model; sd over seeds of "
           "each model's few-shot scores is in task_scores.csv.")
    s.table(c.relabel(task_spread(c.view, c.regime, c.opt.metric)))
    return s


def _category_comparison(c: Context, models: list[str]) -> pd.DataFrame:
    """Each of ``models``' category scores (on its own tasks) beside the published ones."""
    regime, m = c.regime, c.opt.metric
    own = category_scores(own_tasks_view(c.selected, models, m), m).sel(regime=regime)
    pub = category_scores(c.view, m).sel(regime=regime)
    rows = []
    for cat in [str(x) for x in own["category"].values]:
        row = {"category": cat, **{mm: float(own.sel(model=mm, category=cat)) for mm in models}}
        if cat in [str(x) for x in pub["category"].values]:
            vals = pub.sel(category=cat)
            best = int(np.nanargmax(vals.values))
            row.update({"published best": c.labels.get(str(vals["model"].values[best])),
                        "best score": float(vals.values[best]),
                        "published median": float(np.nanmedian(vals.values))})
        rows.append(row)
    return pd.DataFrame(rows).set_index("category")


def _published(c: Context, lb: pd.DataFrame) -> Section:
    s = Section("published", "Comparison with the published models")
    own = [m for m in c.own if m not in c.unranked]
    ranked_among = bool(own) and has_published(c.view) and len(own) < c.view.sizes["model"]
    placed = bool(c.unranked) and has_published(c.selected)
    if ranked_among:
        ranked = lb[["rank", "source", f"macro {c.regime}", f"micro {c.regime}"]].copy()
        ranked["yours"] = ["yes" if lab in {c.labels[m] for m in own} else ""
                           for lab in ranked.index]
        s.text(f"Your models ({', '.join(own)}) ranked among the published models ({c.regime}). "
               "Scores are comparable only where the tasks and splits are the official ones.")
        s.table(ranked)
    if placed:
        s.text(f"{', '.join(c.unranked)} ran on other tasks than the official ones, so they are "
               f"compared per category only ({c.regime}). Task sets and splits differ (geneb-mini "
               f"tasks are subsets of the official ones; your own tasks are new), so read this "
               f"as a rough placement, not a ranking.")
        s.table(_category_comparison(c, list(c.unranked)))
    if not (ranked_among or placed):
        s.text("These results are the published GENEB results only; run your own models and "
               "add them (`geneb report --cube yours.zarr --with-official`) to compare."
               if has_published(c.selected) else "No published results imported. Add "
               "`--with-official` to `geneb report` to place your models among the published "
               "ones.")
    return s


def report_title(selected: xr.Dataset, own: Sequence[str]) -> str:
    if has_published(selected) and own:
        return f"geneb report: {len(own)} of your models among the published GENEB models"
    if has_published(selected):
        return "geneb report: published GENEB results"
    return f"geneb report: {selected.sizes['model']} models"


def build_report(cube: xr.Dataset, opt: ReportOptions = ReportOptions(),
                 title: str | None = None) -> Report:
    """Every section and the ``report.json`` document for a cube.

    Rows: :func:`~geneb.analysis.provenance.select_rows` with ``opt.include`` and
    ``opt.keep``; rankings then use :func:`~geneb.analysis._view.analysis_view`.
    """
    selected, selection = select_rows(cube, opt.include, opt.keep)
    view, unranked = analysis_view(selected, opt.metric)
    c = Context(selected, view, selection, tuple(unranked), tuple(opt.keep), row_labels(view),
                headline_figures(view, pairs=opt.pairs, max_params=opt.max_params,
                                 metric=opt.metric, exclude_models=opt.exclude_models), opt)
    lb = leaderboard_table(c)
    order = list(lb.index.map({lab: m for m, lab in c.labels.items()}))
    sections = [_overview(c), _headline(c), _leaderboard(c), _heatmaps(c, order), _scaling(c),
                _comparisons(c), _fewshot(c), _stability(c), _variance(c), _tasks(c),
                _published(c, lb)]
    title = title or report_title(selected, opt.keep)
    data = {"schema": "geneb-report/1", "geneb_version": geneb_version(), "title": title,
            "rows": selection.as_json(), "sources": dict(zip(map(str, view["model"].values),
                                                             row_sources(view))),
            "headline": c.headline,
            "leaderboard": _leaderboard_records(lb, c)}
    return Report(title, sections, data)


def _leaderboard_records(lb: pd.DataFrame, c: Context) -> list[dict]:
    back = {lab: m for m, lab in c.labels.items()}
    out = []
    for lab, row in lb.iterrows():
        rec = {"model": back[lab]}
        for k, val in row.items():
            rec[str(k)] = (val if isinstance(val, str) else
                           (float(val) if np.isfinite(float(val)) else None))
        rec["rank"] = int(row["rank"])
        out.append(rec)
    return out
