"""Experiments' git refs, and ``dvc exp rename``: ``dvc/exp/<old>`` becomes
``dvc/exp/<new>`` in every database that has it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Collection, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from dvc_dolt.dolt import Database
from dvc_dolt.dvc.errors import DvcDoltError, dvc_errors
from dvc_dolt.dvc.experiments.lock import database_lock
from dvc_dolt.dvc.layout import EXP_BRANCH_PREFIX, experiment_branch
from dvc_dolt.dvc.project.records import records
from dvc_dolt.dvc.project.staging import workspace_database

if TYPE_CHECKING:
    from dvc.repo import Repo
    from dvc.repo.experiments.refs import ExpRefInfo

logger = logging.getLogger(__name__)


def experiment_refs(repo: Repo) -> dict[str, tuple[ExpRefInfo, str]]:
    """Each local experiment's ref and git commit, by ref name."""
    from dvc.repo.experiments.utils import exp_refs
    from dvc.scm import Git

    if not isinstance(repo.scm, Git):
        return {}  # no experiments; DVC's command says so
    found = {}
    for ref in exp_refs(repo.scm):
        rev = repo.scm.get_ref(str(ref))
        if rev:
            found[str(ref)] = (ref, rev)
    return found


def rename_with(dvc_rename, repo: Repo, *args: Any, **kwargs: Any) -> Any:
    """DVC's ``exp rename``; then each renamed experiment's ``dvc/exp/<old>``
    branches become ``dvc/exp/<new>``."""
    before = experiment_refs(repo)
    renamed = dvc_rename(repo, *args, **kwargs)
    failed = [
        line
        for old, new, exp_rev in _renamed(before, experiment_refs(repo))
        for line in _move_branches(repo, old, new, exp_rev)
    ]
    if failed:
        raise DvcDoltError(
            "the experiments are renamed, but not all their Dolt branches:\n" + "\n".join(failed)
        )
    return renamed


def _renamed(
    before: Mapping[str, tuple[ExpRefInfo, str]], after: Mapping[str, tuple[ExpRefInfo, str]]
) -> Iterator[tuple[str, str, str]]:
    """(old name, new name, git commit) of each experiment whose ref was renamed."""
    gone = [value for key, value in before.items() if key not in after]
    for key, (ref, rev) in after.items():
        if key in before and before[key][1] == rev:
            continue
        # `exp rename -f` may replace a ref of the new name: new to us all the same.
        old = next(
            (r for r, r_rev in gone if r.baseline_sha == ref.baseline_sha and r_rev == rev), None
        )
        if old is not None and old.name != ref.name:
            yield old.name, ref.name, rev


def _move_branches(repo: Repo, old: str, new: str, exp_rev: str) -> list[str]:
    """Rename ``dvc/exp/<old>`` to ``dvc/exp/<new>`` in each database where it
    holds a commit experiment ``exp_rev`` records; an error line per database
    where that failed."""
    recorded: dict[str, set[str]] = defaultdict(set)
    # Any role: earlier dvc-dolt releases branched the databases experiments read too.
    for use in records(repo, exp_rev):
        recorded[use.path].add(use.commit)
    failed = []
    for rel_path, commits in sorted(recorded.items()):
        db = workspace_database(repo, rel_path)
        if not db.exists:
            continue
        try:
            with database_lock(repo, rel_path), dvc_errors(f"Dolt database '{rel_path}': "):
                moved = _move_branch(db, experiment_branch(old), experiment_branch(new), commits)
        except DvcDoltError as exc:
            failed.append(
                f"{exc}: branch '{experiment_branch(old)}' was not renamed to "
                f"'{experiment_branch(new)}'"
            )
            continue
        if moved:
            logger.info(
                "Dolt database '%s': branch '%s' renamed to '%s'",
                rel_path,
                experiment_branch(old),
                experiment_branch(new),
            )
    return failed


def _move_branch(db: Database, old: str, new: str, commits: Collection[str]) -> bool:
    heads = db.branch_heads(EXP_BRANCH_PREFIX)
    head = heads.get(old)
    if head is None or head not in commits:
        return False  # absent, or another experiment of that name (other baseline) holds it
    if new not in heads:
        db.rename_branch(old, new)
        return True
    # A branch of the new name (`exp rename -f`): the commit it leaves stays reachable.
    db.set_branch(new, head)
    others = [b for b in heads if b != old and b.startswith(old)]
    db.prune_branches([old], [head], protected=others)
    return True
