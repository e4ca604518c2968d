"""``geneb models list|show``: the 40 GENEB models and the built-in featurizers."""

from __future__ import annotations

import argparse

import pandas as pd

from geneb.catalog.models import MODELS, get_model
from geneb.extract.settings import with_family_defaults


def add_parser(sub) -> None:
    p = sub.add_parser("models", help="list or show models", description=__doc__)
    msub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    lp = msub.add_parser("list", help="list models")
    lp.add_argument("--builtin", action="store_true", help="only the built-in featurizers")
    lp.add_argument("--arch", default=None, help="only this architecture group (e.g. T-enc, SSM)")
    lp.set_defaults(func=run_list)
    sp = msub.add_parser("show", help="show one model")
    sp.add_argument("model", help="model id")
    sp.set_defaults(func=run_show)


def run_list(args: argparse.Namespace) -> int:
    specs = MODELS.values()
    if args.builtin:
        specs = [s for s in specs if s.builtin]
    if args.arch:
        specs = [s for s in specs if s.arch_short.lower() == args.arch.lower()]
    df = pd.DataFrame([{"model_id": s.model_id, "family": s.family,
                        "params": f"{s.params / 1e6:,.1f}M" if s.params else "-",
                        "arch": s.arch_short, "pretraining": s.pretraining_group,
                        "paper macro MCC": s.published.get("macro_MCC_full")} for s in specs])
    with pd.option_context("display.width", 250, "display.max_rows", 1000):
        print(df.to_string(index=False) if len(df) else "no models match")
    print(f"\n{len(df)} models")
    return 0


def run_show(args: argparse.Namespace) -> int:
    spec = with_family_defaults(get_model(args.model))  # the options extraction uses
    for key, value in spec.__dict__.items():
        if isinstance(value, type(spec.options)):
            value = dict(value)
        if value not in ("", None, {}):
            print(f"{key:16s} {value}")
    return 0
