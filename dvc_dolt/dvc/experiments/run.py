"""``dvc exp run`` in the workspace: a branch ``dvc/exp/<name>`` on the commits it made.

An experiment run in the workspace commits its Dolt outputs on the
database's current branch, and the next experiment moves that branch on. So
that each experiment's data stays reachable by name, the output commits it
made get a branch ``dvc/exp/<experiment>``, in the databases it wrote only: a
database the experiment only read, or left at the commit it started from,
gets none. A name used again (on another baseline, or with ``exp run -f``)
moves that branch; the commit it leaves is kept on ``dvc/kept/<hash>``
unless another ref reaches it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any, cast

from dvc_dolt.dolt import DoltError
from dvc_dolt.dvc.experiments.lock import database_lock
from dvc_dolt.dvc.layout import experiment_branch
from dvc_dolt.dvc.project.records import WROTE, records
from dvc_dolt.dvc.project.staging import workspace_database
from dvc_dolt.dvc.project.tracked import database_paths

if TYPE_CHECKING:
    from dvc.repo import Repo
    from dvc.scm import Git

logger = logging.getLogger(__name__)


def run_with(dvc_run, repo: Repo, *args: Any, **kwargs: Any) -> dict:
    """DVC's ``exp run``; then a branch per experiment on the Dolt output commits it made."""
    # A run in a temporary copy keeps its commits when DVC collects it:
    # see bring_back().
    outside = any(kwargs.get(flag) for flag in ("queue", "run_all", "tmp_dir"))
    started = {} if outside else _workspace_starts(repo)
    results = dvc_run(repo, *args, **kwargs)
    if not outside:
        for exp_rev in results or {}:
            keep_experiment(repo, exp_rev, started)
    return results


def _workspace_starts(repo: Repo) -> dict[str, set[str]]:
    """The commits each workspace database may start a workspace run at, by path.

    DVC checks each output out at its recorded commit before reproducing,
    and first commits the ``.dvc`` files of data dependencies at their
    current commit: an output left at either was not written by the run.
    """
    from dvc.exceptions import DvcException

    from dvc_dolt.dvc.items.heads import heads_cache_at
    from dvc_dolt.dvc.parallel import in_parallel

    try:
        found = records(repo)
        paths = database_paths(repo)
    except DvcException:
        return {}  # DVC's run says what is wrong with the pipeline
    starts: dict[str, set[str]] = defaultdict(set)
    for use in found:
        starts[use.path].add(use.commit)
    cache = heads_cache_at(repo.tmp_dir)

    def head(rel_path: str) -> str | None:
        db = workspace_database(repo, rel_path)
        try:
            return cache.heads(db).commit if db.exists else None
        except DoltError:
            return None  # unknown: its output counts as written

    for rel_path, commit in zip(paths, in_parallel(head, paths)):
        if commit:
            starts[rel_path].add(commit)
    return dict(starts)


def written(repo: Repo, exp_rev: str, started: Mapping[str, Collection[str]]) -> dict[str, str]:
    """The output commit of each database experiment ``exp_rev`` wrote, by path:
    those it records at a commit other than the ones it ``started`` from."""
    return {
        use.path: use.commit
        for use in records(repo, exp_rev)
        if use.role == WROTE and use.commit not in started.get(use.path, ())
    }


def keep_experiment(repo: Repo, exp_rev: str, started: Mapping[str, Collection[str]]) -> set[str]:
    """Branch ``dvc/exp/<name>`` on each Dolt output commit experiment ``exp_rev``
    made; the databases (by path) whose branch holds it."""
    from dvc.repo.experiments.utils import exp_refs_by_rev

    scm = cast("Git", repo.scm)  # NoSCM: any use raises NoSCMError, as for DVC's own callers
    refs = list(exp_refs_by_rev(scm, exp_rev))
    if not refs:
        return set()
    return branch_experiment(repo, refs[0].name, written(repo, exp_rev, started))


def branch_experiment(repo: Repo, name: str, commits: Mapping[str, str]) -> set[str]:
    """Branch ``dvc/exp/<name>`` on each database's commit (by path); the
    databases whose branch holds it."""
    branch = experiment_branch(name)
    done: set[str] = set()
    for rel_path, commit in commits.items():
        db = workspace_database(repo, rel_path)
        try:
            with database_lock(repo, rel_path):
                kept = db.set_branch(branch, commit)
        except DoltError as exc:
            logger.warning("could not keep experiment commit of '%s': %s", rel_path, exc)
            continue
        done.add(rel_path)
        logger.info("Dolt database '%s': experiment commit on branch '%s'", rel_path, branch)
        if kept:
            # An earlier experiment of the same name (another baseline, or
            # `exp run -f`) had this branch: its commit stays reachable.
            logger.info(
                "Dolt database '%s': the earlier commit of '%s' is kept on branch '%s'",
                rel_path,
                branch,
                kept,
            )
    return done
