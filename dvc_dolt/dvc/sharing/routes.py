"""Where a database's commits go and come from: a :class:`Route` is a database
and its remote, with the Dolt remote names it has there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

from dvc_dolt.dolt.remote import remote_named_for
from dvc_dolt.dolt.runner import redact
from dvc_dolt.dvc.errors import DvcDoltError
from dvc_dolt.dvc.layout import SCHEME, database_key, home_remote, legacy_database_key
from dvc_dolt.dvc.project.staging import remotes_cache
from dvc_dolt.dvc.sharing.git_remotes import is_git_remote, resolve
from dvc_dolt.dvc.sharing.remotes import DoltRemoteSpec, dolt_remote_for

if TYPE_CHECKING:
    from dvc.repo import Repo

    from dvc_dolt.dolt import Database


@dataclass(frozen=True)
class Route:
    """One database in the workspace and the DVC remote it syncs with."""

    path: str  # absolute workspace path
    rel_path: str  # path relative to the repo root, for messages
    remote: str  # DVC remote name
    url: Optional[str] = None  # the database's own Dolt remote (meta: dolt_remote)
    # Where its pins are, when not on the remote above: an import's, on its
    # source project's remote (see .imports).
    sources: tuple[tuple[DoltRemoteSpec, str], ...] = field(default=(), compare=False)
    # A source project's: the URL DVC opened it from, the repository its
    # `git+remote://NAME` means when its git repository has no remote NAME.
    opened_from: Optional[str] = field(default=None, compare=False)

    @property
    def where(self) -> str:
        return redact(self.url) if self.url else self.remote


def databases_remote(repo: Repo) -> Optional[str]:
    """The DVC remote databases go to unless told otherwise: ``dolt.remote``,
    else DVC's default remote."""
    return repo.config.get(SCHEME, {}).get("remote") or repo.config["core"].get("remote")


def failure_reason(exc: Exception) -> str:
    """dolt's own words for a failure, without the paths dvc-dolt added."""
    return getattr(exc, "reason", None) or str(exc)


def remote_spec(repo: Repo, route: Route, key: Optional[str] = None) -> DoltRemoteSpec:
    """The Dolt remote of ``route``: its own (``key``: another remote database there)."""
    if route.url:
        return DoltRemoteSpec.from_url(route.url)
    try:
        conf = dict(repo.config["remote"][route.remote])
    except KeyError:
        raise DvcDoltError(f"no DVC remote named '{route.remote}'") from None
    url = conf.pop("url")
    if is_git_remote(url):
        url = resolve(repo, url, route.opened_from)  # the project's own git remote, read now
    return dolt_remote_for(url, key or database_key(route.rel_path), conf)


def sources_of(repo: Repo, route: Route) -> list[tuple[DoltRemoteSpec, str]]:
    """Where ``route``'s pins may be, newest layout first, with the name each
    gets as a remote of the database."""
    if route.sources:
        return list(route.sources)
    home = home_remote(route.remote)
    found = [(remote_spec(repo, route), home)]
    legacy = legacy_database_key(route.rel_path)
    if not route.url and legacy != database_key(route.rel_path):
        # Remotes written by dvc-dolt 0.1, where some paths shared a database.
        found.append((remote_spec(repo, route, legacy), f"{home}-legacy"))
    return found


def remote_name(repo: Repo, db: Database, spec: DoltRemoteSpec, preferred: str) -> str:
    """The database's Dolt remote for ``spec``: one it has, or ``preferred``."""
    return remote_named_for(db, spec.url, preferred, spec.params, remotes_cache(repo.tmp_dir))
