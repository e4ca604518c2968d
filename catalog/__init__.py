"""Catalog of GENEB tasks, categories and models (metadata only, no data).

The 100 official tasks and 40 official models come from the GENEB release catalog
(``catalog/data/*.csv``); geneb-mini tasks and the built-in featurizers are registered
in the same registries so every command treats them alike.
"""

from .categories import CATEGORIES, resolve_category
from .models import MODELS, ModelSpec, get_model, model_coords
from .tasks import MINI_BENCHMARK, TASKS, TaskSpec, benchmark_tasks, get_task

__all__ = [
    "CATEGORIES",
    "resolve_category",
    "MODELS",
    "ModelSpec",
    "get_model",
    "model_coords",
    "TASKS",
    "TaskSpec",
    "MINI_BENCHMARK",
    "benchmark_tasks",
    "get_task",
]
