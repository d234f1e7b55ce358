"""`dvc dolt gc` compacts the chunk journal of tracked databases and changes
nothing DVC records; `dvc add`/`dvc commit` compact a journal that costs (auto_gc)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import pytest
from helpers import (
    commit,
    default_remote,
    dolt,
    dvc,
    error_lines,
    git,
    git_commit,
    insert,
    kill_at_dolt,
    lock_held,
    sql,
    track,
)
from sql_server import SqlServer

from dvc_dolt.dolt import find_dolt
from dvc_dolt.dolt.journal import journal_bytes
from dvc_dolt.dolt.runner import dolt_env
from dvc_dolt.dvc.items.hints import ENV_COMPACT as ENV

pytestmark = pytest.mark.timeout(300)

UP_TO_DATE = "Data and pipelines are up to date."
HINT = "in its chunk journal, which every dolt command on it loads"


def grow(db, first: int = 10) -> None:
    # Random text: dolt compresses chunks, and repeated text would stay small.
    insert(db, [(i, os.urandom(250).hex()) for i in range(first, first + 100)])


def two_versions(repo, make_db):
    """Database 'labels' recorded at two git commits, the second with a grown
    journal: (db, first heads, second heads)."""
    db = track(repo, make_db, "labels", git_message="labels v1")
    first = db.heads()
    grow(db)
    commit(db, "more rows")
    dvc(repo, "add", "labels")
    git(repo, "commit", "-qam", "labels v2")
    return db, first, db.heads()


def hints(proc) -> list[str]:
    return [line for line in (proc.stdout + proc.stderr).splitlines() if HINT in line]


def test_gc_compacts_and_keeps_what_dvc_recorded(dvc_repo, make_db, dolt_trace):
    repo = dvc_repo
    db, first, second = two_versions(repo, make_db)
    journal = journal_bytes(db.path)
    assert journal > 50_000

    proc = dvc(repo, "dolt", "gc", "--dry-run")
    assert proc.stdout.splitlines() == [
        f"Would compact Dolt database 'labels' ({journal / 1000:.0f} kB in its journal)"
    ]
    assert journal_bytes(db.path) == journal

    proc = dvc(repo, "dolt", "gc")
    assert re.fullmatch(
        rf"Compacted Dolt database 'labels' \({journal / 1000:.0f} kB in its journal\)"
        r" in \d+\.\ds",
        proc.stdout.strip(),
    )
    assert journal_bytes(db.path) == 0
    after = db.heads()
    assert (after, after.branch) == (second, second.branch)
    # gc rewrote the files the heads cache keys on; it refilled the cache.
    proc = dolt_trace.dvc(repo, "status")
    assert proc.stdout.strip() == UP_TO_DATE
    assert dolt_trace == []

    git(repo, "checkout", "-q", "HEAD~1", "--", "labels.dvc")
    dvc(repo, "checkout", "--force")
    assert db.heads() == first
    git(repo, "checkout", "-q", "HEAD", "--", "labels.dvc")
    dvc(repo, "checkout", "--force")
    assert db.heads() == second
    assert dvc(repo, "status").stdout.strip() == UP_TO_DATE


def test_gc_targets_outputs_and_dependencies(dvc_repo, make_db):
    repo = dvc_repo
    labels = make_db("labels", parent=repo)
    raw = make_db("raw", parent=repo)
    dvc(repo, "add", "labels")
    dvc(repo, "stage", "add", "-n", "count", "-d", "raw", "-o", "count.txt",
        f"{sys.executable} -c \"open('count.txt', 'w').write('2')\"")  # fmt: skip
    dvc(repo, "repro")

    proc = dvc(repo, "dolt", "gc", "labels.dvc")
    assert proc.stdout.startswith("Compacted Dolt database 'labels' (")
    assert journal_bytes(labels.path) == 0
    assert journal_bytes(raw.path) > 0

    proc = dvc(repo, "dolt", "gc", "count.txt", "labels", ok=False)
    assert error_lines(proc) == [
        "ERROR: 'count.txt' is not a Dolt database this repository tracks"
        " (`dvc dolt gc` with no target compacts every tracked database)"
    ]
    assert journal_bytes(raw.path) > 0

    proc = dvc(repo, "dolt", "gc")
    assert [line.split(" (")[0] for line in proc.stdout.splitlines()] == [
        "Compacted Dolt database 'labels'",
        "Compacted Dolt database 'raw'",
    ]
    assert journal_bytes(raw.path) == 0
    assert dvc(repo, "status").stdout.strip() == UP_TO_DATE


def test_gc_refuses_a_database_a_sql_server_serves(dvc_repo, make_db):
    repo = dvc_repo
    db = track(repo, make_db, "labels")
    journal = journal_bytes(db.path)
    with SqlServer(db) as server:
        for dry_run in (["--dry-run"], []):
            proc = dvc(repo, "dolt", "gc", *dry_run, ok=False)
            (line,) = error_lines(proc)
            assert line.startswith("ERROR: cannot compact Dolt database 'labels': ")
            assert f"served by a running dolt sql-server (pid {server.proc.pid})" in line
            assert "stop the server" in line
        assert journal_bytes(db.path) == journal
        assert db.branches() == ["main"]
        assert server.serves_cli()


def test_gc_help_and_nothing_to_do(dvc_repo, make_db):
    proc = dvc(dvc_repo, "dolt", "gc", "--help")
    assert "usage: dvc dolt gc" in proc.stdout
    assert "--dry-run" in proc.stdout
    assert "DVC_DOLT_COMPACT" in proc.stdout
    assert "gc" in dvc(dvc_repo, "dolt", "--help").stdout
    assert dvc(dvc_repo, "dolt", "gc").stdout.strip() == "No Dolt database to compact."

    # A tracked database that is not checked out is skipped, with a warning.
    track(dvc_repo, make_db, "labels")
    (dvc_repo / "labels").rename(dvc_repo.parent / "elsewhere")
    proc = dvc(dvc_repo, "dolt", "gc")
    assert proc.stdout.strip() == "No Dolt database to compact."
    assert "WARNING: Dolt database 'labels' is not in the workspace: skipped" in proc.stderr


def compaction_lines(proc) -> list[str]:
    return [line for line in proc.stdout.splitlines() if line.startswith("Compact")]


def test_add_and_commit_compact_when_told(dvc_repo, make_db, tmp_path, dolt_trace):
    """`DVC_DOLT_COMPACT=always` compacts at the end of add and commit; what DVC
    records stays as it is, pins on the remote included. `auto` leaves a
    journal below 16 MiB alone, `off` leaves every journal alone."""
    repo = dvc_repo
    db = make_db("labels", parent=repo)
    journal = journal_bytes(db.path)
    assert compaction_lines(dvc(repo, "add", "labels")) == []  # auto: a small journal
    assert journal_bytes(db.path) == journal
    default_remote(repo, tmp_path / "store", "store")
    dvc(repo, "push")
    journal = journal_bytes(db.path)  # the push wrote remote-tracking refs
    git_commit(repo, "labels")
    before = db.heads()

    proc = dvc(repo, "add", "labels", env={"DVC_DOLT_COMPACT": "off"})
    assert compaction_lines(proc) == []
    assert journal_bytes(db.path) == journal
    proc = dvc(repo, "add", "labels", env={"DVC_DOLT_COMPACT": "always"})
    started, finished = compaction_lines(proc)
    assert started.startswith("Compacting Dolt database 'labels': every dolt command on it")
    assert f"{ENV}=off turns this off" in started
    assert re.fullmatch(r"Compacted Dolt database 'labels' in \d+\.\d s.*\.", finished)
    assert journal_bytes(db.path) == 0
    assert (db.heads(), db.heads().branch) == (before, before.branch)
    assert db.branches() == ["main"]
    proc = dolt_trace.dvc(repo, "status", "-c")
    assert "in sync" in proc.stdout
    assert dvc(repo, "status").stdout.strip() == UP_TO_DATE
    assert "Everything is up to date." in dvc(repo, "push").stdout

    grow(db)
    second = commit(db, "more rows")
    proc = dvc(repo, "commit", "-f", "labels.dvc", env={"DVC_DOLT_COMPACT": "always"})
    assert [line.split(" ")[0] for line in compaction_lines(proc)] == ["Compacting", "Compacted"]
    assert journal_bytes(db.path) == 0
    assert db.heads().commit == second
    assert dvc(repo, "status").stdout.strip() == UP_TO_DATE


def test_repro_says_and_does_not_compact(dvc_repo, make_db):
    """A stage may still write: repro only says, once per database."""
    repo = dvc_repo
    db = make_db("labels", parent=repo)
    for name in ("a", "b"):
        dvc(repo, "stage", "add", "-n", name, "-d", "labels", "-o", f"{name}.txt",
            f"{sys.executable} -c \"open('{name}.txt', 'w').write('1')\"")  # fmt: skip
    journal = journal_bytes(db.path)
    proc = dvc(repo, "repro", env={"DVC_DOLT_COMPACT": "always"})
    assert len(hints(proc)) == 1
    assert compaction_lines(proc) == []
    assert "`dvc dolt gc labels` compacts it" in hints(proc)[0]
    assert journal_bytes(db.path) == journal


def test_no_compaction_while_a_sql_server_serves(dvc_repo, make_db):
    repo = dvc_repo
    db = make_db("labels", parent=repo)
    journal = journal_bytes(db.path)
    with SqlServer(db) as server:
        proc = dvc(repo, "add", "labels", env={"DVC_DOLT_COMPACT": "always"})
        warning = [line for line in proc.stderr.splitlines() if line.startswith("WARNING")]
        assert len(warning) == 1
        assert "Dolt database 'labels' was not compacted" in warning[0]
        assert "served by a running dolt sql-server" in warning[0]
        assert journal_bytes(db.path) == journal
        assert server.serves_cli()
    assert (repo / "labels.dvc").exists()
    assert dvc(repo, "status").stdout.strip() == UP_TO_DATE


def test_no_compaction_while_another_dolt_holds_the_database(dvc_repo, make_db):
    repo = dvc_repo
    db = make_db("labels", parent=repo)
    dvc(repo, "add", "labels")  # heads on file: the next add needs no dolt of its own
    journal = journal_bytes(db.path)
    holder = subprocess.Popen(
        [find_dolt().path, "sql"], cwd=db.path, env=dolt_env(), stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not lock_held(db):
            assert time.monotonic() < deadline
            assert holder.poll() is None
            time.sleep(0.05)
        env = {"DVC_DOLT_COMPACT": "always", "DVC_DOLT_BUSY_WAIT": "0.5"}
        proc = dvc(repo, "add", "labels", env=env)
        assert "Dolt database 'labels' was not compacted" in proc.stderr
        assert "another dolt process is using the database" in proc.stderr
        assert journal_bytes(db.path) == journal
    finally:
        holder.communicate(b"select 1;\n", timeout=60)
    assert holder.returncode == 0
    assert dvc(repo, "status").stdout.strip() == UP_TO_DATE


def test_a_kill_during_compaction_loses_nothing(dvc_repo, make_db, tmp_path):
    """SIGKILL dvc and its `dolt gc` as the gc runs; the same add again
    completes, and every commit and row is there."""
    repo = dvc_repo
    db, first, second = two_versions(repo, make_db)
    rows = sql(db, "select count(*) as n from t")
    env = {"DVC_DOLT_COMPACT": "always"}
    killed = kill_at_dolt(repo, ["add", "labels"], "gc", env)
    assert killed, "dvc finished before its dolt gc started"
    proc = dvc(repo, "add", "labels", env=env)
    assert proc.returncode == 0
    assert db.heads() == second
    assert sql(db, "select count(*) as n from t") == rows
    assert dvc(repo, "status").stdout.strip() == UP_TO_DATE
    git(repo, "checkout", "-q", "HEAD~1", "--", "labels.dvc")
    dvc(repo, "checkout", "--force")
    assert db.heads() == first


def test_gc_keeps_recorded_commits_that_no_branch_reaches(dvc_repo, make_db):
    """dolt gc deletes what no branch or tag reaches: a commit a git revision
    records, left behind by a hand-made `dolt reset`, must survive it."""
    repo = dvc_repo
    db, first, second = two_versions(repo, make_db)
    git(repo, "checkout", "-q", "HEAD~1")  # v1 in the workspace, v2 only in git history
    dvc(repo, "checkout")
    assert db.heads() == first
    dolt(db.path, "branch", "-D", f"dvc/kept/{second.commit}")  # by hand: nothing reaches v2
    assert db.branches() == ["main"]

    proc = dvc(repo, "dolt", "gc", "--dry-run")
    assert proc.stdout.splitlines()[0] == (
        f"Would keep commit {second.commit} of Dolt database 'labels' on branch"
        f" 'dvc/kept/{second.commit}': DVC records it and no branch reaches it"
    )
    assert db.branches() == ["main"]
    proc = dvc(repo, "dolt", "gc")
    assert proc.stdout.splitlines()[0] == (
        f"Kept commit {second.commit} of Dolt database 'labels' on branch"
        f" 'dvc/kept/{second.commit}': DVC records it and no branch reaches it"
    )
    assert sorted(db.branches()) == [f"dvc/kept/{second.commit}", "main"]

    git(repo, "checkout", "-q", "main")
    dvc(repo, "checkout")
    assert db.heads() == second
