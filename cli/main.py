"""``geneb`` command line: one module per subcommand, one library call each.

Exit codes: 0 success, 1 the run failed, 2 usage or input error (one line, no traceback).

Only the module of the command given is imported (``geneb tasks list`` never imports the
probe or the report code); ``geneb --help`` lists the commands from :data:`COMMANDS`.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from .parsing import GenebParser, UsageError, error_line, parse
from geneb.core.errors import GenebError

#: Command → (module in geneb.cli, help line). Each module has ``add_parser(subparsers)``
#: setting ``func(args) -> int``, with this help line (a test checks they agree).
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("cmd_run", "embed, probe and rank: the whole benchmark in one command"),
    "extract": ("cmd_extract", "compute embeddings into a store"),
    "probe": ("cmd_probe", "probe stored embeddings into a result cube"),
    "report": ("cmd_report", "leaderboard and an HTML/Markdown/JSON report from a result cube"),
    "recommend": ("cmd_recommend", "rank models for a category or your own task"),
    "tasks": ("cmd_tasks", "list, show, add and check tasks"),
    "models": ("cmd_models", "list or show models"),
    "store": ("cmd_store", "inspect, verify, pack, merge and upgrade embedding stores"),
    "import-results": ("cmd_import_results", "read official GENEB results into a result cube"),
    "export": ("cmd_export", "write a run as a GENEB submission JSON"),
}


class _Version(argparse.Action):
    """``--version``: looks the version up only when asked."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, **kw):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kw)

    def __call__(self, parser, namespace, values, option_string=None):
        from geneb.core.provenance import geneb_version
        print(f"geneb {geneb_version()}")
        parser.exit()


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command (``command=None``), or one where only ``command`` has
    its options (the others, all of them for ``""``, are listed by name and help line,
    their modules not imported)."""
    parser = GenebParser(
        prog="geneb",
        description="Embed DNA tasks with genomic foundation models, probe them the GENEB way, "
                    "and compare models by category.")
    parser.add_argument("--version", action=_Version, help="show the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module, help_line) in COMMANDS.items():
        if command is None or name == command:
            importlib.import_module(f"geneb.cli.{module}").add_parser(sub)
        else:
            sub.add_parser(name, help=help_line, add_help=False)
    return parser


def _command_in(argv: list[str]) -> str:
    """The command named on the command line (its first word not starting with -), or ""
    when there is none."""
    first = next((a for a in argv if not a.startswith("-")), "")
    return first if first in COMMANDS else ""


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code instead of exiting."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parse(build_parser(_command_in(argv)), argv)
    except UsageError as exc:
        print(f"geneb: error: {error_line(exc)}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help, --version
        return int(exc.code or 0)
    try:
        return int(args.func(args) or 0)
    except GenebError as exc:
        print(f"geneb: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("geneb: interrupted; re-run the same command to resume", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` or a closed reader: stop quietly
        _silence_stdout()
        return 0
    except OSError as exc:  # the machine refused (permissions, disk full): one line too
        where = f": {exc.filename}" if exc.filename else ""
        print(f"geneb: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 1


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's final flush does not fail again."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def entry() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    entry()
