"""Guards for the package-dir mapping and the layer rule (imports point down only)."""

import ast
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


def test_imports_point_down_the_layers():
    bad = []
    for layer, allowed in ALLOWED.items():
        for path in (ROOT / layer).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                for name in names:
                    parts = name.split(".")
                    if parts[0] == "geneb" and len(parts) > 1:
                        target = parts[1]
                        if target != layer and target not in allowed:
                            bad.append(f"{path.relative_to(ROOT)} imports geneb.{target}")
    assert not bad, bad


def test_light_commands_do_not_import_torch():
    """`geneb tasks`, `report`, `store` must start fast: torch/transformers load on first use."""
    import subprocess
    import sys

    code = ("import sys, geneb.cli.main, geneb.extract; "
            "print('torch' in sys.modules, 'transformers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
