"""TODO docstring (from sync)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Callable, Optional

from dvc_dolt.dolt import DoltError, PinNotFoundError
from dvc_dolt.dolt.remote import CloneExistsError, Source, clone_at, fetch_from
from dvc_dolt.dvc.errors import DvcDoltError
from dvc_dolt.dvc.items.heads import heads_cache_at
from dvc_dolt.dvc.parallel import run_all
from dvc_dolt.dvc.project.staging import _remotes_cache, local_database
from dvc_dolt.dvc.sharing.collect import collect
from dvc_dolt.dvc.sharing.routes import _reason, _remote_name, _sources

if TYPE_CHECKING:
    from dvc.repo import Repo

    from dvc_dolt.dolt import Database
    from dvc_dolt.dolt.state import HeadsCache
    from dvc_dolt.dvc.sharing.remotes import DoltRemoteSpec
    from dvc_dolt.dvc.sharing.routes import Target

logger = logging.getLogger(__name__)


def fetch(repo: Repo, jobs: Optional[int] = None, **kwargs: Any) -> int:
    """Fetch every recorded commit; the number of databases that received data."""
    todo = collect(repo, **kwargs)
    fetched = []

    def one(target: Target) -> Optional[str]:
        try:
            if _fetch_one(repo, target, todo[target]):
                fetched.append(target)
        except (DoltError, DvcDoltError) as exc:
            _remotes_cache(repo.tmp_dir).forget(local_database(repo, target.shown))
            return f"Dolt database '{target.shown}' from remote '{target.where}': {_reason(exc)}"
        return None

    errors = run_all(jobs, todo, one, "Fetching Dolt databases")
    if errors:
        raise DvcDoltError("failed to fetch Dolt databases:\n" + "\n".join(errors))
    for target in set(fetched):
        logger.info("Fetched Dolt database '%s' from remote '%s'", target.shown, target.where)
    return len(set(fetched))


def _fetch_one(repo: Repo, target: Target, commits: set[str]) -> bool:
    """Bring ``target``'s commits into its local database; True if data came."""
    sources = _sources(repo, target)
    db = local_database(repo, target.shown)
    cloned = False
    if not db.exists:
        first = sorted(commits)[0]
        cloned = _clone_first(db, sources, first, heads_cache_at(repo.tmp_dir))
        if cloned:
            commits = commits - {first}
    heads = heads_cache_at(repo.tmp_dir).cached(db)
    if heads is not None:
        # Its HEAD commit is in it: a no-op pull asks dolt nothing.
        commits = commits - {heads.commit}

    def source(spec: DoltRemoteSpec, name: str) -> Callable[[], Source]:
        # Only a commit that is missing needs the remote: a no-op fetch
        # starts no dolt process for it.
        return lambda: Source(_remote_name(repo, db, spec, name), spec.env, spec.user)

    added = fetch_from(db, [source(spec, name) for spec, name in sources], commits)
    return cloned or bool(added)


def _clone_first(
    db: Database, sources: list[tuple[DoltRemoteSpec, str]], commit: str, cache: HeadsCache
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
