"""Where a store lives: a local folder, a packed ``.zip``, or a read-only URL.

URLs go through fsspec (``http://``/``https://`` need ``aiohttp``; ``s3://`` needs ``s3fs``;
S3-compatible servers are picked through the usual ``AWS_ENDPOINT_URL`` and credential
environment variables, or ``storage_options``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


@dataclass(frozen=True)
class Location:
    """A parsed store location.

    Attributes
    ----------
    text : str
        What the user gave.
    kind : {"dir", "zip", "url"}
    """

    text: str
    kind: str

    @property
    def is_remote(self) -> bool:
        return self.kind == "url"

    @property
    def is_zip(self) -> bool:
        return self.text.lower().endswith(".zip")

    @property
    def local_path(self) -> Path:
        return Path(self.text)


def parse_location(path_or_url: str | Path) -> Location:
    """Classify ``path_or_url`` (``file://`` URLs become local paths)."""
    text = str(path_or_url)
    if text.startswith("file://"):
        text = text[len("file://"):]
    if _URL.match(text):
        return Location(text.rstrip("/"), "url")
    return Location(text, "zip" if text.lower().endswith(".zip") else "dir")
