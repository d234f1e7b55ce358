"""Databases in ``dvc ls`` and ``dvc.api.DVCFileSystem``.

DVC lists what git tracks, the workspace holds and its data index knows; a
database is in none of them as such (git ignores it, the index holds cached
outputs only), so plain DVC either misses it or walks its ``.dolt/`` chunk
files. Here a database is one DVC-tracked entry: a directory-like leaf,
``isout`` true, listed whether or not the workspace holds it (fresh clones,
git revisions), with nothing inside it to list, walk, find or open. A walk
yields it with the files of its parent, so ``dvc ls -R`` and ``find`` show it.
Its tables are read with :mod:`dvc_dolt.api`, which the error of ``open``
points to.
"""

from __future__ import annotations

import errno
import os
import posixpath
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Optional

from dvc_dolt.dvc.errors import DvcDoltError
from dvc_dolt.dvc.project.tracked import databases

if TYPE_CHECKING:
    from dvc.fs.dvc import _DVCFileSystem
    from dvc.output import Output
    from dvc.repo import Repo

    from dvc_dolt.dvc.items.database import DoltMixin
    from dvc_dolt.dvc.project.tracked import Key


class DatabaseReadError(DvcDoltError):
    """A database was opened as a file."""


class DatabaseCopyError(DvcDoltError):
    """A database was to be copied as files (`dvc get`, ``DVCFileSystem.get``)."""


def _containing(dbs: dict[Key, DoltMixin], key: Key) -> Optional[Key]:
    """The database ``key`` is or lies in, if any."""
    for length in range(len(key), 0, -1):
        if key[:length] in dbs:
            return key[:length]
    return None


def _below(dbs: dict[Key, DoltMixin], key: Key) -> dict[str, Key]:
    """Databases under ``key``, by the name of the child of ``key`` that leads to each."""
    found: dict[str, Key] = {}
    for db in dbs:
        if len(db) > len(key) and db[: len(key)] == key:
            found.setdefault(db[len(key)], db)
    return found


def _locate(fs: _DVCFileSystem, path: str) -> tuple[Repo, Key, dict[Key, DoltMixin]]:
    key = fs._get_key_from_relative(path)
    repo, _, subkey = fs._get_subrepo_info(key)
    return repo, subkey, databases(repo)


def _not_found(path: str) -> FileNotFoundError:
    return FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), path)


def _database_info(
    repo: Repo, name: str, key: Key, out: Output, fs_info: Optional[dict] = None
) -> dict[str, Any]:
    dvc_info = {
        "name": "/".join(key),
        "type": "directory",
        "size": None,
        "isout": True,
        "isdvc": True,
        "isdolt": True,
        "checksum": out.hash_info.value if out.hash_info else None,
    }
    info: dict[str, Any] = {
        "name": name,
        "type": "directory",
        "size": fs_info["size"] if fs_info else None,
        "isexec": False,
        "repo": repo,
        "dvc_info": dvc_info,
    }
    if fs_info:
        info["fs_info"] = fs_info
    return info


def _folder_info(repo: Repo, name: str, key: Key) -> dict[str, Any]:
    """A folder the workspace lacks that leads to a database."""
    dvc_info = {"name": "/".join(key), "type": "directory", "size": 0, "isout": False}
    return {
        "name": name,
        "type": "directory",
        "size": 0,
        "isexec": False,
        "repo": repo,
        "dvc_info": dvc_info,
    }


def ls_with(
    ls, fs: _DVCFileSystem, path: str, detail: bool = True, dvc_only: bool = False, **kwargs: Any
) -> list:
    repo, key, dbs = _locate(fs, path)
    if not dbs:
        return ls(fs, path, detail=detail, dvc_only=dvc_only, **kwargs)
    container = _containing(dbs, key)
    if container == key:
        return []  # a leaf: nothing of .dolt/ is DVC's to show
    if container is not None:
        raise _not_found(path)
    below = _below(dbs, key)
    try:
        infos = ls(fs, path, detail=True, dvc_only=dvc_only, **kwargs)
    except FileNotFoundError:
        if not below:
            raise
        infos = []
    if below:
        by_name = {posixpath.basename(info["name"].rstrip("/")): info for info in infos}
        for name, db in below.items():
            entry = fs.join(path, name) if path else name
            if len(db) == len(key) + 1:
                fs_info = (by_name.get(name) or {}).get("fs_info")
                by_name[name] = _database_info(repo, entry, db, dbs[db], fs_info)
            elif name not in by_name:
                by_name[name] = _folder_info(repo, entry, (*key, name))
        infos = list(by_name.values())
    return infos if detail else [info["name"] for info in infos]


def info_with(info, fs: _DVCFileSystem, path: str, **kwargs: Any) -> dict[str, Any]:
    repo, key, dbs = _locate(fs, path)
    container = _containing(dbs, key)
    if container is not None and container != key:
        raise _not_found(path)
    try:
        found = info(fs, path, **kwargs)
    except FileNotFoundError:
        if container is None and not _below(dbs, key):
            raise
        found = None
    if container is not None:
        return _database_info(repo, path, key, dbs[key], (found or {}).get("fs_info"))
    return found if found is not None else _folder_info(repo, path, key)


def walk_with(walk, fs: _DVCFileSystem, path: str, *args: Any, **kwargs: Any) -> Iterator:
    """fsspec's walk, with each database moved from its parent's dirs to its files.

    Moved before the walk goes on, so that it never descends into one.
    """
    for root, dirs, files in walk(fs, path, *args, **kwargs):
        # The root's repo is the one its dirs belong to: looking them up one by
        # one would open the subrepos a maxdepth keeps the walk out of.
        _, key, dbs = _locate(fs, root)
        if key in dbs:
            continue  # reached bottom-up, or walked from: nothing inside to show
        for name in [name for name in dirs if (*key, name) in dbs]:
            if isinstance(dirs, dict):
                files[name] = dirs.pop(name)
            else:
                dirs.remove(name)
                files.append(name)
        yield root, dirs, files


def refuse_read(fs: _DVCFileSystem, path: str) -> None:
    """Raise :class:`DatabaseReadError` if ``path`` is or lies in a database."""
    _, key, dbs = _locate(fs, path)
    container = _containing(dbs, key)
    if container is None:
        return
    rel_path = "/".join(container)
    raise DatabaseReadError(
        f"'{rel_path}' is a Dolt database, not a file DVC can open: read its tables with "
        f"dvc_dolt.api, e.g. dvc_dolt.api.read('{rel_path}', '<table>', rev=...) "
        "(pip install 'dvc-dolt[api]')"
    )


def refuse_copy(fs: _DVCFileSystem, path: Any) -> None:
    """Raise :class:`DatabaseCopyError` if ``path`` (or a list of paths) is, lies in
    or holds a database: with nothing inside it to list, a copy would be an
    empty folder."""
    for one in path if isinstance(path, list) else [path]:
        if not isinstance(one, str):
            continue
        _, key, dbs = _locate(fs, one)
        container = _containing(dbs, key)
        held = container or next((db for db in sorted(dbs) if db[: len(key)] == key), None)
        if held is None:
            continue
        rel_path = "/".join(held)
        what = f"'{rel_path}' is a Dolt database"
        if not container:
            what = f"cannot copy '{one.strip('/') or '.'}': it holds Dolt database '{rel_path}'"
        raise DatabaseCopyError(
            f"{what}, which DVC cannot copy as files: `dvc get` the database on its own "
            "(a clone at its recorded commit), or read its tables with dvc_dolt.api"
        )
