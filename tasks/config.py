"""Task YAML files: read one into a :class:`~geneb.tasks.layout.TaskLayout`, write one back.

The keys are the :class:`~geneb.tasks.layout.TaskLayout` fields (see its module docstring
and ``docs/tasks.md``); relative paths follow the YAML's folder.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from geneb.core.atomic import atomic_write_text
from geneb.core.files import read_yaml
from geneb.tasks.layout import FORMATS, TaskLayout, layout_from_mapping
from geneb.tasks.loaders import load_layout

#: Earlier name of :class:`TaskLayout` (a task source is its layout).
TaskSource = TaskLayout
#: Earlier names of :func:`layout_from_mapping` and :func:`load_layout`.
source_from_mapping = layout_from_mapping
load_source = load_layout


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


__all__ = ["FORMATS", "TaskLayout", "TaskSource", "load_layout", "load_source",
           "read_task_config", "source_from_mapping", "write_task_config"]
