"""``dvc add`` and ``dvc commit`` end by compacting what they marked.

Like git's ``gc --auto`` after a commit, the command that records a database
whose chunk journal makes every dolt command slow compacts it, once (see
:mod:`dvc_dolt.dvc.items.hints` for the decision).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from dvc_dolt.dolt.runner import fastest_run
from dvc_dolt.dvc.errors import DvcDoltError
from dvc_dolt.dvc.items.hints import ENV_COMPACT, marking, size_text
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
    with marking() as marked:
        yield
        todo = list(marked.values()) if marked else []
    for pending in todo:
        _compact(repo, pending)


def _compact(repo: Repo, pending: Pending) -> None:
    rel_path = str(pending.item)
    took = "" if pending.seconds is None else f" (each took {pending.seconds:.1f} s)"
    logger.info(
        "Compacting Dolt database '%s': every dolt command on it loads %s of chunk journal%s."
        " %s=off turns this off.",
        rel_path,
        size_text(pending.journal),
        took,
        ENV_COMPACT,
    )
    try:
        done = compact_one(repo, pending.item)
    except DvcDoltError as exc:
        logger.warning("Dolt database '%s' was not compacted: %s", rel_path, exc)
        return
    for line in done.kept_lines(dry_run=False):
        logger.info("%s", line)
    now = fastest_run(pending.item.fs_path)
    logger.info(
        "Compacted Dolt database '%s' in %.1f s%s.",
        rel_path,
        done.seconds or 0.0,
        "" if now is None else f"; a dolt command on it now takes {now:.1f} s",
    )
