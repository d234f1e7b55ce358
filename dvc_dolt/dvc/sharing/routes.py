"""TODO docstring (from sync)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

from dvc_dolt.dolt.remote import remote_named_for
from dvc_dolt.dolt.runner import redact
from dvc_dolt.dvc.errors import DvcDoltError
from dvc_dolt.dvc.layout import REMOTE_PREFIX, database_key, legacy_database_key
from dvc_dolt.dvc.project.staging import _remotes_cache
from dvc_dolt.dvc.sharing.remotes import DoltRemoteSpec, dolt_remote_for

if TYPE_CHECKING:
    from dvc.repo import Repo

    from dvc_dolt.dolt import Database


@dataclass(frozen=True)
class Target:
    """One database in the workspace and the DVC remote it syncs with."""

    path: str  # absolute workspace path
    shown: str  # path relative to the repo root, for messages
    remote: str  # DVC remote name
    url: Optional[str] = None  # the database's own Dolt remote (meta: dolt_remote)
    # Where its pins are, when not on the remote above: an import's, on its
    # source project's remote (see .imports).
    sources: tuple[tuple[DoltRemoteSpec, str], ...] = field(default=(), compare=False)

    @property
    def where(self) -> str:
        return redact(self.url) if self.url else self.remote


def _reason(exc: Exception) -> str:
    """dolt's own words for a failure, without the paths dvc-dolt added."""
    return getattr(exc, "reason", None) or str(exc)


def remote_spec(repo: Repo, target: Target, key: Optional[str] = None) -> DoltRemoteSpec:
    """The Dolt remote of ``target``: its own (``key``: another remote database there)."""
    if target.url:
        return DoltRemoteSpec.from_url(target.url)
    try:
        conf = dict(repo.config["remote"][target.remote])
    except KeyError:
        raise DvcDoltError(f"no DVC remote named '{target.remote}'") from None
    return dolt_remote_for(conf.pop("url"), key or database_key(target.shown), conf)


def _sources(repo: Repo, target: Target) -> list[tuple[DoltRemoteSpec, str]]:
    """Where ``target``'s pins may be, newest layout first, with the name each
    gets as a remote of the database."""
    if target.sources:
        return list(target.sources)
    home = REMOTE_PREFIX + (target.remote or "home")
    found = [(remote_spec(repo, target), home)]
    legacy = legacy_database_key(target.shown)
    if not target.url and legacy != database_key(target.shown):
        # Remotes written by dvc-dolt 0.1, where some paths shared a database.
        found.append((remote_spec(repo, target, legacy), f"{home}-legacy"))
    return found


def _remote_name(repo: Repo, db: Database, spec: DoltRemoteSpec, preferred: str) -> str:
    """The database's Dolt remote for ``spec``: one it has, or ``preferred``."""
    return remote_named_for(db, spec.url, preferred, spec.params, _remotes_cache(repo.tmp_dir))
