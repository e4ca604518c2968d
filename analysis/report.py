"""``report.html`` (self-contained static page), ``report.md`` (the same content as text) and
``report.json`` (the headline figures and the leaderboard, machine-readable).

Every section is built once as a list of blocks (:mod:`geneb.analysis._sections`) and
rendered twice, so the page and the Markdown never disagree.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from geneb.core.atomic import atomic_write_text
from geneb.core.provenance import geneb_version, library_versions

from ._sections import (SECTION_IDS, Block, Report, ReportOptions, Section,
                        build_report, report_title)
from ._view import analysis_view  # noqa: F401  (re-exported for callers)

__all__ = ["SECTION_IDS", "Block", "Report", "ReportOptions", "Section", "build_report",
           "report_title", "render_html", "render_markdown", "write_report", "analysis_view"]


# --------------------------------------------------------------------------- rendering

def _fmt(v, digits: int) -> str:
    if v is pd.NA or v is None:
        return ""
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
    body = ["| " + " | ".join(_fmt(v, digits).replace("|", "\\|") for v in row) + " |"
            for row in d.itertuples(index=False)]
    return "\n".join([head, sep, *body])


def _html_table(df: pd.DataFrame, digits: int) -> str:
    d = df.reset_index() if not isinstance(df.index, pd.RangeIndex) else df
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in d.columns)
    text_cell = ' class="t"'  # words left-aligned, numbers right-aligned
    rows = "".join("<tr>" + "".join(
        f"<td{text_cell if isinstance(v, str) else ''}>{html.escape(_fmt(v, digits))}</td>"
        for v in row) + "</tr>" for row in d.itertuples(index=False))
    return f'<div class="wide"><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>'


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:0 auto;max-width:1200px;
padding:1em 2em;color:#222} h1{font-size:1.6em} h2{border-bottom:1px solid #ccc;margin-top:2em}
nav a{margin-right:1em} table{border-collapse:collapse;font-size:12px;margin:.5em 0}
td,th{border:1px solid #ddd;padding:2px 6px;text-align:right} th{background:#f4f4f4}
td:first-child,th:first-child,td.t{text-align:left} .wide{overflow-x:auto}
figure{margin:1em 0} figure img{max-width:100%;height:auto} figcaption,.cap{color:#555;font-size:13px}
@media print{.wide{overflow:visible} figure{break-inside:avoid}}
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


def _json_default(v):
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v) if np.isfinite(v) else None
    if isinstance(v, np.ndarray):
        return v.tolist()
    return str(v)


def _finite(obj):
    """NaN/inf floats as None, recursively (JSON has no NaN)."""
    if isinstance(obj, float):
        return obj if np.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


def write_report(cube: xr.Dataset, out: str | Path, *, title: str | None = None,
                 metric: str = "mcc", n_boot: int = 500, **options) -> dict[str, Path]:
    """Write ``report.html``, ``report.md`` and ``report.json`` into ``out`` (atomically, each).

    ``options`` are the other fields of :class:`~geneb.analysis._sections.ReportOptions`:
    ``include`` (sources besides official: ``submission``, ``computed``), ``keep`` (the
    user's own models, always shown), ``pairs``, ``max_params``, ``exclude_models``,
    ``sd_threshold``.

    Returns
    -------
    dict with paths ``html``, ``md`` and ``json``
    """
    out = Path(out)
    opt = ReportOptions(metric=metric, n_boot=n_boot,
                        **{k: (tuple(v) if isinstance(v, (list, tuple)) else v)
                           for k, v in options.items()})
    report = build_report(cube, opt, title)
    docs = {"html": render_html(report.sections, report.title),
            "md": render_markdown(report.sections, report.title),
            "json": json.dumps(_finite(report.data), indent=1, default=_json_default) + "\n"}
    meta = json.dumps({"geneb": geneb_version(), "versions": library_versions(["matplotlib"])})
    docs["html"] = docs["html"].replace("<head>", f"<head><!-- {html.escape(meta)} -->", 1)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for kind, text in docs.items():
        path = out / f"report.{kind}"
        atomic_write_text(path, text)
        paths[kind] = path
    return paths
