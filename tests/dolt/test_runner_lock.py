"""dvc-dolt and a user's dolt commands on one database at the same time.

Dolt's CLI takes an exclusive lock on ``.dolt/noms/LOCK`` for as long as a
process has the database open; another process that cannot get it within
100 ms opens the database read-only and its writes fail. dvc-dolt's reads
run in a read-only view (``dvc_dolt.dolt.readonly``) and never take that
lock; its writes wait, briefly, for a user's dolt to let go.

Real dolt processes throughout: the user's commands, and a long query that
holds the database the way a user's running dolt does.
"""

from __future__ import annotations

import json
import logging
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from helpers import dolt, lock_held, two_commits, user_dolt, user_round

from dvc_dolt.dolt import Database, DoltCommandError, find_dolt, readonly, runner
from dvc_dolt.dolt.journal import gc
from dvc_dolt.dolt.runner import dolt_env

fcntl = pytest.importorskip("fcntl", reason="dolt locks with flock only on POSIX")

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(autouse=True)
def lock_free_reads() -> Iterator[None]:
    """As the read-only commands (status, data status, diff) run their reads."""
    with readonly.lock_free():
        yield


# Enough rounds for reads and writes to interleave many times, few enough to stay quick.
ROUNDS = 10
MAX_ROUNDS = 4 * ROUNDS
# A bound on waiting for another process to start, not a figure under test.
SETTLE = 60.0


@contextmanager
def reading(db: Database) -> Iterator[dict]:
    """dvc-dolt reading ``db`` over and over in a thread, until the block ends."""
    seen: dict = {"reads": 0, "errors": []}
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                heads, _, _ = db.inspect_tables()
                assert heads.commit
                # A CSV read streams through the same kind of view.
                with runner.stream(["sql", "-r", "csv", "-q", "select id from t"], db.path) as out:
                    assert out.read().startswith(b"id")
            except Exception as exc:  # reported by the test
                seen["errors"].append(str(exc))
            else:
                seen["reads"] += 1

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield seen
    finally:
        stop.set()
        thread.join(SETTLE)


def _reads_below(seen: dict, count: int, deadline: float) -> bool:
    return seen["reads"] < count and not seen["errors"] and time.monotonic() < deadline


@contextmanager
def held(db: Database, seconds: float) -> Iterator[subprocess.Popen]:
    """A user's dolt that holds ``db`` (a long query) for ``seconds``, or until killed."""
    proc = subprocess.Popen(
        [find_dolt().path, "sql", "-q", f"select sleep({seconds})"],
        cwd=db.path,
        env=dolt_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + SETTLE
        while not lock_held(db):
            assert proc.poll() is None, "the holding dolt ended before it took the lock"
            assert time.monotonic() < deadline, "the holding dolt never took the lock"
            time.sleep(0.005)
        yield proc
    finally:
        proc.kill()
        proc.wait()


def _traced(trace: Path) -> list[str]:
    """The subcommand of each dolt process dvc-dolt started, from $DVC_DOLT_TRACE."""
    if not trace.exists():
        return []
    return [json.loads(line)["argv"][1] for line in trace.read_text().splitlines()]


def test_a_read_never_holds_the_database_lock(make_db):
    db = make_db()
    deadline = time.monotonic() + SETTLE
    with reading(db) as seen:
        held_while_reading = 0
        while _reads_below(seen, ROUNDS, deadline):
            held_while_reading += lock_held(db)
            time.sleep(0.001)
    assert seen["errors"] == []
    assert seen["reads"] >= ROUNDS
    # Each read is a dolt process that has the database open for tens of ms:
    # one that took the lock would be seen here many times over.
    assert held_while_reading == 0


def test_user_writes_never_fail_while_dvc_dolt_reads(make_db):
    db = make_db()
    failed, rounds = [], 0
    with reading(db) as seen:
        deadline = time.monotonic() + SETTLE
        while _reads_below(seen, 1, deadline):
            time.sleep(0.01)
        first_read = seen["reads"]
        # At least ROUNDS rounds, and on until ROUNDS reads ran among them.
        while rounds < ROUNDS or (seen["reads"] - first_read < ROUNDS and rounds < MAX_ROUNDS):
            failed += user_round(db, rounds)
            rounds += 1
        reads = seen["reads"] - first_read
    assert failed == []
    assert seen["errors"] == []
    assert reads >= ROUNDS  # the reads really did run between the writes
    assert int(db.sql("select count(*) as n from dolt_log")[0][0]["n"]) == rounds + 2


class _Busy(logging.Handler):
    """Set when the runner says it found the database busy and will try again."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.seen = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if "the database is busy" in record.getMessage():
            self.seen.set()


@contextmanager
def busy_log() -> Iterator[threading.Event]:
    handler = _Busy()
    log = logging.getLogger(runner.__name__)
    level = log.level
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    try:
        yield handler.seen
    finally:
        log.removeHandler(handler)
        log.setLevel(level)


def _restore(db: Database, first: str) -> None:
    assert db.restore(first).after.commit == first


def _gc(db: Database, first: str) -> None:
    gc(db)


@pytest.mark.parametrize(
    ("write", "subcommand", "processes"),
    [(_restore, "sql", 3), (_gc, "gc", 2)],
    ids=["restore", "gc"],
)
def test_a_write_waits_for_a_busy_database(
    make_db, tmp_path, monkeypatch, write, subcommand, processes
):
    db, first, second = two_commits(make_db)
    trace = tmp_path / "trace.jsonl"
    monkeypatch.setenv("DVC_DOLT_TRACE", str(trace))
    # Generous: on a loaded machine each try takes a while.
    monkeypatch.setenv("DVC_DOLT_BUSY_WAIT", str(SETTLE))
    with held(db, 600) as holder, busy_log() as busy:

        def let_go() -> None:
            # The user's dolt finishes once our write has met it at least once.
            if busy.wait(SETTLE):
                holder.kill()

        releaser = threading.Thread(target=let_go, daemon=True)
        releaser.start()
        write(db, first)
        releaser.join(SETTLE)
    assert busy.is_set()
    # The failed try and the one that went through, each a dolt process.
    assert _traced(trace).count(subcommand) >= processes
    assert user_dolt(db, "fsck").returncode == 0
    assert db.heads().commit == (first if write is _restore else second)


def test_a_write_stops_with_one_clear_line_when_the_database_stays_busy(make_db, monkeypatch):
    db, first, second = two_commits(make_db)
    before, branches = db.heads(), db.branches()
    monkeypatch.setenv("DVC_DOLT_BUSY_WAIT", "1")
    with held(db, 120):
        with pytest.raises(DoltCommandError) as caught:
            db.restore(first)
        # The one-process restore of a database seen clean falls back to the
        # full one, which stops the same way; nothing is left half done.
        assert db.restore_known(first, before) is None
        with pytest.raises(DoltCommandError) as again:
            db.restore(first)
        # Reads still answer while the user's dolt holds the database.
        assert db.heads() == before
    for exc in (caught.value, again.value):
        message = str(exc)
        assert "\n" not in message
        assert "another dolt process is using the database" in message
        assert "run the command again when that process has finished" in message
        assert str(db.path) in message
    assert db.heads() == before
    assert db.heads().commit == second
    assert db.branches() == branches  # no kept, pin or scratch branch


def test_a_write_that_finds_the_database_free_runs_once(make_db, tmp_path, monkeypatch):
    db, first, _ = two_commits(make_db)
    trace = tmp_path / "trace.jsonl"
    monkeypatch.setenv("DVC_DOLT_TRACE", str(trace))
    db.set_branch("other", first)
    # A look and a move, as set_branch documents: no retries when nobody holds it.
    assert _traced(trace) == ["sql", "sql"]


@pytest.mark.parametrize(
    ("args", "read"),
    [
        (["sql", "-r", "json", "-q", "select 1 as one"], True),
        (
            ["sql", "--disable-auto-gc", "-r", "json", "-q", "select 1;\nshow tables as of 'HEAD'"],
            True,
        ),
        (["--branch", "b", "sql", "-r", "parquet", "-q", "select * from t"], True),
        (["sql", "-q", "describe t"], True),
        (["sql", "-q", "select 1; call dolt_branch('x')"], False),
        (["sql", "-q", "call dolt_gc()"], False),
        (["sql", "-q", "insert into t values (1, 'a')"], False),
        (["sql", "--file", "load.sql"], False),
        (["sql", "-q", "select 1", "-q", "select 2"], False),
        (["gc"], False),
        (["reset", "--hard", "HEAD"], False),
    ],
)
def test_only_sql_that_reads_goes_through_a_view(args, read):
    assert readonly.is_read(args) is read


def test_every_read_query_of_dvc_dolt_reads():
    from dvc_dolt.dolt import database

    for query in (database._HEADS_QUERY, database._INSPECT_QUERY, database._TABLES_QUERY):
        assert readonly.is_read(["sql", "-r", "json", "-q", query])


def test_a_view_whose_files_went_away_is_made_again(make_db, tmp_path, monkeypatch):
    """Another dolt's gc can remove a file between linking it and dolt opening it."""
    db = make_db()
    expected = db.heads()
    trace = tmp_path / "trace.jsonl"
    monkeypatch.setenv("DVC_DOLT_TRACE", str(trace))
    build = readonly._build
    broken = []

    def build_once_broken(source: Path, base: Path, copy: bool) -> Path:
        path = build(source, base, copy)
        if not broken:
            journal = path / ".dolt" / "noms" / ("v" * 32)
            journal.unlink()
            journal.symlink_to(base / "gone")
            broken.append(journal)
        return path

    monkeypatch.setattr(readonly, "_build", build_once_broken)
    assert db.heads() == expected
    assert broken
    assert _traced(trace) == ["sql", "sql"]  # the broken view, then a new one


def _files(db: Database) -> dict[str, tuple[int, int]]:
    """Every file of the database's store: size and modification time."""
    noms = Path(db.path, ".dolt", "noms")
    return {
        str(p.relative_to(noms)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(noms.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize("copied", [True, False], ids=["small-store", "large-journal"])
def test_a_read_leaves_every_file_of_the_database_as_it_was(make_db, monkeypatch, copied):
    """Small changing files are copied into the view (dolt takes the view's own
    lock and may write there); a large journal is linked and the view's lock held."""
    db, _, second = two_commits(make_db)
    if not copied:
        monkeypatch.setattr(readonly, "_COPY_STORE_MAX", -1)
    before = _files(db)
    with readonly.view(db.path) as view:
        assert view is not None
        assert view.copied is copied
        journal = view.path / ".dolt" / "noms" / ("v" * 32)
        assert journal.is_symlink() is not copied
        assert lock_held(Database(view.path)) is not copied
    assert db.heads().commit == second
    assert int(db.sql("select count(*) as n from dolt_log")[0][0]["n"]) == 3
    if copied:
        assert _files(db) == before
    else:
        # A read-only dolt 1.x opens the linked journal index for writing, and
        # touches it; the bytes stay.
        assert {k: v[0] for k, v in _files(db).items()} == {k: v[0] for k, v in before.items()}


def test_a_push_aside_leaves_the_database_as_it_was(make_db, tmp_path):
    """A push run aside (in a view that copies) sends the commit; the remote-tracking
    ref it records stays in the view, and the database's files are unchanged."""
    db, _, second = two_commits(make_db)
    remote = tmp_path / "remote"
    dolt(db.path, "remote", "add", "r", remote.as_uri())
    before = _files(db)
    runner.run(["push", "r", f"{second}:refs/heads/pinned"], db.path, aside=True)
    assert _files(db) == before
    assert "remotes/" not in dolt(db.path, "branch", "-a")
    clone = tmp_path / "clone"
    dolt(tmp_path, "clone", "-b", "pinned", remote.as_uri(), str(clone))
    assert Database(clone).heads().commit == second


def test_a_push_aside_runs_in_place_when_the_journal_is_large(make_db, tmp_path, monkeypatch):
    db, _, second = two_commits(make_db)
    monkeypatch.setattr(readonly, "_COPY_STORE_MAX", -1)
    remote = tmp_path / "remote"
    dolt(db.path, "remote", "add", "r", remote.as_uri())
    runner.run(["push", "r", f"{second}:refs/heads/pinned"], db.path, aside=True)
    # In place, as dolt always does it: it records the remote-tracking ref.
    assert "remotes/r/pinned" in dolt(db.path, "branch", "-a")
