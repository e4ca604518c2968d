"""Task data: the labelled sequences behind a task spec, and their loaders.

Imports only :mod:`geneb.core` and :mod:`geneb.catalog`.
"""

from geneb.tasks.data import TaskData
from geneb.tasks.files import load_task_file
from geneb.tasks.load import load_task, load_tasks

__all__ = ["TaskData", "load_task", "load_tasks", "load_task_file"]
