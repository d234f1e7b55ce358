"""At each save, whether a database's chunk journal costs every dolt command on it.

Every dolt process loads its database's chunk journal first (see
:mod:`dvc_dolt.dolt.journal`); after ``dolt table import`` of a million rows
that costs several times what a command on a compacted database does. The
decision comes from what the dolt processes on it cost, measured as they
ran. Inside ``dvc add``/``dvc commit`` a slow database is marked, and
:mod:`dvc_dolt.dvc.maintenance.auto_gc` compacts it at the end; elsewhere
(``dvc repro``, ``dvc exp run``, whose stages may still write) it is said once.

``DVC_DOLT_COMPACT``: ``auto`` (the default), ``off`` (never; a hint names
``dvc dolt gc`` instead), ``always`` (whenever the journal holds anything).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple, Optional

from dvc_dolt.dolt import Database
from dvc_dolt.dolt.journal import journal_bytes
from dvc_dolt.dolt.runner import fastest_run

logger = logging.getLogger(__name__)


ENV_COMPACT = "DVC_DOLT_COMPACT"


MODES = ("auto", "off", "always")


# A dolt process on a compacted database is quick (README, "Performance");
# one that takes 0.3 s or more spends most of it loading the journal.
SLOW_SECONDS = 0.3


# Below this a journal costs little whatever it holds, and a test database's
# journal never reaches it (a compaction would create dvc/kept branches).
MIN_JOURNAL = 16 * 2**20


class Pending(NamedTuple):
    item: Any
    journal: int
    seconds: Optional[float]


# Databases to compact when the add or commit has recorded them, by path.
_pending: dict[str, Pending] = {}


_said: set[str] = set()


_inside = False


@contextmanager
def marking() -> Iterator[Optional[dict[str, Pending]]]:
    """While ``dvc add``/``dvc commit`` runs, :func:`consider` marks slow
    databases here instead of saying so; yields the marks by path (None when
    another add or commit of this process is marking already)."""
    global _inside
    if _inside:
        yield None
        return
    _inside = True
    try:
        yield _pending
    finally:
        # A failed add compacts nothing, now or at the next add in this process.
        _inside = False
        _pending.clear()


def mode() -> str:
    value = os.environ.get(ENV_COMPACT, "").strip().lower() or "auto"
    if value not in MODES:
        logger.debug("%s=%r is not one of %s: using 'auto'", ENV_COMPACT, value, ", ".join(MODES))
        return "auto"
    return value


def open_seconds(item: Any) -> Optional[float]:
    """What the quickest dolt process on the item's database took: in this
    command, or as filed with its heads (the files have not changed since)."""
    from dvc_dolt.dvc.items.heads import heads_cache

    seconds = fastest_run(item.fs_path)
    if seconds is None:
        cache = heads_cache(item)
        seconds = cache.opened(Database(item.fs_path)) if cache else None
    return seconds


def consider(item: Any) -> None:
    """At a save: mark the item's database for compaction if its journal costs
    every dolt command (inside add/commit), else say that it does, once."""
    path = os.path.abspath(item.fs_path)
    how = mode()
    journal = journal_bytes(path)
    if not journal or path in _pending or path in _said:
        return
    seconds = open_seconds(item)
    if how != "always":
        slow = seconds is not None and seconds >= SLOW_SECONDS and journal >= MIN_JOURNAL
        logger.debug(
            "Dolt database '%s': %s of journal, quickest dolt process %s: %s",
            item,
            size_text(journal),
            "unknown" if seconds is None else f"{seconds:.2f}s",
            "slow" if slow else "fine",
        )
        if not slow:
            return
    if how != "off" and _inside:
        _pending[path] = Pending(item, journal, seconds)
        return
    _said.add(path)
    logger.info(
        "Dolt database '%s' keeps %s in its chunk journal, which every dolt command on it"
        " loads%s; `dvc dolt gc %s` compacts it.",
        item,
        size_text(journal),
        "" if seconds is None else f" (a dolt command on it takes {seconds:.1f} s)",
        item,
    )


def size_text(count: Optional[int]) -> str:
    if count is None:
        return "an unknown amount"
    if count >= 10**9:
        return f"{count / 10**9:.1f} GB"
    return f"{count / 10**6:.0f} MB" if count >= 10**6 else f"{count / 10**3:.0f} kB"
