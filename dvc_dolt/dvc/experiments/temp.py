"""Experiments in a temporary copy (``--temp``, ``--queue``, ``--run-all``).

The copy of the git repository does not hold the git-ignored databases.
Before DVC checks out and reproduces in the copy, in this process or in a
queue worker, each database is cloned there from the workspace's, through a
local store (no network): at the commit the experiment records, else at the
one noted when it was queued. When DVC has collected the experiment's git
refs, the commits its stages made come back the same way into the
workspace's databases, on branch ``dvc/exp/<experiment>``. Parallel workers
take turns on each workspace database (:mod:`.lock`), so none of dvc-dolt's
writes to it overlap.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, cast

from dvc_dolt.dolt import Database, DoltError, UnknownCommitError
from dvc_dolt.dolt.remote import clone_at, fetch_pins, forget_pins, push_pins, remote_named_for
from dvc_dolt.dvc.errors import DvcDoltError, dvc_errors
from dvc_dolt.dvc.experiments.lock import database_lock
from dvc_dolt.dvc.experiments.queue import noted_path, read_commits, read_noted, write_commits
from dvc_dolt.dvc.experiments.run import branch_experiment, written
from dvc_dolt.dvc.layout import (
    EXCHANGE_DIR,
    EXCHANGE_REMOTE,
    STARTED_FILE,
    STRANDED_DIR,
    database_key,
)
from dvc_dolt.dvc.project.records import WROTE, records
from dvc_dolt.dvc.project.staging import workspace_database
from dvc_dolt.dvc.project.tracked import database_paths

if TYPE_CHECKING:
    from dvc.repo import Repo
    from dvc.repo.experiments.executor.base import BaseExecutor
    from dvc.repo.experiments.refs import ExpRefInfo
    from dvc.scm import Git

logger = logging.getLogger(__name__)


def _temp_root(executor: BaseExecutor) -> str:
    """The DVC root inside an executor's temporary copy of the git repository."""
    return os.path.dirname(os.path.join(executor.root_dir, executor.dvc_dir))


def _started_path(executor: BaseExecutor) -> str:
    # .dvc/tmp is git-ignored: the file stays out of the experiment's commit.
    return os.path.join(executor.root_dir, executor.dvc_dir, "tmp", STARTED_FILE)


def exchange_url(repo: Repo, rel_path: str) -> str:
    """The ``file://`` store through which database ``rel_path`` and its copies trade commits.

    A database with a chunk journal (every database dolt makes) cannot be a
    remote itself ("cannot create NBS store for directory containing chunk
    journal"), so commits travel through a plain store beside DVC's other
    temporary files. Only chunks it lacks are written to it.
    """
    path = os.path.abspath(os.path.join(repo.tmp_dir, EXCHANGE_DIR, database_key(rel_path)))
    # Dolt makes a file:// store's directory only when the remote is added;
    # one removed since (it is only a cache of commits) is made again here.
    if not os.path.lexists(path):
        os.makedirs(path, exist_ok=True)
    return PurePosixPath(path).as_uri()


def _exchange_remote(repo: Repo, db: Database, url: str) -> str:
    from dvc_dolt.dvc.project.staging import remotes_cache

    return remote_named_for(db, url, EXCHANGE_REMOTE, cache=remotes_cache(repo.tmp_dir))


def prepare_temp(executor: BaseExecutor, repo: Repo, rev: str) -> None:
    """Clone each workspace database into the executor's temporary copy, no network.

    ``rev`` is the git commit the experiment starts from. A database it
    records (an output, a ``.dvc`` file) is cloned at that commit; one that
    stages only read, at the workspace's current commit, which is what a run
    in the workspace would read. DVC's checkout in the copy then finds each
    output at its recorded commit.
    """
    from dvc_dolt.dvc.parallel import in_parallel

    paths = database_paths(repo)
    if not paths:
        return
    root = _temp_root(executor)
    recorded = {use.path: use.commit for use in records(repo, rev) if use.role == WROTE}
    noted = read_noted(repo, rev)

    def clone(rel_path: str) -> str | None:
        workspace = workspace_database(repo, rel_path)
        dest = os.path.join(root, *rel_path.split("/"))
        if not workspace.exists or os.path.lexists(dest):
            return None
        url = exchange_url(repo, rel_path)
        with dvc_errors(f"Dolt database '{rel_path}': "):
            commit = recorded.get(rel_path) or noted.get(rel_path) or workspace.heads().commit
            try:
                with database_lock(repo, rel_path):
                    push_pins(workspace, _exchange_remote(repo, workspace, url), [commit])
            except UnknownCommitError:
                raise DvcDoltError(
                    f"Dolt database '{rel_path}' does not hold commit {commit}, which the "
                    f"experiment starts from: `dvc fetch {rel_path}` brings it"
                ) from None
            clone_at(url, dest, commit)
        logger.debug("Dolt database '%s' cloned at %s into '%s'", rel_path, commit, dest)
        return commit

    cloned = dict(zip(paths, in_parallel(clone, paths)))
    # DVC's checkout in the copy keeps these commits: an output still there
    # when the experiment is collected was not written by it.
    write_commits(
        _started_path(executor), {rel_path: commit for rel_path, commit in cloned.items() if commit}
    )
    with contextlib.suppress(FileNotFoundError):
        os.remove(noted_path(repo, rev))


def bring_back(executor: BaseExecutor, repo: Repo, exp_ref: ExpRefInfo) -> None:
    """Bring the commits an experiment made in its temporary copy into the workspace.

    Runs after DVC fetched the experiment's git refs and before it removes
    the copy. Each commit goes through the exchange store as a pin named by
    the commit, so two experiments never push to one branch; in the
    workspace database it then gets branch ``dvc/exp/<name>``. An output
    still at the commit it was cloned at stays where it is.
    """
    exp_rev = repo.scm.get_ref(str(exp_ref))
    if not exp_rev:
        return
    root = _temp_root(executor)
    started = {
        rel_path: {commit} for rel_path, commit in read_commits(_started_path(executor)).items()
    }
    failed = []
    brought: dict[str, tuple[Database, str, str]] = {}
    for rel_path, commit in written(repo, exp_rev, started).items():
        parts = rel_path.split("/")
        clone = Database(os.path.join(root, *parts))
        workspace = Database(os.path.join(repo.root_dir, *parts))
        if not clone.exists:
            continue
        if not workspace.exists:
            _keep_for_apply(repo, clone, rel_path)
            continue
        try:
            brought[rel_path] = _bring_one(repo, clone, workspace, rel_path, commit)
        except DoltError as exc:
            # DVC removes the copy next: keep the database, and its commit, out of it.
            kept = os.path.join(repo.tmp_dir, STRANDED_DIR, exp_ref.name, database_key(rel_path))
            os.makedirs(os.path.dirname(kept), exist_ok=True)
            shutil.move(str(clone.path), kept)
            failed.append(
                f"Dolt database '{rel_path}': commit {commit} of experiment "
                f"'{exp_ref.name}' could not be brought back ({exc}); the database that "
                f"holds it is kept at '{kept}', and `dvc exp apply {exp_ref.name}` "
                "tries again"
            )
    _branch_brought(repo, exp_ref.name, brought)
    if failed:
        raise DvcDoltError("\n".join(failed))


def _bring_one(
    repo: Repo, clone: Database, workspace: Database, rel_path: str, commit: str
) -> tuple[Database, str, str]:
    """``commit`` of ``clone`` into ``workspace``, through the exchange store."""
    url = exchange_url(repo, rel_path)
    with database_lock(repo, rel_path):
        push_pins(clone, remote_named_for(clone, url, "origin"), [commit])
        exchange = _exchange_remote(repo, workspace, url)
        fetch_pins(workspace, exchange, [commit])
    return workspace, exchange, commit


def _branch_brought(repo: Repo, name: str, brought: dict[str, tuple[Database, str, str]]) -> None:
    commits = {rel_path: commit for rel_path, (_, _, commit) in brought.items()}
    for rel_path in branch_experiment(repo, name, commits):
        # Branch dvc/exp/<name> holds the commit now: `dvc exp remove` can
        # let it go with the experiment.
        workspace, exchange, commit = brought[rel_path]
        with database_lock(repo, rel_path):
            forget_pins(workspace, exchange, [commit])


def bring_back_stranded(repo: Repo, rev: Any) -> None:
    """Try again to bring back the commits experiment ``rev`` left stranded.

    When that fails again, one error names where each commit is kept, before
    ``exp apply`` changes anything.
    """
    found = _stranded_experiment(repo, rev)
    if found is None:
        return
    name, exp_rev = found
    base = os.path.join(repo.tmp_dir, STRANDED_DIR, name)
    brought: dict[str, tuple[Database, str, str]] = {}
    for use in records(repo, exp_rev):
        kept = Database(os.path.join(base, database_key(use.path)))
        if use.role != WROTE or not kept.exists:
            continue
        workspace = workspace_database(repo, use.path)
        try:
            brought[use.path] = _bring_one(repo, kept, workspace, use.path, use.commit)
        except DoltError as exc:
            raise DvcDoltError(
                f"Dolt database '{use.path}': commit {use.commit} of experiment '{name}' "
                f"is only in the database kept at '{kept.path}', and it still cannot be "
                f"brought back ({exc})"
            ) from None
        shutil.rmtree(kept.path)
        logger.info("Dolt database '%s': commit %s brought back", use.path, use.commit)
    _branch_brought(repo, name, brought)
    with contextlib.suppress(OSError):
        os.rmdir(base)


def _stranded_experiment(repo: Repo, rev: Any) -> tuple[str, str] | None:
    """(name, git commit) of experiment ``rev`` when it has stranded databases."""
    base = os.path.join(repo.tmp_dir, STRANDED_DIR)
    if not rev or not os.path.isdir(base):
        return None
    from dvc.exceptions import DvcException
    from dvc.repo.experiments.utils import exp_refs
    from dvc.scm import resolve_rev

    try:
        exp_rev = resolve_rev(repo.scm, rev)
    except DvcException:
        return None
    names = set(os.listdir(base))
    # resolve_rev raised above for NoSCM (any use raises NoSCMError).
    for ref in exp_refs(cast("Git", repo.scm)):
        if ref.name in names and repo.scm.get_ref(str(ref)) == exp_rev:
            return ref.name, exp_rev
    return None


def _keep_for_apply(repo: Repo, clone: Database, rel_path: str) -> None:
    """A database the workspace lacks: keep the experiment's clone where
    `dvc exp apply` (checkout) takes it from, as if `dvc fetch` had cloned it."""
    from dvc_dolt.dvc.project.staging import fetched_path

    dest = fetched_path(repo, rel_path)
    if os.path.exists(dest):
        logger.warning(
            "Dolt database '%s' is not in the workspace and '%s' exists: "
            "the experiment's database is not kept",
            rel_path,
            dest,
        )
        return
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    shutil.move(str(clone.path), dest)
