"""TODO docstring (from experiments)."""

from __future__ import annotations

import logging
import os
from collections import defaultdict
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any

from dvc_dolt.dolt import Database, DoltError
from dvc_dolt.dvc.experiments.lock import turn
from dvc_dolt.dvc.layout import experiment_branch
from dvc_dolt.dvc.project.records import WROTE, records
from dvc_dolt.dvc.project.tracked import database_paths

if TYPE_CHECKING:
    from dvc.repo import Repo

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

    def head(shown: str) -> str | None:
        db = Database(os.path.join(repo.root_dir, *shown.split("/")))
        try:
            return cache.heads(db).commit if db.exists else None
        except DoltError:
            return None  # unknown: its output counts as written

    for shown, commit in zip(paths, in_parallel(head, paths)):
        if commit:
            starts[shown].add(commit)
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

    refs = list(exp_refs_by_rev(repo.scm, exp_rev))
    if not refs:
        return set()
    return _branch(repo, refs[0].name, written(repo, exp_rev, started))


def _branch(repo: Repo, name: str, commits: Mapping[str, str]) -> set[str]:
    """Branch ``dvc/exp/<name>`` on each database's commit (by path); the
    databases whose branch holds it."""
    branch = experiment_branch(name)
    done: set[str] = set()
    for shown, commit in commits.items():
        db = Database(os.path.join(repo.root_dir, *shown.split("/")))
        try:
            with turn(repo, shown):
                kept = db.set_branch(branch, commit)
        except DoltError as exc:
            logger.warning("could not keep experiment commit of '%s': %s", shown, exc)
            continue
        done.add(shown)
        logger.info("Dolt database '%s': experiment commit on branch '%s'", shown, branch)
        if kept:
            # An earlier experiment of the same name (another baseline, or
            # `exp run -f`) had this branch: its commit stays reachable.
            logger.info(
                "Dolt database '%s': the earlier commit of '%s' is kept on branch '%s'",
                shown,
                branch,
                kept,
            )
    return done
