"""Which Dolt databases a project tracks: its index's Dolt items, by path or key."""

from __future__ import annotations

import os
import weakref
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, Optional

from dvc_dolt.dvc.errors import DvcDoltError
from dvc_dolt.dvc.items.database import DoltMixin, databases_in
from dvc_dolt.dvc.items.describe import rel_path_of

if TYPE_CHECKING:
    from dvc.repo import Repo


def tracked_by_path(repo: Repo) -> dict[str, Any]:
    """Dolt outputs and dependencies of the workspace, by absolute path."""
    found: dict[str, Any] = {}
    for item in (*repo.index.outs, *repo.index.deps):
        if isinstance(item, DoltMixin):
            found.setdefault(os.path.abspath(item.fs_path), item)
    return found


def dolt_items(repo: Repo) -> list[DoltMixin]:
    return [
        item
        for stage in repo.index.stages
        for item in (*stage.deps, *stage.outs)
        if isinstance(item, DoltMixin)
    ]


def database_paths(repo: Repo) -> list[str]:
    """Repo-relative paths of the workspace's Dolt databases (deps, outputs, and
    those whose tables stages read)."""
    from dvc_dolt.dvc.items.table import DoltTableDependency

    paths = {rel_path_of(item) for item in dolt_items(repo) if item.is_in_repo}
    paths.update(
        "/".join(dep.index_key[1][:-1])
        for stage in repo.index.stages
        for dep in stage.deps
        if isinstance(dep, DoltTableDependency) and dep.is_in_repo
    )
    return sorted(paths)


def _parts(path: str) -> tuple[str, ...]:
    parts = PurePosixPath(path.replace(os.sep, "/")).parts
    return tuple(p for p in parts if p not in ("", "."))


def find_database(repo: Repo, path: str) -> Optional[DoltMixin]:
    """The Dolt output of ``repo`` at ``path`` (relative to its root), if it is one.

    A path inside a database, or one that holds databases, raises: DVC would
    copy it without them.
    """
    want = _parts(path)
    holds: list[str] = []
    for out in databases_in(repo.index.outs):
        key = tuple(out.index_key[1])
        if key == want:
            return out
        if key[: len(want)] == want:
            holds.append("/".join(key))
        elif want[: len(key)] == key:
            raise DvcDoltError(
                f"'{path}' is inside Dolt database '{'/'.join(key)}': import the whole database"
            )
    if holds:
        raise DvcDoltError(
            f"'{path}' holds Dolt database(s) {', '.join(sorted(holds))}: "
            "import each one on its own"
        )
    return None


Key = tuple[str, ...]


# Per index: outputs are built again for each index, and an index is never changed.
_by_index: weakref.WeakKeyDictionary[Any, dict[Key, DoltMixin]] = weakref.WeakKeyDictionary()


def databases(repo: Repo) -> dict[Key, DoltMixin]:
    """The repo's database outputs by their key (path parts from the repo root)."""
    if not getattr(repo, "dvc_dir", None):  # a plain git repository: no outputs
        return {}
    index = repo.index
    found = _by_index.get(index)
    if found is None:
        found = {out.index_key[1]: out for out in databases_in(index.outs)}
        _by_index[index] = found
    return found
