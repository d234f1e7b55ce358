"""Restoring one database item to its recorded commit, safely.

What to do is planned first (:func:`plan_item`: from the heads cache, else
one dolt process), and done later only if the database is still as planned;
uncommitted work is never discarded unless forced.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from dvc_dolt.dvc.errors import USE_FORCE, DvcDoltError, dvc_errors
from dvc_dolt.dvc.items.heads import heads_cache, read_heads

if TYPE_CHECKING:
    from dvc_dolt.dolt import Heads
    from dvc_dolt.dolt.database import Database, RestorePlan, RestoreResult
    from dvc_dolt.dolt.state import HeadsCache
    from dvc_dolt.dvc.items.database import DoltMixin

logger = logging.getLogger(__name__)


REFUSED = (
    "Can't restore without confirmation: `--force` discards the uncommitted changes "
    "(commits are kept on branches)."
)


def refused(reasons: list[str]) -> str:
    """The refusal of a restore that would discard uncommitted work."""
    return "\n".join([REFUSED, *reasons, USE_FORCE])


@dataclass
class PlannedRestore:
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


def plan_item(item: DoltMixin) -> PlannedRestore:
    """How to bring ``item`` to its recorded heads; no dolt process when the
    heads cache knows the database."""
    recorded = item.recorded_heads
    db = item.database
    if recorded is None or not db.exists:
        return PlannedRestore(item, db.exists)
    cache = heads_cache(item)
    known, trusted = cache.filed(db) if cache else (None, False)
    if known == recorded:
        if trusted:
            return PlannedRestore(item, True)
        # What the last restore left is no proof the database is still there.
        known = None
    if known is not None and known.head_root is not None and known.is_clean:
        return PlannedRestore(item, True, known=known)
    key = cache.key(db) if cache else None
    with dvc_errors(f"Dolt database '{item}': "):
        plan = db.plan_restore(recorded.commit)
    if cache:
        cache.remember(db, key, plan.before, list(plan.reasons))
    return PlannedRestore(item, True, plan if plan.needed else None)


def after_restore(
    cache: Optional[HeadsCache], db: Database, rel_path: object, result: RestoreResult
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
            f"Dolt database '{rel_path}': commit {result.before.commit} (the HEAD of branch "
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
    if plan is None and known is None and read_heads(item) == recorded:
        return False
    with dvc_errors(f"Dolt database '{item}': "):
        result = db.restore_known(recorded.commit, known) if known is not None else None
        if result is None:
            # Not as the cache knew it (a write meanwhile): step, then move.
            result = db.restore(recorded.commit, force=force, plan=plan)
    after_restore(heads_cache(item), db, item, result)
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
