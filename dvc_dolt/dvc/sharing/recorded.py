"""What a source project recorded of a database, for ``dvc import``/``get``/``update``.

What a source records of a database is a commit, pushed as a pin to the
source project's DVC remote, never files. Like DVC's own imports, an
imported database is never pushed by the importing project: ``dvc pull``
fetches it from the source project's remote (see :func:`import_route`).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

from dvc_dolt.dvc.errors import DvcDoltError
from dvc_dolt.dvc.items.describe import rel_path_of
from dvc_dolt.dvc.layout import OVERRIDE_KEY
from dvc_dolt.dvc.project.tracked import find_database
from dvc_dolt.dvc.sharing.routes import Route, databases_remote, sources_of

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

    rel_path: str  # its path in the source project
    heads: Heads
    remote: str  # the source's DVC remote, or the database's own Dolt remote URL
    sources: tuple[tuple[DoltRemoteSpec, str], ...]  # see routes.sources_of

    @property
    def commit(self) -> str:
        return self.heads.commit

    @property
    def url(self) -> str:
        return self.sources[0][0].url


def recorded_in(repo: Repo, out: DoltMixin, opened_from: Optional[str] = None) -> Recorded:
    """What ``repo`` records of database ``out``, and where its commit can be fetched
    (``opened_from``: the URL DVC opened the source project from)."""
    rel_path = rel_path_of(out)
    heads = out.recorded_heads
    if heads is None:
        raise DvcDoltError(f"Dolt database '{rel_path}' is not recorded there: nothing to import")
    url = (out.annot.meta or {}).get(OVERRIDE_KEY)
    name = out.remote or databases_remote(repo)
    if not url and (not name or name == AUTO_REMOTE):
        raise DvcDoltError(
            f"Dolt database '{rel_path}' is recorded at commit {heads.commit}, but the source "
            "project has no DVC remote to fetch it from: in the source project, run "
            "`dvc remote add -d <name> <url>` and `dvc push`"
        )
    route = Route("", rel_path, name or "", url, opened_from=opened_from)
    return Recorded(rel_path, heads, route.where, tuple(sources_of(repo, route)))


def describe_source(dep: RepoDependency, rev: Optional[str]) -> str:
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
            found = recorded_in(source, out, opened_from=dep.def_repo[dep.PARAM_URL])
        except DvcDoltError as exc:
            raise DvcDoltError(f"{describe_source(dep, rev)}: {exc}") from None
    with _seen_lock:
        _seen[key] = found
    return found


def import_route(out: Output, root: str) -> Optional[Route]:
    """The database an import output fetches, from its source's remote (None: files)."""
    found = recorded_for(out.stage.deps[0])
    if found is None:
        return None
    parts = out.index_key[1]
    return Route(
        os.path.join(root, *parts), "/".join(parts), found.remote, found.url, found.sources
    )
