"""``dvc exp remove``: the ``dvc/exp/<name>`` branches of the names it removed go.

A branch that alone reaches a commit something still records becomes
``dvc/kept/<hash>`` instead (the rule of ``dvc dolt prune``).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING, Any

from dvc_dolt.dolt import Database
from dvc_dolt.dolt.database import kept_branch
from dvc_dolt.dvc.errors import DvcDoltError, dvc_errors
from dvc_dolt.dvc.experiments.lock import database_lock
from dvc_dolt.dvc.experiments.refs import experiment_refs
from dvc_dolt.dvc.layout import EXP_BRANCH_PREFIX, experiment_branch
from dvc_dolt.dvc.project.records import recorded_commits
from dvc_dolt.dvc.project.staging import workspace_database
from dvc_dolt.dvc.project.tracked import database_paths

if TYPE_CHECKING:
    from dvc.repo import Repo

logger = logging.getLogger(__name__)


def remove_with(dvc_remove, repo: Repo, *args: Any, **kwargs: Any) -> list[str]:
    """DVC's ``exp remove``; then the ``dvc/exp/<name>`` branches of the names
    no experiment has any more.

    Names, not refs: an experiment of the same name on another baseline
    keeps the branch, as with ``dvc dolt prune``.
    """
    before = experiment_refs(repo)
    removed = dvc_remove(repo, *args, **kwargs)
    after = experiment_refs(repo)
    names = {ref.name for ref, _ in before.values()} - {ref.name for ref, _ in after.values()}
    if names:
        revs = [rev for key, (_, rev) in before.items() if key not in after]
        drop_experiment_branches(repo, names, _databases_at(repo, revs))
    return removed


def _databases_at(repo: Repo, revs: list[str]) -> set[str]:
    """The databases (by path) that the workspace or git commits ``revs`` use."""
    from dvc.exceptions import DvcException

    paths: set[str] = set()
    for _ in repo.brancher(revs=revs, workspace=True):
        try:
            paths.update(database_paths(repo))
        except DvcException:  # a revision whose pipeline does not load
            continue
    return paths


def drop_experiment_branches(repo: Repo, names: Iterable[str], paths: Iterable[str]) -> None:
    """Delete ``dvc/exp/<name>`` for each of ``names`` in the databases at ``paths``.

    A branch that alone reaches a commit the workspace, a git commit or an
    experiment records is renamed ``dvc/kept/<hash>``; the checked-out one
    stays. Every database is tried; one error lists those that failed.
    """
    wanted = {experiment_branch(name) for name in names}
    found, failed = _with_branches(repo, wanted, sorted(paths))
    # Only now walk every revision, as prune does: most removals have no branch.
    needed = set().union(*recorded_commits(repo).values()) if found else set()
    for rel_path, (db, heads) in found.items():
        try:
            with database_lock(repo, rel_path), dvc_errors(f"Dolt database '{rel_path}': "):
                _drop(db, rel_path, wanted, heads, needed)
        except DvcDoltError as exc:
            failed.append(str(exc))
    if failed:
        raise DvcDoltError(
            "the experiments are removed, but not all their Dolt branches "
            "(`dvc dolt prune` deletes them later):\n" + "\n".join(failed)
        )


Found = dict[str, tuple[Database, dict[str, str]]]


def _with_branches(repo: Repo, wanted: set[str], paths: list[str]) -> tuple[Found, list[str]]:
    """The databases that hold any of the ``wanted`` branches, with the head of
    each of their ``dvc/exp/*`` branches; an error line per database not read."""
    from dvc_dolt.dvc.parallel import in_parallel

    def look(rel_path: str) -> tuple[Database, dict[str, str], str | None]:
        db = workspace_database(repo, rel_path)
        if not db.exists:
            return db, {}, None
        try:
            with dvc_errors(f"Dolt database '{rel_path}': "):
                return db, db.branch_heads(EXP_BRANCH_PREFIX), None
        except DvcDoltError as exc:
            return db, {}, str(exc)

    found: Found = {}
    failed = []
    for rel_path, (db, heads, error) in zip(paths, in_parallel(look, paths)):
        if error:
            failed.append(error)
        elif wanted & set(heads):
            found[rel_path] = (db, heads)
    return found, failed


def _drop(
    db: Database, rel_path: str, wanted: set[str], heads: dict[str, str], needed: Collection[str]
) -> None:
    present = sorted(wanted & set(heads))
    # Branches that only share a prefix with one of them (dvc/exp/a, dvc/exp/ab).
    others = [b for b in heads if b not in wanted and b.startswith(tuple(present))]
    deleted = db.prune_branches(present, needed, protected=others)
    for branch in deleted:
        logger.info("Deleted branch '%s' of Dolt database '%s'", branch, rel_path)
    left = [b for b in present if b not in deleted]
    if not left:
        return
    active = db.heads().branch
    for branch in left:
        if branch == active:
            logger.warning(
                "Dolt database '%s' has branch '%s' checked out: it stays", rel_path, branch
            )
            continue
        kept = kept_branch(heads[branch])
        db.rename_branch(branch, kept)
        logger.info(
            "Branch '%s' of Dolt database '%s' is now '%s': its commit is still recorded",
            branch,
            rel_path,
            kept,
        )
