"""A database item's heads, read through the heads cache in ``.dvc/tmp``: a
database whose files have not changed since it was last asked starts no
dolt process.
"""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING, Optional

from dvc_dolt.dolt import Database, DirtyDatabaseError
from dvc_dolt.dolt.changes import TableChanges
from dvc_dolt.dolt.state import HeadsCache
from dvc_dolt.dvc.errors import DvcDoltError, dvc_errors
from dvc_dolt.dvc.items.reading import reading
from dvc_dolt.dvc.layout import HEADS_CACHE_FILE, TABLE_CHANGES_FILE

if TYPE_CHECKING:
    from dvc.output import Output

    from dvc_dolt.dolt import Heads


@cache
def heads_cache_at(tmp_dir: str) -> HeadsCache:
    """The heads cache of the repository whose ``.dvc/tmp`` is ``tmp_dir``."""
    return HeadsCache(os.path.join(tmp_dir, HEADS_CACHE_FILE))


@cache
def table_changes_at(tmp_dir: str) -> TableChanges:
    """Which tables changed between versions, for the repository whose ``.dvc/tmp``
    is ``tmp_dir``."""
    return TableChanges(os.path.join(tmp_dir, TABLE_CHANGES_FILE))


def heads_cache(item: Output) -> Optional[HeadsCache]:
    repo = item.repo
    tmp_dir = getattr(repo, "tmp_dir", None) if repo is not None else None
    return heads_cache_at(tmp_dir) if tmp_dir else None


def read_heads(item: Output) -> Heads:
    """Heads of the item's database, through the repo's heads cache."""
    db = Database(item.fs_path)
    cache = heads_cache(item)
    with reading(str(item)):
        return cache.heads(db) if cache else db.heads()


def check_clean(item: Output) -> Heads:
    """Heads of the item's clean database; DvcDoltError naming why it is not."""
    db = Database(item.fs_path)
    cache = heads_cache(item)
    with dvc_errors(f"Dolt database '{item}': "):
        heads, reasons = cache.inspect(db) if cache else db.inspect()
    if reasons:
        raise DvcDoltError(
            f"cannot record Dolt database '{item}': " + "; ".join(reasons),
            DirtyDatabaseError(str(db.path), reasons),
        )
    return heads
