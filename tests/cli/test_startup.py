"""Start-up: the first commands import no heavy library (a structural check, not a timing;
``bench/bench_cli_startup.py`` measures the time)."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest

from geneb.cli import main as cli_main

#: Libraries only the verbs that compute or draw may import.
HEAVY = ("torch", "transformers", "dask", "distributed", "xarray", "matplotlib", "zarr",
         "numcodecs", "scipy", "sklearn", "huggingface_hub")

PROBE = """
import contextlib, io, json, sys
from geneb.cli.main import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


@pytest.mark.parametrize("argv", [["--help"], ["tasks", "list"], ["models", "list"],
                                  ["models", "show", "kmer-3"], ["--version"]])
def test_first_commands_import_no_heavy_library(argv):
    proc = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["code"] == 0
    loaded = {m.split(".")[0] for m in out["modules"]}
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
    # and only the command's own module of geneb.cli
    cmds = {m for m in out["modules"] if m.startswith("geneb.cli.cmd_")}
    want = {f"geneb.cli.{cli_main.COMMANDS[argv[0]][0]}"} if argv[0] in cli_main.COMMANDS \
        else set()
    assert cmds == want


def test_the_help_lines_of_main_are_those_of_the_command_modules():
    parser = cli_main.build_parser()  # every command's module imported
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {a.dest: a.help for a in sub._choices_actions}
    assert helps == {name: help_line for name, (_, help_line) in cli_main.COMMANDS.items()}


def test_a_command_parser_alone_parses_as_the_full_one(tmp_path):
    argv = ["extract", "--store", str(tmp_path / "s.zarr"), "--models", "kmer-3"]
    alone = cli_main.build_parser("extract").parse_args(argv)
    full = cli_main.build_parser().parse_args(argv)
    assert {k: v for k, v in vars(alone).items() if k != "func"} == \
        {k: v for k, v in vars(full).items() if k != "func"}
