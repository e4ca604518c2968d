"""Task YAML files: read one into a :class:`~geneb.tasks.layout.TaskLayout`, write one back.

The keys are the :class:`~geneb.tasks.layout.TaskLayout` fields (see its module docstring
and ``docs/tasks.md``); relative paths follow the YAML's folder.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from geneb.core.atomic import atomic_write_text
from geneb.core.files import read_yaml

from .layout import TaskLayout, layout_from_mapping


def read_task_config(path: str | Path) -> TaskLayout:
    """Read a task YAML (paths inside are relative to its folder)."""
    path = Path(path)
    data = read_yaml(path, "task config")
    return layout_from_mapping(data, path.parent, str(path))


def write_task_config(layout: TaskLayout, path: str | Path) -> Path:
    """Write the given fields of a layout as a task YAML."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, yaml.safe_dump(layout.to_dict(), sort_keys=False))
    return path


__all__ = ["read_task_config", "write_task_config"]
