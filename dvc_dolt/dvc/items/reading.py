"""Read-only commands keep working without a usable dolt.

``dvc status``, ``data status`` and ``diff`` show files as usual and each
database as not readable (``unknown``), with one warning that says what to
install: an editor that runs ``data status`` on every change would otherwise
show one error instead of the whole project. Commands that change a database
stop with the one clear error, as before.

Their reads also run lock-free (:mod:`dvc_dolt.dolt.readonly`): an editor runs
them whenever files change, which is right after each of a user's dolt
commands, and must never make the next one fail.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from dvc_dolt.dolt import DoltError, DoltNotFoundError, DoltVersionError
from dvc_dolt.dolt.readonly import lock_free
from dvc_dolt.dvc.errors import DvcDoltError
from dvc_dolt.dvc.items.base import ItemBase

logger = logging.getLogger(__name__)


UNKNOWN = "unknown"


# Set while a read-only command runs (one command per process; threads see it too).
_read_only = 0


_warned = False


class UnreadableDatabase(DvcDoltError):
    """A database that no usable dolt can read, met by a read-only command."""


@contextmanager
def read_only() -> Iterator[None]:
    """Around a command that only reads: unreadable databases are rel_path as such,
    and reads never hold the lock a user's next dolt command needs."""
    global _read_only
    _read_only += 1
    try:
        with lock_free():
            yield
    finally:
        _read_only -= 1


def _unreadable(rel_path: str, exc: DoltError) -> DvcDoltError:
    global _warned
    if not _read_only:
        return DvcDoltError(f"Dolt database '{rel_path}': {exc}", exc)
    if not _warned:
        _warned = True
        logger.warning("Dolt databases cannot be read, so their state is %s: %s", UNKNOWN, exc)
    return UnreadableDatabase(f"Dolt database '{rel_path}' is not readable: {exc}", exc)


@contextmanager
def reading(rel_path: str) -> Iterator[None]:
    """Dolt-layer errors of reading database ``rel_path`` as :class:`DvcDoltError`;
    a missing or too old dolt, in a read-only command, as :class:`UnreadableDatabase`."""
    try:
        yield
    except (DoltNotFoundError, DoltVersionError) as exc:
        raise _unreadable(rel_path, exc) from None
    except DoltError as exc:
        raise DvcDoltError(f"Dolt database '{rel_path}': {exc}", exc) from None


class UnknownWhenUnreadable(ItemBase):
    """An output or dependency whose status is ``unknown`` while dolt cannot read it."""

    def status(self) -> dict[str, str]:
        try:
            return super().status()
        except UnreadableDatabase:
            return {str(self): UNKNOWN}
