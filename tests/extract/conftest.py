import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import tiny_models  # noqa: E402

from tiny_models import FAMILIES  # noqa: E402


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory):
    """Folder of tiny saved models: ``<dir>/<family>`` for each family, and ``remote``."""
    root = tmp_path_factory.mktemp("tiny_models")
    for fam in FAMILIES:
        tiny_models.build(fam, root / fam)
    tiny_models.build_remote_code(root / "remote")
    return root
