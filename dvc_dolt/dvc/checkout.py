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

from dvc_dolt.dolt import DirtyDatabaseError, Heads, UnknownCommitError
from dvc_dolt.dolt.database import Database, RestorePlan, RestoreResult
from dvc_dolt.dolt.state import HeadsCache

from . import storage_guard
from .errors import USE_FORCE, DvcDoltError, dvc_errors
from .output import DoltMixin, heads_cache, read_heads
from .parallel import in_parallel

if TYPE_CHECKING:
    from dvc.repo import Repo

logger = logging.getLogger("dvc").getChild("dolt")

PULL_HINT = "Dolt databases and commits that are missing here are brought by `dvc pull`."
REFUSED = (
    "Can't restore without confirmation: `--force` discards the uncommitted changes "
    "(commits are kept on branches)."
)


def refused(reasons: list[str]) -> str:
    """The refusal of a restore that would discard uncommitted work."""
    return "\n".join([REFUSED, *reasons, USE_FORCE])


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


@dataclass
class Look:
    """A database output as checkout found it before DVC's own checkout ran."""

    item: DoltMixin
    existed: bool
    # How to move it: ``plan`` from dolt, or ``known`` clean heads from the
    # heads cache (moved in one dolt process). Both None: nothing to do.
    plan: Optional[RestorePlan] = None
    known: Optional[Heads] = None

    @property
    def needed(self) -> bool:
        return not self.existed or self.plan is not None or self.known is not None


def look_at(item: DoltMixin) -> Look:
    """How to bring ``item`` to its recorded heads; no dolt process when the
    heads cache knows the database."""
    recorded = item.recorded_heads
    db = item.database
    if recorded is None or not db.exists:
        return Look(item, db.exists)
    cache = heads_cache(item)  # type: ignore[arg-type]
    known, trusted = cache.filed(db) if cache else (None, False)
    if known == recorded:
        if trusted:
            return Look(item, True)
        # What the last restore left is no proof the database is still there.
        known = None
    if known is not None and known.head_root is not None and known.is_clean:
        return Look(item, True, known=known)
    key = cache.key(db) if cache else None
    with dvc_errors(f"Dolt database '{item}': "):
        plan = db.plan_restore(recorded.commit)
    if cache:
        cache.remember(db, key, plan.before, list(plan.reasons))
    return Look(item, True, plan if plan.needed else None)


def after_restore(
    cache: Optional[HeadsCache], db: Database, shown: object, result: RestoreResult
) -> None:
    """File the heads a restore left (only as a hint) and say where the commit
    it left is kept, if it kept one.

    On stdout, beside DVC's own summary of what checkout changed: a client that
    drops stderr when a command succeeds (the DVC extension for VS Code) still
    shows it, and nothing went wrong.
    """
    from dvc.ui import ui

    if cache and result.changed:
        cache.file_hint(db, result.after)
    if result.kept:
        ui.write(
            f"Dolt database '{shown}': commit {result.before.commit} (the HEAD of branch "
            f"'{result.before.branch}') is kept on branch '{result.kept}'"
        )


def restore_item(
    item: DoltMixin,
    force: bool = False,
    plan: Optional[RestorePlan] = None,
    known: Optional[Heads] = None,
) -> bool:
    """Bring one Dolt output to its recorded heads; True when it changed.

    Raises DvcDoltError when the database is dirty (unless ``force``),
    missing, lacks the recorded commit, or changed since ``plan`` looked.
    """
    recorded = item.recorded_heads
    if recorded is None:
        return False
    db = item.database
    if not db.exists:
        raise DvcDoltError(f"Dolt database '{item}' does not exist")
    if plan is None and known is None and read_heads(item) == recorded:  # type: ignore[arg-type]
        return False
    with dvc_errors(f"Dolt database '{item}': "):
        result = db.restore_known(recorded.commit, known) if known is not None else None
        if result is None:
            # Not as the cache knew it (a write meanwhile): look, then move.
            result = db.restore(recorded.commit, force=force, plan=plan)
    after_restore(heads_cache(item), db, item, result)  # type: ignore[arg-type]
    if result.after != recorded:
        # The recorded heads were of a clean database, so a clean restore of
        # the commit reproduces them; anything else means a hand-edited record.
        logger.warning(
            "Dolt database '%s' is at commit %s, but its recorded roots differ: "
            "run `dvc status` to see it",
            item,
            recorded.commit,
        )
    return result.changed


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
            from .sync import place_fetched

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
