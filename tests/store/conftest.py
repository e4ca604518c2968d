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


#: For the real-process tests (kmer-3: 1,024-row chunks of 256 KB): shards of two chunks, so
#: a 4,200-row task has three shards and a 2,200-row one two.
from helpers import PROCESS_LAYOUTS  # noqa: E402


@pytest.fixture(params=sorted(PROCESS_LAYOUTS))
def process_layout(request) -> StoreLayout:
    return PROCESS_LAYOUTS[request.param]


