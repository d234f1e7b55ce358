"""``dvc add`` and ``dvc commit`` compact a chunk journal that every dolt command pays for.

Every dolt process loads its database's chunk journal first (see
:mod:`dvc_dolt.dolt.journal`); after ``dolt table import`` of a million rows
that is ~0.5 s per process, against ~0.1 s once ``dolt gc`` has moved the
data into table files. Like git's ``gc --auto`` after a commit, the command
that records such a database ends by compacting it, once: the decision comes
from what the dolt processes on it cost, measured as they ran. ``dvc repro``
and ``dvc exp run`` only say so, as they run while stages write.

``DVC_DOLT_COMPACT``: ``auto`` (the default), ``off`` (never; a hint names
``dvc dolt gc`` instead), ``always`` (whenever the journal holds anything).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NamedTuple, Optional

from dvc_dolt.dolt import Database
from dvc_dolt.dolt.journal import journal_bytes
from dvc_dolt.dolt.runner import fastest_run

from .compact import compact_one, size_text
from .errors import DvcDoltError

if TYPE_CHECKING:
    from dvc.repo import Repo

logger = logging.getLogger("dvc").getChild("dolt")

ENV_COMPACT = "DVC_DOLT_COMPACT"
MODES = ("auto", "off", "always")
# A dolt process on a compacted database takes ~0.1 s (2 cores); one that
# takes 0.3 s or more spends most of it loading the journal.
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


def mode() -> str:
    value = os.environ.get(ENV_COMPACT, "").strip().lower() or "auto"
    if value not in MODES:
        logger.debug("%s=%r is not one of %s: using 'auto'", ENV_COMPACT, value, ", ".join(MODES))
        return "auto"
    return value


def open_seconds(item: Any) -> Optional[float]:
    """What the quickest dolt process on the item's database took: in this
    command, or as filed with its heads (the files have not changed since)."""
    from .output import heads_cache

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


@contextmanager
def compacting(repo: Repo) -> Iterator[None]:
    """Around ``dvc add``/``dvc commit``: afterwards, compact what :func:`consider`
    marked. A database that cannot be compacted now is left as it is, with a
    warning: the command itself has succeeded."""
    global _inside
    if _inside:
        yield
        return
    _inside = True
    try:
        yield
        todo = list(_pending.values())
    finally:
        # A failed add compacts nothing, now or at the next add in this process.
        _inside = False
        _pending.clear()
    for pending in todo:
        _compact(repo, pending)


def _compact(repo: Repo, pending: Pending) -> None:
    shown = str(pending.item)
    took = "" if pending.seconds is None else f" (each took {pending.seconds:.1f} s)"
    logger.info(
        "Compacting Dolt database '%s': every dolt command on it loads %s of chunk journal%s."
        " %s=off turns this off.",
        shown,
        size_text(pending.journal),
        took,
        ENV_COMPACT,
    )
    try:
        done = compact_one(repo, pending.item)
    except DvcDoltError as exc:
        logger.warning("Dolt database '%s' was not compacted: %s", shown, exc)
        return
    for line in done.kept_lines(dry_run=False):
        logger.info("%s", line)
    now = fastest_run(pending.item.fs_path)
    logger.info(
        "Compacted Dolt database '%s' in %.1f s%s.",
        shown,
        done.seconds or 0.0,
        "" if now is None else f"; a dolt command on it now takes {now:.1f} s",
    )
