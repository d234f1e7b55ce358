"""``dvc fetch`` (and pull) for databases: the recorded commits, from their pins;
a database the workspace lacks comes as a clone that checkout moves into place.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Callable, Optional

from dvc_dolt.dolt import DoltError, PinNotFoundError
from dvc_dolt.dolt.remote import CloneExistsError, Source, clone_at, fetch_from
from dvc_dolt.dvc.errors import DvcDoltError
from dvc_dolt.dvc.items.heads import heads_cache_at
from dvc_dolt.dvc.parallel import run_all
from dvc_dolt.dvc.project.staging import local_database, remotes_cache
from dvc_dolt.dvc.sharing.collect import collect
from dvc_dolt.dvc.sharing.routes import failure_reason, remote_name, sources_of

if TYPE_CHECKING:
    from dvc.repo import Repo

    from dvc_dolt.dolt import Database
    from dvc_dolt.dolt.state import HeadsCache
    from dvc_dolt.dvc.sharing.remotes import DoltRemoteSpec
    from dvc_dolt.dvc.sharing.routes import Route

logger = logging.getLogger(__name__)


def fetch(repo: Repo, jobs: Optional[int] = None, **kwargs: Any) -> int:
    """Fetch every recorded commit; the number of databases that received data."""
    todo = collect(repo, **kwargs)
    fetched = []

    def one(route: Route) -> Optional[str]:
        try:
            if fetch_one(repo, route, todo[route]):
                fetched.append(route)
        except (DoltError, DvcDoltError) as exc:
            remotes_cache(repo.tmp_dir).forget(local_database(repo, route.rel_path))
            why = failure_reason(exc)
            return f"Dolt database '{route.rel_path}' from remote '{route.where}': {why}"
        return None

    errors = run_all(jobs, todo, one, "Fetching Dolt databases")
    if errors:
        raise DvcDoltError("failed to fetch Dolt databases:\n" + "\n".join(errors))
    for route in set(fetched):
        logger.info("Fetched Dolt database '%s' from remote '%s'", route.rel_path, route.where)
    return len(set(fetched))


def fetch_one(repo: Repo, route: Route, commits: set[str]) -> bool:
    """Bring ``route``'s commits into its local database; True if data came."""
    sources = sources_of(repo, route)
    db = local_database(repo, route.rel_path)
    cloned = False
    if not db.exists:
        first = sorted(commits)[0]
        cloned = clone_first(db, sources, first, heads_cache_at(repo.tmp_dir))
        if cloned:
            commits = commits - {first}
    heads = heads_cache_at(repo.tmp_dir).cached(db)
    if heads is not None:
        # Its HEAD commit is in it: a no-op pull asks dolt nothing.
        commits = commits - {heads.commit}

    def source(spec: DoltRemoteSpec, name: str) -> Callable[[], Source]:
        # Only a commit that is missing needs the remote: a no-op fetch
        # starts no dolt process for it.
        return lambda: Source(remote_name(repo, db, spec, name), spec.env, spec.user)

    added = fetch_from(db, [source(spec, name) for spec, name in sources], commits)
    return cloned or bool(added)


def clone_first(
    db: Database,
    sources: list[tuple[DoltRemoteSpec, str]],
    commit: str,
    cache: Optional[HeadsCache],
) -> bool:
    """Clone ``commit`` into the missing ``db`` from the first source that has it."""
    first_error: Optional[PinNotFoundError] = None
    for spec, _ in sources:
        try:
            clone_at(
                spec.url,
                db.path,
                commit,
                params=spec.params,
                env=spec.env,
                user=spec.user,
                cache=cache,
            )
        except CloneExistsError:
            # A parallel process (another stage's api.read) made it first.
            return False
        except PinNotFoundError as exc:
            first_error = first_error or exc
            continue
        return True
    assert first_error is not None
    raise first_error
