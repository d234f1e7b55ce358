"""``dvc status -c`` for databases: which recorded commits the remote lacks
(the remote is asked; nothing is downloaded).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from dvc_dolt.dolt import Database, DoltError
from dvc_dolt.dolt.git_remote import is_git_url
from dvc_dolt.dolt.remote import PinProbe, missing_pins
from dvc_dolt.dvc.errors import DvcDoltError
from dvc_dolt.dvc.project.scope import as_list, scope_args
from dvc_dolt.dvc.project.staging import local_database
from dvc_dolt.dvc.sharing.collect import collect
from dvc_dolt.dvc.sharing.routes import remote_name, sources_of

if TYPE_CHECKING:
    from dvc.repo import Repo

    from dvc_dolt.dvc.sharing.routes import Route


def cloud_status(repo: Repo, **kwargs: Any) -> dict[str, str]:
    """DVC's ``status -c`` words for each database: new, deleted or missing.

    Nothing is downloaded: the remote is asked which pins it holds.
    """
    todo = collect(repo, **kwargs)
    status: dict[str, str] = {}
    if not todo:
        return status
    with PinProbe() as probe:
        for route, commits in todo.items():
            db = Database(route.path)
            local = db.exists and not db.missing_commits(commits)
            try:
                on_remote = remote_has(repo, probe, route, commits)
            except DoltError as exc:
                raise DvcDoltError(f"Dolt database '{route.rel_path}': {exc}") from None
            if local and not on_remote:
                status[route.rel_path] = "new"
            elif on_remote and not local:
                status[route.rel_path] = "deleted"
            elif not (local or on_remote):
                status[route.rel_path] = "missing"
    return status


def remote_has(repo: Repo, probe: PinProbe, route: Route, commits: set[str]) -> bool:
    """Whether the remote holds the pins of all ``commits`` (in either layout)."""
    left: list[str] = sorted(commits)
    db = local_database(repo, route.rel_path)
    for spec, name in sources_of(repo, route):
        if is_git_url(spec.url) and db.exists:
            # Asking a git remote fetches its whole ref into a git cache: the
            # database's own, which its pushes and pulls keep up to date.
            remote = remote_name(repo, db, spec, name)
            left = missing_pins(db, remote, left, spec.env, spec.user)
        else:
            left = probe.missing(spec.url, left, params=spec.params, env=spec.env, user=spec.user)
        if not left:
            return True
    return False


def cloud_status_with(
    result: dict, repo: Repo, targets: Any, remote: Optional[str], kwargs: dict[str, Any]
) -> dict:
    """DVC's ``status -c`` ``result``, with the databases' recorded commits the
    remote lacks (``kwargs``: the rest of DVC's status arguments)."""
    scope = scope_args(kwargs)
    result.update(cloud_status(repo, targets=as_list(targets), remote=remote, **scope))
    return result
