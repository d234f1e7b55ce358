"""`dvc dolt gc` compacts the chunk journal of tracked databases and changes
nothing DVC records; `dvc add`/`dvc commit` say when a journal is worth it."""

from __future__ import annotations

import os
import re
import sys

import pytest
from helpers import commit, dolt, dvc, error_lines, git, insert
from sql_server import SqlServer

from dvc_dolt.dolt.journal import journal_bytes

pytestmark = pytest.mark.timeout(300)

UP_TO_DATE = "Data and pipelines are up to date."
HINT = "in its chunk journal, which every dolt command on it loads"


def grow(db, first: int = 10) -> None:
    # Random text: dolt compresses chunks, and repeated text would stay small.
    insert(db, [(i, os.urandom(250).hex()) for i in range(first, first + 100)])


def two_versions(repo, make_db):
    """Database 'labels' recorded at two git commits, the second with a grown
    journal: (db, first heads, second heads)."""
    db = make_db("labels", parent=repo)
    dvc(repo, "add", "labels")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "labels v1")
    first = db.heads()
    grow(db)
    commit(db, "more rows")
    dvc(repo, "add", "labels")
    git(repo, "commit", "-qam", "labels v2")
    return db, first, db.heads()


def hints(proc) -> list[str]:
    return [line for line in (proc.stdout + proc.stderr).splitlines() if HINT in line]


def test_gc_compacts_and_keeps_what_dvc_recorded(dvc_repo, make_db):
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
    trace = repo.parent / "trace.jsonl"
    proc = dvc(repo, "status", env={"DVC_DOLT_TRACE": str(trace)})
    assert proc.stdout.strip() == UP_TO_DATE
    assert not trace.exists() or trace.read_text() == ""

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
    db = make_db("labels", parent=repo)
    dvc(repo, "add", "labels")
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
    assert "DVC_DOLT_JOURNAL_HINT_BYTES" in proc.stdout
    assert "gc" in dvc(dvc_repo, "dolt", "--help").stdout
    assert dvc(dvc_repo, "dolt", "gc").stdout.strip() == "No Dolt database to compact."

    # A tracked database that is not checked out is skipped, with a warning.
    make_db("labels", parent=dvc_repo)
    dvc(dvc_repo, "add", "labels")
    (dvc_repo / "labels").rename(dvc_repo.parent / "elsewhere")
    proc = dvc(dvc_repo, "dolt", "gc")
    assert proc.stdout.strip() == "No Dolt database to compact."
    assert "WARNING: Dolt database 'labels' is not in the workspace: skipped" in proc.stderr


def test_add_and_commit_hint_at_a_large_journal(dvc_repo, make_db):
    repo = dvc_repo
    db = make_db("labels", parent=repo)
    journal = journal_bytes(db.path)

    # The default threshold (256 MiB) is far above a test database's journal.
    assert hints(dvc(repo, "add", "labels")) == []
    proc = dvc(repo, "add", "labels", env={"DVC_DOLT_JOURNAL_HINT_BYTES": str(journal + 1)})
    assert hints(proc) == []
    proc = dvc(repo, "add", "labels", env={"DVC_DOLT_JOURNAL_HINT_BYTES": str(journal)})
    (hint,) = hints(proc)
    assert hint.startswith("Dolt database 'labels' keeps ")
    assert "`dvc dolt gc labels` compacts it" in hint

    grow(db)
    commit(db, "more rows")
    low = {"DVC_DOLT_JOURNAL_HINT_BYTES": "1000"}
    assert len(hints(dvc(repo, "commit", "-f", "labels.dvc", env=low))) == 1
    assert hints(dvc(repo, "status", env=low)) == []  # only where a database is recorded
    assert hints(dvc(repo, "add", "labels", env={"DVC_DOLT_JOURNAL_HINT_BYTES": "off"})) == []

    dvc(repo, "dolt", "gc")
    assert hints(dvc(repo, "add", "labels", env=low)) == []


def test_hint_once_per_database_per_command(dvc_repo, make_db):
    repo = dvc_repo
    make_db("labels", parent=repo)
    for name in ("a", "b"):
        dvc(repo, "stage", "add", "-n", name, "-d", "labels", "-o", f"{name}.txt",
            f"{sys.executable} -c \"open('{name}.txt', 'w').write('1')\"")  # fmt: skip
    proc = dvc(repo, "repro", env={"DVC_DOLT_JOURNAL_HINT_BYTES": "1"})
    assert len(hints(proc)) == 1


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
