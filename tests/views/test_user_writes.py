"""An editor runs `dvc data status` whenever files change, which is right after each of
a user's dolt commands: it must never make the next one fail. Real dvc and dolt.

Dolt's CLI holds `.dolt/noms/LOCK` while a process has the database open, and a
process that cannot get it within 100 ms opens the database read-only: its writes
fail. The read-only commands' reads run in read-only views that never take it."""

from __future__ import annotations

import threading
import time

import pytest
from helpers import DVC, dvc, lock_held, track, user_round

pytest.importorskip("fcntl", reason="dolt locks with flock only on POSIX")
pytestmark = pytest.mark.timeout(600)

RUNS = 6
ROUNDS = 8
# A bound on waiting, not a figure under test.
SETTLE = 120.0
STATUS = ["data", "status", "--granular", "--unchanged", "--json"]


@pytest.fixture
def tracked(dvc_repo, make_db):
    db = track(dvc_repo, make_db, "labels", git_message="labels")
    return dvc_repo, db


class Watcher:
    """`dvc data status`, over and over in a thread, as the editor runs it."""

    def __init__(self, repo, env: dict | None = None) -> None:
        self.repo, self.env = repo, env
        self.runs, self.errors = 0, []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self.stop.is_set():
            proc = dvc(self.repo, *STATUS, ok=None, env=self.env)
            if proc.returncode:
                self.errors.append(proc.stderr)
            self.runs += 1

    def __enter__(self) -> Watcher:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(SETTLE)


def test_data_status_never_holds_the_database_lock(tracked):
    repo, db = tracked
    held = 0
    # Without the heads cache every run asks dolt: a read that took the lock
    # would be seen here many times over.
    with Watcher(repo, env={"DVC_DOLT_HEADS_CACHE": "0"}) as watcher:
        deadline = time.monotonic() + SETTLE
        while watcher.runs < RUNS and not watcher.errors and time.monotonic() < deadline:
            held += lock_held(db)
            time.sleep(0.002)
    assert watcher.errors == []
    assert watcher.runs >= RUNS
    assert held == 0


def test_a_users_dolt_commands_never_fail_while_data_status_runs(tracked):
    repo, db = tracked
    failed = []
    with Watcher(repo) as watcher:
        for round_ in range(ROUNDS):
            failed += user_round(db, round_)
        runs = watcher.runs
    assert failed == []
    assert watcher.errors == []
    assert runs >= 1, f"{DVC} never ran while the user wrote"
    assert int(db.sql("select count(*) as n from dolt_log")[0][0]["n"]) == ROUNDS + 2
