"""The heads cache: its key changes with every kind of change, and only then."""

import pytest
from helpers import commit, dolt, insert, sql

from dvc_dolt.dolt.state import HeadsCache, state_key

CHANGES = {
    "insert": lambda db: insert(db, [(10, "x")]),
    "update": lambda db: sql(db, "update t set v = 'z' where id = 1"),
    "stage": lambda db: (insert(db, [(10, "x")]), dolt(db.path, "add", "t")),
    "commit": lambda db: (insert(db, [(10, "x")]), commit(db)),
    "new table": lambda db: sql(db, "create table u (id int primary key)"),
    "branch switch": lambda db: (
        dolt(db.path, "checkout", "-b", "b2"),
        insert(db, [(11, "y")]),
        commit(db),
        dolt(db.path, "checkout", "main"),
    ),
    "reset": lambda db: (
        insert(db, [(10, "x")]),
        commit(db),
        dolt(db.path, "reset", "--hard", "HEAD~1"),
    ),
    "revert working": lambda db: (insert(db, [(10, "x")]), dolt(db.path, "reset", "--hard")),
}


def test_read_only_commands_keep_the_key(make_db):
    db = make_db()
    key = state_key(db.path)
    db.heads()
    db.dirty_reasons()
    dolt(db.path, "sql", "-q", "select * from t")
    dolt(db.path, "log")
    dolt(db.path, "status")
    assert state_key(db.path) == key


@pytest.mark.parametrize("change", list(CHANGES))
def test_every_change_moves_the_key_and_the_cache_follows(make_db, tmp_path, change):
    db = make_db()
    cache = HeadsCache(tmp_path / "heads.json")
    cache.heads(db)
    key = state_key(db.path)
    CHANGES[change](db)
    assert state_key(db.path) != key
    assert cache.heads(db) == db.heads()


def test_gc_moves_the_key_without_changing_heads(make_db, tmp_path):
    db = make_db()
    cache = HeadsCache(tmp_path / "heads.json")
    before = cache.heads(db)
    key = state_key(db.path)
    dolt(db.path, "gc")
    assert state_key(db.path) != key
    assert cache.heads(db) == before


def test_cache_hit_runs_no_dolt(make_db, tmp_path, count_dolt_processes):
    db = make_db()
    count_dolt_processes.clear()
    cache = HeadsCache(tmp_path / "heads.json")
    first = cache.heads(db)
    assert len(count_dolt_processes) == 1
    # A new process (new cache object) reads the file.
    again = HeadsCache(tmp_path / "heads.json").heads(db)
    assert again == first
    assert again.branch == "main"
    assert again.head_root == first.head_root
    assert len(count_dolt_processes) == 1


def test_unreadable_cache_file_is_ignored(make_db, tmp_path):
    path = tmp_path / "heads.json"
    path.write_text("{not json")
    db = make_db()
    assert HeadsCache(path).heads(db) == db.heads()
