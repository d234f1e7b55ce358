"""TODO docstring (from checkout)."""

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
from dvc_dolt.dvc.items.restore import REFUSED, look_at, refused, restore_item
from dvc_dolt.dvc.parallel import in_parallel

if TYPE_CHECKING:
    from dvc.repo import Repo

    from dvc_dolt.dvc.items.restore import Look

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


def look_dolt(
    repo: Repo,
    targets: Any = None,
    with_deps: bool = False,
    recursive: bool = False,
    force: bool = False,
) -> list[Look]:
    """Look at each database checkout would restore: one dolt process for each that
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
    looks = in_parallel(look_at, [out for out in view.outs if isinstance(out, DoltMixin)])
    dirty = []
    for look in looks:
        out = look.item
        if look.plan is not None and look.plan.reasons and not force:
            dirty.append(
                f"Dolt database '{out}' has uncommitted work: " + "; ".join(look.plan.reasons)
            )
    if dirty:
        raise DvcDoltError(refused(dirty))
    return looks


def restore_looked(repo: Repo, looks: list[Look], force: bool = False) -> DoltCheckout:
    """Restore the databases :func:`look_dolt` found, each only if it is still as seen."""

    def restore(look: Look) -> tuple[bool, bool, Optional[DvcDoltError]]:
        out, placed = look.item, False
        if not out.database.exists:
            from dvc_dolt.dvc.project.staging import place_fetched

            placed = place_fetched(repo, out.fs_path, "/".join(out.index_key[1]))
        try:
            return placed, restore_item(out, force=force, plan=look.plan, known=look.known), None
        except DvcDoltError as exc:
            return placed, False, exc

    outcome = DoltCheckout()
    todo = [look for look in looks if look.needed]
    for look, (placed, changed, exc) in zip(todo, in_parallel(restore, todo)):
        shown = str(look.item)
        if exc is not None:
            cause = exc.dolt_error
            if isinstance(cause, UnknownCommitError) or not look.item.database.exists:
                outcome.failed.append(shown)
                outcome.failed_reasons.append(str(exc))
            else:
                if isinstance(cause, DirtyDatabaseError):
                    exc = DvcDoltError(f"{REFUSED}\n{exc}", cause)
                    outcome.forceable = True
                outcome.errors.append(shown)
                outcome.error_reasons.append(str(exc))
        elif placed or changed:
            changes = outcome.added if placed else outcome.modified
            changes.append(shown.rstrip(os.sep) + os.sep)
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
    """Look at the databases, run DVC's checkout, then move the databases;
    reported in DVC's result format."""
    looks = look_dolt(repo, targets, with_deps, recursive, force)
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
    outcome = restore_looked(repo, looks, force)
    merge_into(result, outcome)
    raise_for(outcome, result, error, allow_missing)
    return result
