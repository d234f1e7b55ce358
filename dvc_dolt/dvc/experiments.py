"""``dvc exp run`` and ``dvc exp apply`` with Dolt databases.

An experiment run in the workspace commits its Dolt outputs on the
database's current branch, and the next experiment moves that branch on. So
that each experiment's data stays reachable by name, its output commits get
a branch ``dvc/exp/<experiment>`` in each database. A name used again (on
another baseline, or with ``exp run -f``) moves that branch; the commit it
leaves is kept on ``dvc/kept/<hash>`` unless another ref reaches it.

``--temp`` and ``--queue`` run experiments in a copy of the git repository,
where the git-ignored databases are absent: they are refused at once.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

from dvc_dolt.dolt import Database, DoltError

from .errors import DvcDoltError
from .lineage import WROTE, records
from .output import DoltMixin

if TYPE_CHECKING:
    from dvc.repo import Repo

logger = logging.getLogger("dvc").getChild("dolt")

EXP_BRANCH_PREFIX = "dvc/exp/"


def experiment_branch(name: str) -> str:
    return EXP_BRANCH_PREFIX + name


def _dolt_items(repo: Repo) -> list[DoltMixin]:
    return [
        item
        for stage in repo.index.stages
        for item in (*stage.deps, *stage.outs)
        if isinstance(item, DoltMixin)
    ]


def run_with(dvc_run, repo: Repo, *args: Any, **kwargs: Any) -> dict:
    """DVC's ``exp run``; then a branch per experiment on its Dolt outputs' commits."""
    elsewhere = [flag for flag in ("tmp_dir", "queue", "run_all") if kwargs.get(flag)]
    if elsewhere and _dolt_items(repo):
        raise DvcDoltError(
            "experiments with Dolt databases run in the workspace only: `--temp`, "
            "`--queue` and `--run-all` run in a copy of the git repository, which "
            "does not hold the (git-ignored) databases. Run `dvc exp run` without them."
        )
    results = dvc_run(repo, *args, **kwargs)
    if not elsewhere:
        for exp_rev in results or {}:
            keep_experiment(repo, exp_rev)
    return results


def keep_experiment(repo: Repo, exp_rev: str) -> None:
    """Branch ``dvc/exp/<name>`` on each Dolt output commit experiment ``exp_rev`` recorded."""
    from dvc.repo.experiments.utils import exp_refs_by_rev

    refs = list(exp_refs_by_rev(repo.scm, exp_rev))
    if not refs:
        return
    branch = experiment_branch(refs[0].name)
    for use in records(repo, exp_rev):
        if use.role != WROTE:
            continue
        db = Database(os.path.join(repo.root_dir, *use.path.split("/")))
        try:
            kept = db.set_branch(branch, use.commit)
        except DoltError as exc:
            logger.warning("could not keep experiment commit of '%s': %s", use.path, exc)
            continue
        logger.info("Dolt database '%s': experiment commit on branch '%s'", use.path, branch)
        if kept:
            # An earlier experiment of the same name (another baseline, or
            # `exp run -f`) had this branch: its commit stays reachable.
            logger.info(
                "Dolt database '%s': the earlier commit of '%s' is kept on branch '%s'",
                use.path,
                branch,
                kept,
            )


def apply_with(dvc_apply, repo: Repo, *args: Any, **kwargs: Any) -> Any:
    """DVC's ``exp apply`` forces its checkout; refuse dirty databases first."""
    for item in _dolt_items(repo):
        if item.IS_DEPENDENCY or not item.database.exists:
            continue
        _, reasons = item.database.inspect()
        if reasons:
            raise DvcDoltError(
                f"cannot apply an experiment over Dolt database '{item}': " + "; ".join(reasons)
            )
    return dvc_apply(repo, *args, **kwargs)
