"""``dvc push/fetch/pull/status -c`` for Dolt databases, through Dolt remotes.

DVC moves its own objects first, unchanged; then every recorded commit of
every Dolt output in scope (targets, and the git revisions -a/-T/-A/--rev
select) is pushed as a pin, or fetched. A database missing from the
workspace is fetched as a clone into ``.dvc/tmp/dolt/fetched/<key>``, which
checkout moves into place, so ``dvc fetch`` never touches the workspace.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, Callable, Optional

from dvc_dolt.dolt import Database, DoltError, PinNotFoundError
from dvc_dolt.dolt.remote import (
    CloneExistsError,
    PinProbe,
    RemotesCache,
    Source,
    clone_at,
    fetch_from,
    push_pins,
    remote_named_for,
)
from dvc_dolt.dolt.runner import redact
from dvc_dolt.dolt.state import HeadsCache

from .errors import DvcDoltError
from .first_push import may_copy, push_by_copy
from .output import DoltMixin, heads_cache_at, warm_heads
from .remotes import DoltRemoteSpec, database_key, dolt_remote_for, legacy_database_key

if TYPE_CHECKING:
    from dvc.repo import Repo

logger = logging.getLogger("dvc").getChild("dolt")

FETCHED_DIR = os.path.join("dolt", "fetched")
REMOTES_CACHE_FILE = "dolt-remotes.json"
# How the Dolt remote is named inside a database when dvc-dolt adds it.
REMOTE_PREFIX = "dvc-"
# `meta: {dolt_remote: URL}` on an output: the database's own home (e.g. DoltHub).
OVERRIDE_KEY = "dolt_remote"


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


def collect(
    repo: Repo,
    targets: Any = None,
    remote: Optional[str] = None,
    push: bool = False,
    with_deps: bool = False,
    recursive: bool = False,
    all_branches: bool = False,
    all_tags: bool = False,
    all_commits: bool = False,
    revs: Any = None,
    workspace: bool = True,
) -> dict[Target, set[str]]:
    """Recorded commits per database, over the revisions DVC's flags select."""
    from .imports import import_target

    found: dict[Target, set[str]] = defaultdict(set)
    default_remote = repo.config["core"].get("remote")
    root = repo.root_dir  # inside the brancher, git revisions have root "/"
    for _ in repo.brancher(
        revs=revs,
        all_branches=all_branches,
        all_tags=all_tags,
        all_commits=all_commits,
        workspace=workspace,
    ):
        # Read the outputs inside the loop: the brancher swaps the repo's
        # view of its files for each revision.
        view = repo.index.targets_view(targets, with_deps=with_deps, recursive=recursive)
        for out in view.outs:
            if not isinstance(out, DoltMixin) or not out.is_in_repo:
                continue
            if (push and not out.can_push) or (remote and out.remote and remote != out.remote):
                continue
            heads = out.recorded_heads
            if heads is None:
                continue
            if out.stage.is_repo_import:
                # Like DVC's own imports: never pushed, fetched from the source.
                target = None if push else import_target(out, root)
                if target is not None:
                    found[target].add(heads.commit)
                continue
            parts = out.index_key[1]
            url = (out.annot.meta or {}).get(OVERRIDE_KEY)
            name = remote or out.remote or default_remote or ("" if url else None)
            if name is None:
                # DVC's own NoRemoteError, with its advice.
                repo.cloud.get_remote(None, "push" if push else "fetch")
            target = Target(os.path.join(root, *parts), "/".join(parts), name, url)
            found[target].add(heads.commit)
    return found


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


def _run_all(jobs: Optional[int], work: Iterable[Target], fn, desc: str) -> list[str]:
    """Run ``fn(target)`` over the targets, ``jobs`` at a time, with a DVC progress bar.

    Returns the error messages.
    """
    from dvc.ui import ui

    work = list(work)
    errors: list[str] = []
    if not work:
        return errors
    with ui.progress(total=len(work), desc=desc, unit="database", leave=False) as bar:  # noqa: SIM117
        with ThreadPoolExecutor(max_workers=max(1, jobs or 4)) as pool:
            for message in pool.map(fn, work):
                bar.update()
                if message:
                    errors.append(message)
    return errors


def push(repo: Repo, jobs: Optional[int] = None, **kwargs: Any) -> int:
    """Push every recorded commit as a pin; the number of databases that sent data."""
    todo = collect(repo, push=True, **kwargs)
    present = {t: c for t, c in todo.items() if Database(t.path).exists}
    pushed = []

    def one(target: Target) -> Optional[str]:
        spec = None
        try:
            spec = remote_spec(repo, target)
            if target in present:
                db = Database(target.path)
                commits = todo[target]
                copy = may_copy(repo, target.remote, target.shown, db, spec, commits)
                name = _remote_name(repo, db, spec, REMOTE_PREFIX + (target.remote or "home"))
                with heads_cache_at(repo.tmp_dir).kept_across(db):
                    new = None
                    if copy is not None:
                        new = push_by_copy(db, name, spec, commits, target.shown, copy)
                    if new is None:
                        new = push_pins(db, name, todo[target], spec.env, spec.user)
            else:
                new = _push_from_elsewhere(repo, target, todo[target], present, spec)
        except (DoltError, DvcDoltError) as exc:
            # The next push asks dolt again which remotes the database has.
            _remotes_cache(repo.tmp_dir).forget(Database(target.path))
            return f"Dolt database '{target.shown}' to remote '{target.where}': {_reason(exc)}"
        if new:
            pushed.append(target)
            logger.info(
                "Pushed Dolt database '%s' to remote '%s': %d new commit%s",
                target.shown,
                target.where,
                len(new),
                "" if len(new) == 1 else "s",
            )
        return None

    errors = _run_all(jobs, present, one, "Pushing Dolt databases")
    # Then what older revisions recorded at paths the workspace no longer has
    # (`dvc move`), from the databases that hold it: one dolt at a time per
    # database, so the two passes never push from one database at once.
    errors += _run_all(jobs, [t for t in todo if t not in present], one, "Pushing Dolt databases")
    if errors:
        raise DvcDoltError("failed to push Dolt databases:\n" + "\n".join(errors))
    return len(pushed)


def _push_from_elsewhere(
    repo: Repo,
    target: Target,
    commits: set[str],
    present: dict[Target, set[str]],
    spec: DoltRemoteSpec,
) -> list[str]:
    """Push the pins of a path the workspace lacks from databases that hold them.

    An older revision recorded them at this path; a database moved since
    holds them under its new path. Pins go to the old path's remote
    database, where a checkout of that revision looks for them.
    """
    holders = [Database(t.path) for t in present]
    holders.append(Database(fetched_path(repo, target.shown)))
    left, new = set(commits), []
    key = database_key(target.shown)
    for db in holders:
        if not left:
            break
        if not db.exists:
            continue
        held = left - set(db.missing_commits(left))
        if held:
            name = _remote_name(repo, db, spec, f"{REMOTE_PREFIX}{target.remote or 'home'}-{key}")
            new += push_pins(db, name, held, spec.env, spec.user)
            left -= held
    if left:
        raise DvcDoltError(
            f"no local Dolt database holds commit(s) {', '.join(sorted(left))}: "
            "nothing to push them from"
        )
    return new


def local_database(repo: Repo, shown: str) -> Database:
    """Database ``shown`` (repo-relative) in the workspace, or else `dvc fetch`'s clone."""
    db = Database(os.path.join(repo.root_dir, *shown.split("/")))
    return db if db.exists else Database(fetched_path(repo, shown))


def fetched_path(repo: Repo, shown: str) -> str:
    """Where `dvc fetch` clones database ``shown`` that the workspace lacks."""
    return os.path.join(repo.tmp_dir, FETCHED_DIR, database_key(shown))


@cache
def _remotes_cache(tmp_dir: str) -> RemotesCache:
    return RemotesCache(os.path.join(tmp_dir, REMOTES_CACHE_FILE))


def _remote_name(repo: Repo, db: Database, spec: DoltRemoteSpec, preferred: str) -> str:
    """The database's Dolt remote for ``spec``: one it has, or ``preferred``."""
    return remote_named_for(db, spec.url, preferred, spec.params, _remotes_cache(repo.tmp_dir))


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

    errors = _run_all(jobs, todo, one, "Fetching Dolt databases")
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


def place_fetched(repo: Repo, path: str, shown: str) -> bool:
    """Move a database ``dvc fetch`` cloned into the workspace; True if there was one."""
    staged = fetched_path(repo, shown)
    if os.path.exists(path) or not os.path.isdir(os.path.join(staged, ".dolt")):
        return False
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    shutil.move(staged, path)
    heads_cache_at(repo.tmp_dir).moved(Database(staged), Database(path))
    return True


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


# -- entry points for the Repo.push/fetch/status patches ---------------------

_SCOPE = ("with_deps", "recursive", "all_branches", "all_tags", "all_commits", "revs", "workspace")


def _scope(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The arguments of DVC's commands that select outputs and revisions."""
    return {k: v for k, v in kwargs.items() if k in _SCOPE}


def _as_list(targets: Any) -> Any:
    return [targets] if isinstance(targets, str) else targets


def _dvc_then_dolt(dvc_transfer, dolt_transfer, dvc_error: type[Exception]) -> int:
    """DVC's own transfer, then the databases', even when DVC's failed for some files."""
    error, count = None, 0
    try:
        count = dvc_transfer()
    except dvc_error as exc:
        error = exc
    count += dolt_transfer()
    if error:
        raise error
    return count


def _warm(repo: Repo, targets: Any, kwargs: dict[str, Any]) -> None:
    """Databases' heads asked in parallel, once DVC's status, which reads them in
    turn, finds one not on file; before that, collecting them would cost time
    for nothing."""
    try:
        view = repo.index.targets_view(
            _as_list(targets) or [None],
            with_deps=kwargs.get("with_deps", False),
            recursive=kwargs.get("recursive", False),
        )
        items = [*view.outs, *(dep for stage in view.stages for dep in stage.deps)]
    except Exception:
        # DVC's status reports bad targets its own way.
        return
    warm_heads(items)


def push_with(dvc_push, repo: Repo, targets=None, jobs=None, remote=None, glob=False, **kwargs):
    from dvc.exceptions import UploadError
    from dvc.utils import glob_targets

    return _dvc_then_dolt(
        lambda: dvc_push(repo, targets=targets, jobs=jobs, remote=remote, glob=glob, **kwargs),
        lambda: push(
            repo,
            jobs=jobs,
            targets=glob_targets(_as_list(targets), glob=glob),
            remote=remote,
            **_scope(kwargs),
        ),
        UploadError,
    )


def fetch_with(dvc_fetch, repo: Repo, targets=None, jobs=None, remote=None, **kwargs):
    from dvc.exceptions import DownloadError

    return _dvc_then_dolt(
        lambda: dvc_fetch(repo, targets=targets, jobs=jobs, remote=remote, **kwargs),
        lambda: fetch(repo, jobs=jobs, targets=_as_list(targets), remote=remote, **_scope(kwargs)),
        DownloadError,
    )


def status_with(
    dvc_status, repo: Repo, targets=None, jobs=None, cloud=False, remote=None, **kwargs
):
    from .reading import read_only

    warming: Any = nullcontext()
    if not (cloud or remote) and getattr(repo, "tmp_dir", None):
        warming = heads_cache_at(repo.tmp_dir).before_asking(lambda: _warm(repo, targets, kwargs))
    with read_only(), warming:
        result = dvc_status(repo, targets=targets, jobs=jobs, cloud=cloud, remote=remote, **kwargs)
    if cloud or remote:
        result.update(
            cloud_status(repo, targets=_as_list(targets), remote=remote, **_scope(kwargs))
        )
    return result
