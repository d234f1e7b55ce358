"""``dvc checkout`` for Dolt databases: restore each recorded commit, safely.

DVC's checkout works on its data index, which skips uncached outputs; this
runs after it, on the Dolt outputs of the same targets.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

from dvc.exceptions import CheckoutError

from dvc_dolt.dolt import DirtyDatabaseError, UnknownCommitError

from .errors import DvcDoltError, dvc_errors
from .output import DoltMixin, read_heads

if TYPE_CHECKING:
    from dvc.repo import Repo

logger = logging.getLogger("dvc").getChild("dolt")

PULL_HINT = "Dolt databases and commits that are missing here are brought by `dvc pull`."


class DoltCheckoutError(CheckoutError):
    """Some databases could not be restored; says what to run."""

    def __init__(self, failed: list[str], result: dict, reasons: list[str]) -> None:
        super().__init__(failed, result)
        lines = [*reasons, PULL_HINT] if reasons else [PULL_HINT]
        self.args = (f"{self.args[0]}\n" + "\n".join(lines),)


@dataclass
class DoltCheckout:
    modified: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    failed_reasons: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def restore_item(item: DoltMixin, force: bool = False) -> bool:
    """Bring one Dolt output to its recorded heads; True when it changed.

    Raises DvcDoltError when the database is dirty (unless ``force``),
    missing, or lacks the recorded commit.
    """
    recorded = item.recorded_heads
    if recorded is None:
        return False
    db = item.database
    if not db.exists:
        raise DvcDoltError(f"Dolt database '{item}' does not exist")
    if read_heads(item) == recorded:  # type: ignore[arg-type]
        return False
    with dvc_errors(f"Dolt database '{item}': "):
        result = db.restore(recorded.commit, force=force)
    if result.kept:
        logger.warning(
            "Dolt database '%s': commit %s (the HEAD of branch '%s') is kept on branch '%s'",
            item,
            result.before.commit,
            result.before.branch,
            result.kept,
        )
    if result.after != recorded:
        # The recorded heads were of a clean database, so a clean restore of
        # the commit reproduces them; anything else means a hand-edited record.
        logger.warning(
            "Dolt database '%s' is at commit %s, but its recorded roots differ: "
            "run `dvc status` to see it",
            item,
            recorded.commit,
        )
    return True


def checkout_dolt(
    repo: Repo,
    targets: Any = None,
    with_deps: bool = False,
    recursive: bool = False,
    force: bool = False,
) -> DoltCheckout:
    if not targets:
        targets = [None]
    elif isinstance(targets, str):
        targets = [targets]
    view = repo.index.targets_view(targets, recursive=recursive, with_deps=with_deps)
    outcome = DoltCheckout()
    for out in view.outs:
        if not isinstance(out, DoltMixin):
            continue
        shown = str(out)
        placed = False
        if not out.database.exists:
            from .sync import place_fetched

            placed = place_fetched(repo, out.fs_path, "/".join(out.index_key[1]))
        try:
            changed = restore_item(out, force=force)
            if placed or changed:
                changes = outcome.added if placed else outcome.modified
                changes.append(shown.rstrip(os.sep) + os.sep)
        except DvcDoltError as exc:
            cause = exc.dolt_error
            if isinstance(cause, DirtyDatabaseError):
                outcome.refused.append(
                    f"Dolt database '{shown}' has uncommitted work: " + "; ".join(cause.reasons)
                )
            elif isinstance(cause, UnknownCommitError) or not out.database.exists:
                outcome.failed.append(shown)
                outcome.failed_reasons.append(str(exc))
            else:
                raise
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
    if outcome.refused:
        raise DvcDoltError(
            "Can't restore without confirmation. Use `--force` to discard the changes "
            "(commits are kept on branches).\n" + "\n".join(outcome.refused)
        )
    failed = list(dvc_error.target_infos if dvc_error else []) + outcome.failed
    if outcome.failed and not allow_missing:
        result["failed"] = failed
        raise DoltCheckoutError(failed, result, outcome.failed_reasons)
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
    """DVC's checkout, then the databases', reported in DVC's result format."""
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
    outcome = checkout_dolt(repo, targets, with_deps, recursive, force)
    merge_into(result, outcome)
    raise_for(outcome, result, error, allow_missing)
    return result
