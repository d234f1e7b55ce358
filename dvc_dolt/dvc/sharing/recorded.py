"""TODO docstring (from imports)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

from dvc_dolt.dvc.errors import DvcDoltError
from dvc_dolt.dvc.layout import OVERRIDE_KEY
from dvc_dolt.dvc.project.tracked import find_database
from dvc_dolt.dvc.sharing.routes import Target, _sources

if TYPE_CHECKING:
    from dvc.dependency.repo import RepoDependency
    from dvc.output import Output
    from dvc.repo import Repo

    from dvc_dolt.dolt import Heads
    from dvc_dolt.dvc.items.database import DoltMixin
    from dvc_dolt.dvc.sharing.remotes import DoltRemoteSpec


# What DVC names the remote it makes up for a local source without one: the
# source's own cache, which never holds a database.
AUTO_REMOTE = "auto-generated-upstream"


@dataclass(frozen=True)
class Recorded:
    """A database as one revision of a source project records it."""

    shown: str  # its path in the source project
    heads: Heads
    remote: str  # the source's DVC remote, or the database's own Dolt remote URL
    sources: tuple[tuple[DoltRemoteSpec, str], ...]  # see sync._sources

    @property
    def commit(self) -> str:
        return self.heads.commit

    @property
    def url(self) -> str:
        return self.sources[0][0].url


def recorded_in(repo: Repo, out: DoltMixin) -> Recorded:
    """What ``repo`` records of database ``out``, and where its commit can be fetched."""
    shown = "/".join(out.index_key[1])  # type: ignore[attr-defined]
    heads = out.recorded_heads
    if heads is None:
        raise DvcDoltError(f"Dolt database '{shown}' is not recorded there: nothing to import")
    url = (out.annot.meta or {}).get(OVERRIDE_KEY)  # type: ignore[attr-defined]
    name = out.remote or repo.config["core"].get("remote")  # type: ignore[attr-defined]
    if not url and (not name or name == AUTO_REMOTE):
        raise DvcDoltError(
            f"Dolt database '{shown}' is recorded at commit {heads.commit}, but the source "
            "project has no DVC remote to fetch it from: in the source project, run "
            "`dvc remote add -d <name> <url>` and `dvc push`"
        )
    target = Target("", shown, name or "", url)
    return Recorded(shown, heads, target.where, tuple(_sources(repo, target)))


def _describe(dep: RepoDependency, rev: Optional[str]) -> str:
    where = f"'{dep.def_repo[dep.PARAM_URL]}'"
    return f"{where} at {rev}" if rev else where


@contextmanager
def _source_at(dep: RepoDependency, rev: Optional[str]) -> Iterator[tuple[Repo, str]]:
    """The DVC project that holds an import's path, as git revision ``rev`` has
    it, and the path inside that project (a subrepo's, when one holds it)."""
    fs = dep._make_fs(rev=rev)
    try:
        yield owner_of(fs, dep.def_path)
    finally:
        fs.close()


def owner_of(fs: Any, path: str) -> tuple[Repo, str]:
    """The project of DVCFileSystem ``fs`` that tracks ``path``, and ``path`` in it.

    A git repository may hold DVC projects in subdirectories (subrepos): the
    one whose directory holds ``path`` records the database, and its remote
    holds the commit.
    """
    inner = getattr(fs, "fs", fs)
    try:
        key = inner._get_key_from_relative(path)
        repo, _, subkey = inner._get_subrepo_info(key)
    except AttributeError:  # a DVC that shapes these otherwise: the root project
        return fs.repo, path
    return repo, "/".join(subkey)


_seen: dict[tuple, Recorded] = {}


_seen_lock = threading.Lock()


def recorded_for(dep: RepoDependency) -> Optional[Recorded]:
    """What the import's source records at its ``rev_lock`` (None: not a database)."""
    rev = dep.def_repo.get(dep.PARAM_REV_LOCK) or dep.def_repo.get(dep.PARAM_REV)
    # The same import is looked up once per git revision of a `dvc fetch -a`.
    key = (
        dep.def_repo[dep.PARAM_URL],
        rev,
        dep.def_path,
        repr(dep.def_repo.get(dep.PARAM_REMOTE)),
        repr(dep.def_repo.get(dep.PARAM_CONFIG)),
    )
    with _seen_lock:
        if key in _seen:
            return _seen[key]
    with _source_at(dep, rev) as (source, path):
        out = find_database(source, path)
        if out is None:
            return None
        try:
            found = recorded_in(source, out)
        except DvcDoltError as exc:
            raise DvcDoltError(f"{_describe(dep, rev)}: {exc}") from None
    with _seen_lock:
        _seen[key] = found
    return found


def import_target(out: Output, root: str) -> Optional[Target]:
    """The database an import output fetches, from its source's remote (None: files)."""
    found = recorded_for(out.stage.deps[0])  # type: ignore[union-attr]
    if found is None:
        return None
    parts = out.index_key[1]
    return Target(
        os.path.join(root, *parts), "/".join(parts), found.remote, found.url, found.sources
    )
