"""``dvc push`` for databases: each recorded commit goes to the database's Dolt
remote as a pin (``dvc/pin/<commit>``), so databases, projects and git branches
that share a remote cannot overwrite each other's data.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Optional

from dvc_dolt.dolt import Database, DoltError
from dvc_dolt.dolt.git_remote import is_git_url
from dvc_dolt.dolt.remote import push_pins
from dvc_dolt.dvc.errors import DvcDoltError
from dvc_dolt.dvc.items.heads import heads_cache_at
from dvc_dolt.dvc.layout import database_key, home_remote
from dvc_dolt.dvc.parallel import run_all
from dvc_dolt.dvc.project.staging import fetched_path, remotes_cache
from dvc_dolt.dvc.sharing.collect import collect
from dvc_dolt.dvc.sharing.first_push import may_copy, push_by_copy
from dvc_dolt.dvc.sharing.git_push import before_git_push, first_push_pins, with_hint
from dvc_dolt.dvc.sharing.routes import failure_reason, remote_name, remote_spec

if TYPE_CHECKING:
    from dvc.repo import Repo

    from dvc_dolt.dvc.sharing.remotes import DoltRemoteSpec
    from dvc_dolt.dvc.sharing.routes import Route

logger = logging.getLogger(__name__)


def push(repo: Repo, jobs: Optional[int] = None, **kwargs: Any) -> int:
    """Push every recorded commit as a pin; the number of databases that sent data."""
    todo = collect(repo, push=True, **kwargs)
    present = {t: c for t, c in todo.items() if Database(t.path).exists}
    pushed = []

    def one(route: Route) -> Optional[str]:
        spec = None
        try:
            spec = remote_spec(repo, route)
            if route in present:
                db = Database(route.path)
                commits = todo[route]
                copy = may_copy(repo, route.remote, route.rel_path, db, spec, commits)
                first_to_git = is_git_url(spec.url) and before_git_push(repo, db, spec, route)
                name = remote_name(repo, db, spec, home_remote(route.remote))
                with heads_cache_at(repo.tmp_dir).kept_across(db):
                    new = None
                    if first_to_git:
                        commits = first_push_pins(db, name, spec, commits)
                    if copy is not None:
                        new = push_by_copy(db, name, spec, commits, route.rel_path, copy)
                    if new is None:
                        new = push_pins(db, name, commits, spec.env, spec.user)
                    new = [c for c in new if c in todo[route]]
            else:
                new = _push_from_elsewhere(repo, route, todo[route], present, spec)
        except (DoltError, DvcDoltError) as exc:
            # The next push asks dolt again which remotes the database has.
            remotes_cache(repo.tmp_dir).forget(Database(route.path))
            why = with_hint(failure_reason(exc))
            return f"Dolt database '{route.rel_path}' to remote '{route.where}': {why}"
        if new:
            pushed.append(route)
            logger.info(
                "Pushed Dolt database '%s' to remote '%s': %d new commit%s",
                route.rel_path,
                route.where,
                len(new),
                "" if len(new) == 1 else "s",
            )
        return None

    errors = run_all(jobs, present, one, "Pushing Dolt databases")
    # Then what older revisions recorded at paths the workspace no longer has
    # (`dvc move`), from the databases that hold it: one dolt at a time per
    # database, so the two passes never push from one database at once.
    errors += run_all(jobs, [t for t in todo if t not in present], one, "Pushing Dolt databases")
    if errors:
        raise DvcDoltError("failed to push Dolt databases:\n" + "\n".join(errors))
    return len(pushed)


def _push_from_elsewhere(
    repo: Repo,
    route: Route,
    commits: set[str],
    present: dict[Route, set[str]],
    spec: DoltRemoteSpec,
) -> list[str]:
    """Push the pins of a path the workspace lacks from databases that hold them.

    An older revision recorded them at this path; a database moved since
    holds them under its new path. Pins go to the old path's remote
    database, where a checkout of that revision looks for them.
    """
    holders = [Database(t.path) for t in present]
    holders.append(Database(fetched_path(repo, route.rel_path)))
    left, new = set(commits), []
    key = database_key(route.rel_path)
    for db in holders:
        if not left:
            break
        if not db.exists:
            continue
        held = left - set(db.missing_commits(left))
        if held:
            name = remote_name(repo, db, spec, f"{home_remote(route.remote)}-{key}")
            new += push_pins(db, name, held, spec.env, spec.user)
            left -= held
    if left:
        raise DvcDoltError(
            f"no local Dolt database holds commit(s) {', '.join(sorted(left))}: "
            "nothing to push them from"
        )
    return new
