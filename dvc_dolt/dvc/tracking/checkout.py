"""``dvc checkout`` for Dolt databases: restore each recorded commit, safely.

DVC's checkout works on its data index, which skips uncached outputs. All or
nothing: the databases are looked at first, and a dirty one stops the command
before DVC changes any file; DVC's checkout runs next, then the databases
move, each only if it is still as it was looked at.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

from dvc.exceptions import CheckoutError, NoOutputOrStageError
from dvc.stage.exceptions import StageFileBadNameError, StageFileDoesNotExistError

from dvc_dolt.dolt import DirtyDatabaseError, UnknownCommitError
from dvc_dolt.dvc.errors import USE_FORCE, DvcDoltError
from dvc_dolt.dvc.items import storage as storage_guard
from dvc_dolt.dvc.items.database import DoltMixin
from dvc_dolt.dvc.items.describe import rel_path_of
from dvc_dolt.dvc.items.restore import REFUSED, plan_item, refused, restore_item
from dvc_dolt.dvc.parallel import in_parallel

if TYPE_CHECKING:
    from dvc.repo import Repo

    from dvc_dolt.dvc.items.restore import PlannedRestore

logger = logging.getLogger(__name__)


PULL_HINT = "Dolt databases and commits that are missing here are brought by `dvc pull`."


class DoltCheckoutError(CheckoutError):
    """Some targets could not be checked out; says why, and what to run."""

    def __init__(
        self,
        failed: list[str],
        result: dict,
        reasons: list[str],
        missing: bool = True,
        forceable: bool = False,
    ) -> None:
        super().__init__(failed, result)
        lines = [*reasons, PULL_HINT] if missing else list(reasons)
        if forceable:
            lines.append(USE_FORCE)
        self.args = (f"{self.args[0]}\n" + "\n".join(lines),)


@dataclass
class DoltCheckout:
    modified: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    # Databases or commits that are not here (what `dvc pull` brings).
    failed: list[str] = field(default_factory=list)
    failed_reasons: list[str] = field(default_factory=list)
    # Databases that could not be restored for another reason.
    errors: list[str] = field(default_factory=list)
    error_reasons: list[str] = field(default_factory=list)
    # Some error would not have stopped a `--force` run.
    forceable: bool = False


def plan_restores(
    repo: Repo,
    targets: Any = None,
    with_deps: bool = False,
    recursive: bool = False,
    force: bool = False,
) -> list[PlannedRestore]:
    """PlannedRestore at each database checkout would restore: one dolt process for each that
    moves. Raises before anything changed when one is dirty (unless ``force``)."""
    if not targets:
        targets = [None]
    elif isinstance(targets, str):
        targets = [targets]
    storage_guard.check_targets(repo, targets, "checkout")
    try:
        view = repo.index.targets_view(targets, recursive=recursive, with_deps=with_deps)
    except (NoOutputOrStageError, StageFileDoesNotExistError, StageFileBadNameError):
        # DVC's checkout says it better (it suggests `git checkout`).
        return []
    for record in storage_guard.storage_records(view.outs):
        logger.warning("not checked out: %s", record.refused())
    steps = in_parallel(plan_item, [out for out in view.outs if isinstance(out, DoltMixin)])
    dirty = []
    for step in steps:
        out = step.item
        if step.plan is not None and step.plan.reasons and not force:
            dirty.append(
                f"Dolt database '{out}' has uncommitted work: " + "; ".join(step.plan.reasons)
            )
    if dirty:
        raise DvcDoltError(refused(dirty))
    return steps


def restore_planned(repo: Repo, steps: list[PlannedRestore], force: bool = False) -> DoltCheckout:
    """Restore the databases :func:`plan_restores` found, each only if it is still as seen."""

    def restore(step: PlannedRestore) -> tuple[bool, bool, Optional[DvcDoltError]]:
        out, placed = step.item, False
        if not out.database.exists:
            from dvc_dolt.dvc.project.staging import place_fetched

            placed = place_fetched(repo, out.fs_path, rel_path_of(out))
        try:
            return placed, restore_item(out, force=force, plan=step.plan, known=step.known), None
        except DvcDoltError as exc:
            return placed, False, exc

    outcome = DoltCheckout()
    todo = [step for step in steps if step.needed]
    for step, (placed, changed, exc) in zip(todo, in_parallel(restore, todo)):
        rel_path = str(step.item)
        if exc is not None:
            cause = exc.dolt_error
            if isinstance(cause, UnknownCommitError) or not step.item.database.exists:
                outcome.failed.append(rel_path)
                outcome.failed_reasons.append(str(exc))
            else:
                if isinstance(cause, DirtyDatabaseError):
                    exc = DvcDoltError(f"{REFUSED}\n{exc}", cause)
                    outcome.forceable = True
                outcome.errors.append(rel_path)
                outcome.error_reasons.append(str(exc))
        elif placed or changed:
            changes = outcome.added if placed else outcome.modified
            changes.append(rel_path.rstrip(os.sep) + os.sep)
    return outcome


def merge_into(result: dict, outcome: DoltCheckout) -> dict:
    """Add Dolt changes to DVC's checkout result, in its format."""
    # Newer DVC releases add per-kind counts under "stats"; 3.50 counts the lists.
    stats = result.get("stats")
    for kind, paths in (("modified", outcome.modified), ("added", outcome.added)):
        result.setdefault(kind, []).extend(paths)
        result[kind].sort(key=lambda p: (not p.endswith(os.sep), p))
        if isinstance(stats, dict):
            stats[kind] = stats.get(kind, 0) + len(paths)
    return result


def raise_for(
    outcome: DoltCheckout,
    result: dict,
    dvc_error: Optional[CheckoutError],
    allow_missing: bool = False,
) -> None:
    """One CheckoutError naming every target that failed, DVC's and the databases'."""
    missing = [] if allow_missing else outcome.failed
    if missing or outcome.errors:
        failed = list(dvc_error.target_infos if dvc_error else []) + missing + outcome.errors
        reasons = (outcome.failed_reasons if missing else []) + outcome.error_reasons
        result["failed"] = failed
        raise DoltCheckoutError(
            failed, result, reasons, missing=bool(missing), forceable=outcome.forceable
        )
    if dvc_error:
        raise dvc_error


def checkout_with(
    dvc_checkout,
    repo: Repo,
    targets: Any = None,
    with_deps: bool = False,
    force: bool = False,
    relink: bool = False,
    recursive: bool = False,
    allow_missing: bool = False,
    **kwargs: Any,
) -> dict:
    """PlannedRestore at the databases, run DVC's checkout, then move the databases;
    reported in DVC's result format."""
    steps = plan_restores(repo, targets, with_deps, recursive, force)
    error = None
    try:
        result = dvc_checkout(
            repo,
            targets=targets,
            with_deps=with_deps,
            force=force,
            relink=relink,
            recursive=recursive,
            allow_missing=allow_missing,
            **kwargs,
        )
    except CheckoutError as exc:
        # DVC 3.50 calls it `stats`.
        error, result = exc, getattr(exc, "result", None) or getattr(exc, "stats", {})
    outcome = restore_planned(repo, steps, force)
    merge_into(result, outcome)
    raise_for(outcome, result, error, allow_missing)
    return result
