"""Databases as a project holds them: in the workspace, or where ``dvc fetch``
put a clone (``.dvc/tmp/dolt/fetched/<key>``), which checkout moves into
place, so ``dvc fetch`` never touches the workspace; and the cache of the
Dolt remotes each database has.
"""

from __future__ import annotations

import os
import shutil
from functools import cache
from typing import TYPE_CHECKING

from dvc_dolt.dolt import Database
from dvc_dolt.dolt.remote import RemotesCache
from dvc_dolt.dvc.items.heads import heads_cache_at
from dvc_dolt.dvc.layout import FETCHED_DIR, REMOTES_CACHE_FILE, database_key

if TYPE_CHECKING:
    from dvc.repo import Repo


def workspace_database(repo: Repo, rel_path: str) -> Database:
    """Database ``rel_path`` (repo-relative, with "/") in the workspace."""
    return Database(os.path.join(repo.root_dir, *rel_path.split("/")))


def local_database(repo: Repo, rel_path: str) -> Database:
    """Database ``rel_path`` (repo-relative) in the workspace, or else `dvc fetch`'s clone."""
    db = workspace_database(repo, rel_path)
    return db if db.exists else Database(fetched_path(repo, rel_path))


def fetched_path(repo: Repo, rel_path: str) -> str:
    """Where `dvc fetch` clones database ``rel_path`` that the workspace lacks."""
    return os.path.join(repo.tmp_dir, FETCHED_DIR, database_key(rel_path))


@cache
def remotes_cache(tmp_dir: str) -> RemotesCache:
    return RemotesCache(os.path.join(tmp_dir, REMOTES_CACHE_FILE))


def place_fetched(repo: Repo, path: str, rel_path: str) -> bool:
    """Move a database ``dvc fetch`` cloned into the workspace; True if there was one."""
    staged = fetched_path(repo, rel_path)
    if os.path.exists(path) or not os.path.isdir(os.path.join(staged, ".dolt")):
        return False
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    shutil.move(staged, path)
    heads_cache_at(repo.tmp_dir).moved(Database(staged), Database(path))
    return True
