"""The README runs: every command of its ```bash blocks and every ```python snippet.

The tour is replayed in a temporary folder with small inputs the test prepares there under
the names the README uses (``my_task.csv``: a synthetic 80-sequence task; ``my_model``: a
tiny random BERT saved with ``save_pretrained``), so the README's own relative paths work
unchanged. Each command has an entry in ``EXPECTED`` saying what it must do; a README command
without an entry fails, and so does an entry the README no longer has, so neither can go
stale. ``make demo``/``make test`` are not run (minutes): their Makefile targets are checked.
A Hugging Face Hub model cannot be downloaded here: its command must fail with one clean line
and leave the store as it was.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from geneb.cli.main import main
from synthetic import make_task_frame

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
MAX_LINES = 250


def fenced(text: str, lang: str) -> list[str]:
    """Bodies of the ```lang blocks of a markdown text, in order ("" = no language)."""
    blocks, body, body_lang = [], None, ""
    for line in text.splitlines(keepends=True):
        if not line.startswith("```"):
            if body is not None:
                body.append(line)
        elif body is None:
            body, body_lang = [], line[3:].strip()
        else:
            if body_lang == lang:
                blocks.append("".join(body))
            body = None
    return blocks


def readme_commands(text: str) -> list[str]:
    """Each command of the ```bash blocks: continuations joined, comments dropped, ``&&``
    chains split; returned in canonical shell quoting (``shlex.join``)."""
    commands = []
    for block in fenced(text, "bash"):
        for line in block.replace("\\\n", " ").splitlines():
            tokens = shlex.split(line, comments=True)
            while tokens:
                cut = tokens.index("&&") if "&&" in tokens else len(tokens)
                commands.append(shlex.join(tokens[:cut]))
                tokens = tokens[cut + 1:]
    return commands


@dataclass(frozen=True)
class Expect:
    """What one README command must do when run in the tour folder.

    Attributes
    ----------
    out : tuple of str
        Substrings of its standard output.
    creates : tuple of str
        Paths (relative to the tour folder) that exist afterwards.
    rc : int
        Exit code.
    error : tuple of str
        For rc 2: substrings of the one ``geneb: error:`` line it prints.
    hub : bool
        Run in a fresh process with an empty Hugging Face cache, offline; the tour folder must
        be unchanged afterwards.
    check : callable, optional
        Called with the tour folder afterwards, for what the output does not show.
    """

    out: tuple[str, ...] = ()
    creates: tuple[str, ...] = ()
    rc: int = 0
    error: tuple[str, ...] = ()
    hub: bool = False
    check: Callable[[Path], None] | None = None


def _make_target(name: str):
    def check(_tour: Path) -> None:
        makefile = (ROOT / "Makefile").read_text()
        assert re.search(rf"^{name}:", makefile, flags=re.M), f"Makefile has no '{name}' target"
        assert re.search(rf"^\.PHONY:.*\b{name}\b", makefile, flags=re.M)
    return check


def _venv_activate(_tour: Path) -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^VENV\s*\?=\s*\.venv$", makefile, flags=re.M)
    assert "$(VENV)/bin/geneb run" in makefile  # the demo runs geneb from that venv


def _cube_has(cube: str, models: tuple[str, ...]):
    def check(tour: Path) -> None:
        import xarray as xr
        mcc = xr.open_zarr(tour / cube, consolidated=False).mcc.sel(regime="full")
        assert sorted(mcc.model.values.tolist()) == sorted(models)
        assert bool(mcc.notnull().all()), "a full-regime cell is empty"
    return check


#: The models of the tour's store once the user's model is in.
TOUR_MODELS = ("kmer-4", "random-bert", "my_model")

#: Every command of the README, in canonical quoting, and what it must do. Commands run in
#: README order, each in the folder the previous ones left.
EXPECTED: dict[str, Expect | object] = {
    "make demo": _make_target("demo"),
    "make test": _make_target("test"),
    "source .venv/bin/activate": _venv_activate,
    "geneb tasks check --task-file my_task.csv": Expect(
        out=("my_task", "baseline MCC", "1 tasks checked"), creates=("my_task.quality.json",)),
    "geneb run --task-file my_task.csv --models kmer-4 random-bert --out runs/mine": Expect(
        out=("MCC leaderboard: 2 models x 1 tasks", "kmer-4", "random-bert"),
        creates=("runs/mine/emb.zarr", "runs/mine/cube.zarr", "runs/mine/leaderboard.csv",
                 "runs/mine/task_scores.csv", "runs/mine/report.html", "runs/mine/report.md",
                 "runs/mine/run_info.json")),
    "geneb extract --store runs/mine/emb.zarr --task-file my_task.csv --models ./my_model": Expect(
        out=("my_model", "my_task", "written"),
        creates=("runs/mine/emb.zarr/embeddings/my_model/my_task",)),
    "geneb models show GenomeOcean-500M": Expect(out=("DOEJGI/GenomeOcean-500M", "pooling")),
    "geneb extract --store runs/mine/emb.zarr --task-file my_task.csv --models GenomeOcean-500M":
        Expect(rc=2, error=("GenomeOcean-500M",), hub=True),
    "geneb probe --store runs/mine/emb.zarr --out runs/mine/cube.zarr": Expect(
        check=_cube_has("runs/mine/cube.zarr", TOUR_MODELS)),
    "geneb report --cube runs/mine/cube.zarr --out runs/mine/report": Expect(
        out=("my_model", "kmer-4"),
        creates=("runs/mine/report/report.html", "runs/mine/report/report.json")),
    "geneb recommend --task my_task.csv --store runs/mine/emb.zarr": Expect(
        out=("models ranked for my_task", "kmer-4", "random-bert")),
    "geneb recommend --category 'Splice Sites' --regime 10shot": Expect(
        out=("models ranked for Splice Sites (10shot",)),
    "geneb store ls runs/mine/emb.zarr": Expect(out=("my_model", "complete")),
    "geneb store verify runs/mine/emb.zarr": Expect(out=("OK",)),
    "geneb store pack runs/mine/emb.zarr mine.zip": Expect(creates=("mine.zip",)),
    "geneb probe --store mine.zip --out theirs.zarr": Expect(
        check=_cube_has("theirs.zarr", TOUR_MODELS)),
    "geneb store merge team.zarr mine.zip": Expect(
        out=("merged",), creates=("team.zarr/embeddings/my_model/my_task",)),
}


@dataclass(frozen=True)
class Ran:
    """The outcome of one command: exit code, standard output and error."""

    rc: int
    out: str
    err: str


def _tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def _in_process(tokens: list[str]) -> Ran:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(tokens[1:])
    return Ran(rc, out.getvalue(), err.getvalue())


def _fresh_process(tokens: list[str], tour: Path) -> Ran:
    env = dict(os.environ, HF_HOME=str(tour.parent / "hf-empty"), HF_HUB_OFFLINE="1",
               TRANSFORMERS_OFFLINE="1", TQDM_DISABLE="1")
    before = _tree(tour)
    proc = subprocess.run([sys.executable, "-m", "geneb.cli.main", *tokens[1:]], cwd=tour,
                          env=env, capture_output=True, text=True, timeout=300)
    assert _tree(tour) == before, "a refused hub model left files behind"
    return Ran(proc.returncode, proc.stdout, proc.stderr)


def _prepare(tour: Path) -> None:
    """The state the tour starts from: `make demo` has left runs/ (runs/demo), and the user
    has a task file and a model folder."""
    (tour / "runs").mkdir()
    sys.path.insert(0, str(Path(__file__).parent / "extract"))
    try:
        import tiny_models
    finally:
        sys.path.pop(0)
    make_task_frame().to_csv(tour / "my_task.csv", index=False)
    tiny_models.build("bert", tour / "my_model")


@pytest.fixture(scope="module")
def tour(tmp_path_factory) -> tuple[Path, dict[str, Ran | None]]:
    """Replay every README command in order in a fresh folder; their outcomes by command."""
    tour = tmp_path_factory.mktemp("readme") / "tour"
    tour.mkdir()
    _prepare(tour)
    results: dict[str, Ran | None] = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(tour)
        mp.setenv("TQDM_DISABLE", "1")
        for command in readme_commands(README.read_text()):
            expect = EXPECTED.get(command)
            if expect is None or not isinstance(expect, Expect):
                results[command] = None
                continue
            tokens = shlex.split(command)
            assert tokens[0] == "geneb", command
            results[command] = (_fresh_process(tokens, tour) if expect.hub
                                else _in_process(tokens))
    return tour, results


def test_readme_is_short_and_on_the_users_path():
    text = README.read_text()
    assert len(text.splitlines()) < MAX_LINES
    for heading in ("## Two commands", "## A five-minute tour", "## Everything else"):
        assert heading in text


def test_every_readme_command_has_an_expectation_and_every_expectation_a_command():
    commands = readme_commands(README.read_text())
    assert len(commands) >= 15
    unknown = [c for c in commands if c not in EXPECTED]
    assert not unknown, f"README commands this test cannot run (add them to EXPECTED): {unknown}"
    stale = [c for c in EXPECTED if c not in commands]
    assert not stale, f"EXPECTED entries no longer in the README: {stale}"
    assert len(set(commands)) == len(commands), "a README command is shown twice"


def test_command_parsing():
    text = ("```bash\ngeneb a --x 'two words'   # note\nmake b && make c \\\n  --y\n```\n"
            "```\nnot bash\n```\n")
    assert readme_commands(text) == ["geneb a --x 'two words'", "make b", "make c --y"]


@pytest.mark.slow
@pytest.mark.parametrize("command", list(EXPECTED))
def test_readme_command_runs(tour, command):
    folder, results = tour
    expect = EXPECTED[command]
    if not isinstance(expect, Expect):
        expect(folder)
        return
    ran = results.get(command)
    assert ran is not None, f"not run (no longer in the README?): {command}"
    if expect.rc == 0:
        assert ran.rc == 0, f"{command}\n{ran.err[-2000:]}"
    else:
        lines = [ln for ln in ran.err.splitlines() if ln.strip()]
        assert ran.rc == expect.rc and len(lines) == 1, f"{command}\n{ran.err[-2000:]}"
        assert lines[0].startswith("geneb: error:")
        for word in expect.error:
            assert word in lines[0], (word, lines[0])
    for word in expect.out:
        assert word in ran.out, f"{command}: {word!r} not in\n{ran.out[-2000:]}"
    for path in expect.creates:
        assert (folder / path).exists(), f"{command} did not create {path}"
    if expect.check is not None:
        expect.check(folder)


@pytest.mark.slow
def test_demo_output_in_the_readme_has_the_format_geneb_prints(tour):
    """The demo's printed leaderboard is the format `geneb run` prints (numbers aside)."""
    _, results = tour
    run = results["geneb run --task-file my_task.csv --models kmer-4 random-bert --out runs/mine"]
    shown = next(b for b in fenced(README.read_text(), "") if "MCC leaderboard" in b)

    def shape(line: str) -> str:
        return re.sub(r"\d+", "N", line.strip())

    printed = [ln for ln in run.out.splitlines() if ln.startswith("MCC leaderboard")]
    assert [shape(shown.splitlines()[0])] == [shape(ln) for ln in printed]
    header = next(ln for ln in run.out.splitlines() if "macro full" in ln)
    assert header.split() == shown.splitlines()[1].split()
    assert "per-category MCC (full):" in run.out and "per-category MCC (full):" in shown


def test_task_file_example_has_the_columns_geneb_reads():
    example = next(b for b in fenced(README.read_text(), "") if b.startswith("sequence,"))
    assert example.splitlines()[0].split(",") == list(make_task_frame().columns)


@pytest.mark.slow
def test_python_snippets_run(tour):
    folder, _ = tour
    snippets = fenced(README.read_text(), "python")
    assert len(snippets) == 2
    names: dict = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(folder)
        with contextlib.redirect_stdout(io.StringIO()) as out:
            for code in snippets:
                exec(compile(code, "README.md", "exec"), names)  # noqa: S102 - the README's own
    assert names["X"].dims == ("sequence", "feature") and names["X"].shape == (80, 256)
    assert names["y"].shape == (80,) and set(names["split"].values.tolist()) == {0, 1}
    assert names["classes"] == ["class0", "class1"]
    assert "kmer-4" in out.getvalue() and "my_model" in out.getvalue()


def _slug(heading: str) -> str:
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


@pytest.mark.parametrize("page", [README, *sorted(DOCS.glob("*.md"))], ids=lambda p: p.name)
def test_links_resolve(page):
    """Every relative link of the README and docs/ points at a file (and heading) that exists."""
    for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text()):
        if re.match(r"[a-z]+://", target):
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        assert file.exists(), f"{page.name}: broken link {target}"
        if anchor:
            headings = re.findall(r"^#+ (.+)$", file.read_text(), flags=re.M)
            assert anchor in {_slug(h) for h in headings}, f"{page.name}: no heading #{anchor}"
