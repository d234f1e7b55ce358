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

import os
from typing import TYPE_CHECKING, cast

from dvc_dolt.dolt import Database
from dvc_dolt.dolt.database import KEPT_PREFIX, PIN_PREFIX, SCRATCH_PREFIX
from dvc_dolt.dvc.errors import dvc_errors
from dvc_dolt.dvc.layout import EXP_BRANCH_PREFIX, experiment_branch
from dvc_dolt.dvc.project.records import recorded_commits

if TYPE_CHECKING:
    from dvc.repo import Repo
    from dvc.scm import Git


# dvc/restoring/<id> outlives its checkout only when the process was killed.
PRUNED_PREFIXES = (KEPT_PREFIX, PIN_PREFIX, EXP_BRANCH_PREFIX, SCRATCH_PREFIX)


def prune(repo: Repo, dry_run: bool = False) -> dict[str, list[str]]:
    """Branches deleted (or, with ``dry_run``, to delete) per database, by path
    relative to the repo root."""
    from dvc.repo.experiments.utils import exp_refs

    recorded = recorded_commits(repo)
    # Any database's record counts for every database: one that `dvc move`
    # renamed holds commits that older revisions record under its old path.
    needed = set().union(*recorded.values())
    scm = cast("Git", repo.scm)  # NoSCM: any use raises NoSCMError, as for DVC's own callers
    experiments = {experiment_branch(ref.name) for ref in exp_refs(scm)}
    pruned = {}
    for path in sorted(recorded):
        db = Database(path)
        if not db.exists:
            continue
        rel_path = os.path.relpath(path, repo.root_dir)
        with dvc_errors(f"Dolt database '{rel_path}': "):
            doomed = db.prune_branches(PRUNED_PREFIXES, needed, experiments, dry_run)
        if doomed:
            pruned[rel_path] = doomed
    return pruned
