"""Where a database keeps its storage: the ``.dolt`` folder, which only dolt writes."""

from __future__ import annotations

import os
import re
from typing import Optional

STORAGE_DIR = ".dolt"
# The chunk journal in ``.dolt/noms``: every write appends to it (go/store/nbs).
JOURNAL_NAME = "v" * 32
# In ``.dolt``: a second copy of what the database fetched from git remotes
# (Dolt 1.81.8+), which each push and fetch there brings up to date.
GIT_CACHE_DIR = "git-remote-cache"
_SEPARATORS = re.compile(r"[\\/]+") if os.sep == "\\" else re.compile(r"/+")


def storage_owner(relpath: str) -> Optional[str]:
    """The database whose storage holds ``relpath`` (relative, ``/`` or ``os.sep``
    separated), as a relative path (``.`` for the top); None outside any storage.

    By name alone, so that it also answers for a record whose database is not
    there (a fresh clone): a folder named ``.dolt`` is Dolt's by convention.
    """
    parts = [p for p in _SEPARATORS.split(os.path.normpath(relpath)) if p not in ("", ".")]
    if STORAGE_DIR not in parts or ".." in parts[: parts.index(STORAGE_DIR)]:
        return None
    owner = parts[: parts.index(STORAGE_DIR)]
    return os.path.join(*owner) if owner else os.curdir
