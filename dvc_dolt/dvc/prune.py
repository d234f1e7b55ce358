"""``dvc dolt prune``: delete the Dolt branches dvc-dolt made that nothing needs.

Restores leave ``dvc/kept/<hash>`` branches (and, when killed,
``dvc/restoring/<id>``), experiments ``dvc/exp/<name>``, and older versions
local ``dvc/pin/<hash>`` branches; they accumulate. A
branch goes only when every commit that the workspace, any git commit or any
experiment records (for any database path: `dvc move` renames) stays
reachable without it, and, for ``dvc/exp/<name>``, when no experiment of that
name is left. Pins on Dolt remotes are never touched: other clones' git
revisions may need them.
"""

from __future__ import annotations

import logging
import os
from collections import defaultdict
from typing import TYPE_CHECKING

from dvc_dolt.dolt import Database
from dvc_dolt.dolt.database import KEPT_PREFIX, PIN_PREFIX, SCRATCH_PREFIX

from .errors import dvc_errors
from .experiments import EXP_BRANCH_PREFIX, experiment_branch
from .output import DoltMixin

if TYPE_CHECKING:
    from dvc.repo import Repo

logger = logging.getLogger("dvc").getChild("dolt")

# dvc/restoring/<id> outlives its checkout only when the process was killed.
PRUNED_PREFIXES = (KEPT_PREFIX, PIN_PREFIX, EXP_BRANCH_PREFIX, SCRATCH_PREFIX)


def recorded_commits(repo: Repo) -> dict[str, set[str]]:
    """Every commit recorded for each database (by workspace path), in the
    workspace and at every git commit and experiment."""
    found: dict[str, set[str]] = defaultdict(set)
    root = repo.root_dir  # inside the brancher, git revisions have root "/"
    for _ in repo.brancher(all_commits=True, all_experiments=True, workspace=True):
        for out in repo.index.outs:
            if isinstance(out, DoltMixin) and out.is_in_repo:
                heads = out.recorded_heads
                if heads is not None:
                    found[os.path.join(root, *out.index_key[1])].add(heads.commit)
    return found


def prune(repo: Repo, dry_run: bool = False) -> dict[str, list[str]]:
    """Branches deleted (or, with ``dry_run``, to delete) per database, by path
    relative to the repo root."""
    from dvc.repo.experiments.utils import exp_refs

    recorded = recorded_commits(repo)
    # Any database's record counts for every database: one that `dvc move`
    # renamed holds commits that older revisions record under its old path.
    needed = set().union(*recorded.values())
    experiments = {experiment_branch(ref.name) for ref in exp_refs(repo.scm)}
    pruned = {}
    for path in sorted(recorded):
        db = Database(path)
        if not db.exists:
            continue
        shown = os.path.relpath(path, repo.root_dir)
        with dvc_errors(f"Dolt database '{shown}': "):
            doomed = db.prune_branches(PRUNED_PREFIXES, needed, experiments, dry_run)
        if doomed:
            pruned[shown] = doomed
    return pruned
