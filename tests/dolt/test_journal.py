"""Dolt's chunk journal: its size, and `dolt gc`, which compacts it and changes no head."""

from __future__ import annotations

import pytest
from helpers import dolt, insert, two_commits

from dvc_dolt.dolt import Database, NotADatabaseError
from dvc_dolt.dolt.journal import gc, journal_bytes, keep_unreached

pytestmark = pytest.mark.timeout(120)


def test_journal_bytes_grows_with_writes_and_is_zero_after_gc(make_db):
    db = make_db()
    first = journal_bytes(db.path)
    assert first is not None
    assert first > 0
    insert(db, [(i, "x" * 200) for i in range(10, 60)])
    assert journal_bytes(db.path) > first

    gc(db)
    assert journal_bytes(db.path) == 0


def test_journal_bytes_is_none_where_the_layout_is_unknown(tmp_path, make_db):
    assert journal_bytes(tmp_path) is None  # not a database
    db = make_db()
    (db.path / ".dolt" / "noms" / "manifest").rename(db.path / "elsewhere")
    assert journal_bytes(db.path) is None


def test_gc_keeps_every_head_and_uncommitted_work(make_db):
    db = make_db()
    insert(db, [(3, "staged")])
    dolt(db.path, "add", "t")
    insert(db, [(4, "working")])
    before = db.heads()
    assert len({before.head_root, before.staged, before.working}) == 3

    assert gc(db) >= 0
    after = db.heads()
    assert (after, after.branch, after.head_root) == (before, before.branch, before.head_root)
    rows = dolt(db.path, "sql", "-r", "csv", "-q", "select id, v from t order by id")
    assert rows.splitlines() == ["id,v", "1,a", "2,b", "3,staged", "4,working"]


def test_gc_of_a_missing_database_is_a_clear_error(tmp_path):
    with pytest.raises(NotADatabaseError, match="is not a Dolt database"):
        gc(Database(tmp_path / "nothing"))


def test_keep_unreached_puts_a_branch_on_what_gc_would_delete(make_db):
    db, first, second = two_commits(make_db)
    dolt(db.path, "reset", "--hard", first)  # second: only the reflog has it
    absent = "0" * 32

    assert keep_unreached(db, [first, second, absent], dry_run=True) == [second]
    assert db.branches() == ["main"]
    assert keep_unreached(db, [first, second, absent]) == [second]
    assert sorted(db.branches()) == [f"dvc/kept/{second}", "main"]
    assert keep_unreached(db, [first, second]) == []

    gc(db)
    assert db.missing_commits([first, second]) == []


def test_keep_unreached_leaves_tagged_commits_alone(make_db):
    db, first, second = two_commits(make_db)
    dolt(db.path, "tag", "v2", second)
    dolt(db.path, "reset", "--hard", first)
    assert keep_unreached(db, [first, second]) == []
    assert db.branches() == ["main"]
