"""TODO docstring (from auto_gc)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from dvc_dolt.dolt.runner import fastest_run
from dvc_dolt.dvc.errors import DvcDoltError
from dvc_dolt.dvc.items.hints import ENV_COMPACT, _inside, _pending, size_text
from dvc_dolt.dvc.maintenance.gc import compact_one

if TYPE_CHECKING:
    from dvc.repo import Repo

    from dvc_dolt.dvc.items.hints import Pending

logger = logging.getLogger(__name__)


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
