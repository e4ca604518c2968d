"""The store layouts every store test runs on.

``sharded`` here has one chunk per shard, so that tests written in chunks (chunk 1, the file
``X/c/1/0``) hold for both layouts unchanged; shards of several chunks are tested in
``test_sharded.py`` and by the SIGKILL and concurrency tests.
"""

import pytest

from geneb.store import StoreLayout

LAYOUTS = {"chunked": StoreLayout("chunked"), "sharded": StoreLayout("sharded", shard_bytes=1)}


@pytest.fixture(params=sorted(LAYOUTS))
def layout(request) -> StoreLayout:
    return LAYOUTS[request.param]


def unit_word(layout: StoreLayout) -> str:
    """How errors name a unit of this layout: "chunk" or "shard"."""
    return "shard" if layout.kind == "sharded" else "chunk"
