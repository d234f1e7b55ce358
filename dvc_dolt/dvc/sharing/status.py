"""TODO docstring (from sync)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dvc_dolt.dolt import Database, DoltError
from dvc_dolt.dolt.remote import PinProbe
from dvc_dolt.dvc.errors import DvcDoltError
from dvc_dolt.dvc.project.scope import _as_list, _scope
from dvc_dolt.dvc.sharing.collect import collect
from dvc_dolt.dvc.sharing.routes import _sources

if TYPE_CHECKING:
    from dvc.repo import Repo

    from dvc_dolt.dvc.sharing.routes import Target


def cloud_status(repo: Repo, **kwargs: Any) -> dict[str, str]:
    """DVC's ``status -c`` words for each database: new, deleted or missing.

    Nothing is downloaded: the remote is asked which pins it holds.
    """
    todo = collect(repo, **kwargs)
    status: dict[str, str] = {}
    if not todo:
        return status
    with PinProbe() as probe:
        for target, commits in todo.items():
            db = Database(target.path)
            local = db.exists and not db.missing_commits(commits)
            try:
                on_remote = _remote_has(repo, probe, target, commits)
            except DoltError as exc:
                raise DvcDoltError(f"Dolt database '{target.shown}': {exc}") from None
            if local and not on_remote:
                status[target.shown] = "new"
            elif on_remote and not local:
                status[target.shown] = "deleted"
            elif not (local or on_remote):
                status[target.shown] = "missing"
    return status


def _remote_has(repo: Repo, probe: PinProbe, target: Target, commits: set[str]) -> bool:
    """Whether the remote holds the pins of all ``commits`` (in either layout)."""
    left: list[str] = sorted(commits)
    for spec, _ in _sources(repo, target):
        left = probe.missing(spec.url, left, params=spec.params, env=spec.env, user=spec.user)
        if not left:
            return True
    return False


def cloud_status_with(
    result: dict, repo: Repo, targets=None, jobs=None, cloud=False, remote=None, **kwargs
) -> dict:
    """DVC's ``status -c`` ``result``, with the databases' recorded commits the
    remote lacks."""
    if cloud or remote:
        result.update(
            cloud_status(repo, targets=_as_list(targets), remote=remote, **_scope(kwargs))
        )
    return result
