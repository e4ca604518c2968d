"""``geneb`` command line: one module per subcommand, one library call each.

Exit codes: 0 success, 1 the run failed, 2 usage or input error (one line, no traceback).
"""

from __future__ import annotations

import argparse
import sys

from geneb.cli import (cmd_export, cmd_extract, cmd_import_results, cmd_models, cmd_probe,
                       cmd_recommend, cmd_report, cmd_run, cmd_store, cmd_tasks)
from geneb.core.errors import GenebError
from geneb.core.provenance import geneb_version

#: Subcommand modules; each has ``add_parser(subparsers)`` setting ``func(args) -> int``.
COMMANDS = (cmd_run, cmd_extract, cmd_probe, cmd_report, cmd_recommend, cmd_tasks, cmd_models,
            cmd_store, cmd_import_results, cmd_export)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="geneb",
        description="Embed DNA tasks with genomic foundation models, probe them the GENEB way, "
                    "and compare models by category.")
    parser.add_argument("--version", action="version", version=f"geneb {geneb_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS:
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code instead of exiting."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return int(exc.code or 0)
    try:
        return int(args.func(args) or 0)
    except GenebError as exc:
        print(f"geneb: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("geneb: interrupted; re-run the same command to resume", file=sys.stderr)
        return 130


def entry() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    entry()
