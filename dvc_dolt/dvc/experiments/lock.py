"""One lock per workspace database among the processes that run experiments."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from dvc_dolt.dvc.errors import DvcDoltError
from dvc_dolt.dvc.layout import database_key

if TYPE_CHECKING:
    from dvc.repo import Repo


# Seconds a worker waits for another to release a database (each holds it for
# one or two local dolt processes).
LOCK_WAIT = 300.0


@contextmanager
def database_lock(repo: Repo, rel_path: str) -> Iterator[None]:
    """Hold database ``rel_path``'s lock among the processes that run experiments.

    Queue workers collect experiments in parallel: adding the exchange
    remote, fetching into the workspace database and moving its branches must
    not overlap. DVC's experiment lock names the database; a holder that died
    does not block (DVC checks its pid).
    """
    from dvc.lock import LockError
    from dvc.repo.experiments.utils import get_exp_rwlock

    name = f"dolt/{database_key(rel_path)}"
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        lock = get_exp_rwlock(repo, writes=[name])
        try:
            lock.__enter__()
        except LockError:
            if time.monotonic() > deadline:
                raise DvcDoltError(
                    f"Dolt database '{rel_path}' stayed locked by another experiment for "
                    f"{LOCK_WAIT:.0f} s"
                ) from None
            time.sleep(0.2)
            continue
        break
    try:
        yield
    finally:
        lock.__exit__(None, None, None)
