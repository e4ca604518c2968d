"""Guards for the package-dir mapping, the layer rule (imports point down only, checked on
a static import graph) and the size limits of modules and functions."""

import ast
import os
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# layer → layers it may import (besides itself)
ALLOWED = {
    "core": set(),
    "catalog": {"core"},
    "tasks": {"core", "catalog"},
    "store": {"core"},
    "extract": {"core", "catalog", "tasks", "store"},
    "probe": {"core", "catalog", "store"},
    "analysis": {"core", "catalog", "store", "probe"},
    "cli": {"core", "catalog", "tasks", "store", "extract", "probe", "analysis"},
}


def _config():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_package_folder_is_listed_in_pyproject():
    cfg = _config()
    listed = set(cfg["packages"])
    found = set()
    for pkg, folder in cfg["package-dir"].items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder)
            found.add(".".join([pkg, *rel.parts]))
    assert found == listed


def _module_files() -> dict[str, Path]:
    """Every source module by dotted name (``geneb.store.writer``; a package by its name)."""
    out = {}
    for pkg, folder in _config()["package-dir"].items():
        for path in (ROOT / folder).rglob("*.py"):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join([pkg, *parts])] = path
    return out


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The longest prefix of ``name`` that is a module (a name imported from a package
    resolves to the package)."""
    parts = name.split(".")
    while parts:
        if ".".join(parts) in modules:
            return ".".join(parts)
        parts.pop()
    return None


def import_graph() -> tuple[list[tuple[str, str]], list[str]]:
    """Static import graph over all source folders, from ``ast`` alone (nothing imported).

    ``geneb.X`` imports and relative imports are resolved to the modules of the folders
    (through the package-dir mapping). Returns the edges ``(importer, imported)`` and the
    geneb imports that resolve to no module.
    """
    modules = _module_files()
    edges, unresolved = [], []
    for mod, path in modules.items():
        package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                stem = ".".join(base + ([node.module] if node.module else []))
                names = [f"{stem}.{a.name}" for a in node.names]
            else:
                continue
            for name in names:
                if name.split(".")[0] != "geneb":
                    continue
                target = _resolve(name, modules)
                if target is None:
                    unresolved.append(f"{path.relative_to(ROOT)}: {name}")
                else:
                    edges.append((mod, target))
    return edges, unresolved


def test_imports_point_down_the_layers():
    edges, unresolved = import_graph()
    assert not unresolved, unresolved
    layer = lambda module: module.split(".")[1]  # noqa: E731
    between = [(a, b) for a, b in edges if layer(a) != layer(b)]
    assert len(between) > 0 and len(edges) > len(between)  # both kinds were found
    bad = [f"{a} imports {b}" for a, b in between if layer(b) not in ALLOWED[layer(a)]]
    assert not bad, bad


def test_relative_imports_inside_every_layer():
    """Inside each folder a module imports its own layer relatively, so tools that do not
    know the package-dir mapping still follow it."""
    absolute = []
    for layer in ALLOWED:
        for path in (ROOT / layer).rglob("*.py"):
            rel = path.relative_to(ROOT).as_posix()
            for node in ast.walk(ast.parse(path.read_text())):
                if (isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
                        and node.module.split(".")[:2] == ["geneb", layer]):
                    absolute.append(f"{rel}: {node.module}")
    assert not absolute, absolute


def test_import_map_for_static_tools_matches_the_package_dirs():
    """``import-map/geneb/X`` links to each top-level folder, and pyrightconfig.json puts
    ``import-map`` on the search path: static tools resolve ``geneb.X`` without an install."""
    import json

    cfg = _config()["package-dir"]
    links = {p.name: os.readlink(p) for p in (ROOT / "import-map" / "geneb").iterdir()}
    assert links == {pkg.split(".")[1]: f"../../{folder}" for pkg, folder in cfg.items()}
    pyright = json.loads((ROOT / "pyrightconfig.json").read_text())
    assert "import-map" in pyright["extraPaths"]


MAX_MODULE_LINES, MAX_FUNCTION_LINES, MAX_PARAMETERS = 450, 80, 8
#: The solver's numeric kernels, exempt from the limits.
SIZE_EXEMPT = ("probe/torch_solver.py",)


def _parameters(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    a = fn.args
    named = [x for x in a.posonlyargs + a.args + a.kwonlyargs if x.arg not in ("self", "cls")]
    return len(named) + (a.vararg is not None) + (a.kwarg is not None)


def test_modules_and_functions_stay_small():
    """Every source folder: no module over 450 lines, no function over 80 lines or 8
    parameters (``self``/``cls`` not counted), outside the solver's numeric kernels."""
    too_big = []
    for folder in sorted(set(_config()["package-dir"].values())):
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel in SIZE_EXEMPT:
                continue
            text = path.read_text()
            if len(text.splitlines()) > MAX_MODULE_LINES:
                too_big.append(f"{rel}: {len(text.splitlines())} lines")
            for node in ast.walk(ast.parse(text)):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    lines = node.end_lineno - node.lineno + 1
                    if lines > MAX_FUNCTION_LINES or _parameters(node) > MAX_PARAMETERS:
                        too_big.append(f"{rel}: {node.name} ({lines} lines, "
                                       f"{_parameters(node)} parameters)")
    assert not too_big, too_big


def test_light_commands_do_not_import_torch():
    """`geneb tasks`, `report`, `store` must start fast: torch/transformers load on first use."""
    import subprocess
    import sys

    code = ("import sys, geneb.cli.main, geneb.extract; "
            "print('torch' in sys.modules, 'transformers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_package_imports_stay_light_and_exports_resolve():
    """``import geneb.analysis`` / ``geneb.tasks`` load no heavy library (their public names
    are imported on first use), and every exported name resolves to the object, not a module."""
    import subprocess
    import sys
    import types

    code = ("import sys, geneb.analysis, geneb.tasks; "
            "print(*[m for m in ('scipy', 'xarray', 'matplotlib', 'pandas', 'zarr') "
            "if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == []
    import geneb.analysis
    import geneb.tasks

    for package in (geneb.analysis, geneb.tasks):
        assert 0 < len(package.__all__) <= 25
        for name in package.__all__:
            value = getattr(package, name)
            assert not isinstance(value, types.ModuleType), name
            assert value.__module__.startswith(package.__name__), name
        assert set(package.__all__) <= set(dir(package))
