"""The heads cache: its key changes with every kind of change, and only then."""

import json
import os
import shutil
from pathlib import Path

import pytest
from helpers import commit, dolt, insert, sql

from dvc_dolt.dolt import Database, find_dolt
from dvc_dolt.dolt.state import HeadsCache, _repo_state, state_key

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
    "checkout": lambda db: (dolt(db.path, "branch", "b3"), dolt(db.path, "checkout", "b3")),
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


def test_remotes_keep_the_key(make_db, tmp_path):
    """No head depends on a database's remotes: adding one (a first `dvc push`
    does) keeps what the heads cache filed."""
    db = make_db()
    key = state_key(db.path)
    dolt(db.path, "remote", "add", "r", (tmp_path / "remote").as_uri())
    assert "remotes" in json.loads(Path(db.path, ".dolt", "repo_state.json").read_text())
    assert state_key(db.path) == key
    dolt(db.path, "remote", "remove", "r")
    assert state_key(db.path) == key


def test_a_repo_state_of_another_form_counts_whole(tmp_path):
    """Should a dolt release write repo_state.json otherwise, all of it is in the key."""
    path = tmp_path / "repo_state.json"
    seen = set()
    for text in ('{"head": "refs/heads/main", "remotes": {}}', "[1]", "[2]", "not json", "x"):
        path.write_text(text)
        seen.add(_repo_state(path))
    assert len(seen) == 5
    path.write_text('{"remotes": {"r": {}}, "head": "refs/heads/main"}')
    assert _repo_state(path) in seen  # only the remotes differ from the first


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


@pytest.mark.parametrize("where", ["local", "global"])
def test_persisted_default_branch_moves_the_key(make_db, tmp_path, where):
    """`set @@persist.<db>_default_branch` (or the same key in the global config)
    changes which branch dolt reads; only a config file records it."""
    db = make_db()
    dolt(db.path, "branch", "b2")
    dolt(db.path, "sql", "-q", "call dolt_commit('--allow-empty', '-m', 'on main only')")
    cache = HeadsCache(tmp_path / "heads.json")
    on_main = cache.heads(db)
    key = state_key(db.path)
    name = "sqlserver.global.db_default_branch"
    dolt(db.path, "config", f"--{where}", "--add", name, "b2")
    try:
        assert state_key(db.path) != key
        assert db.heads().branch == "b2"
        assert db.heads() != on_main
        assert cache.heads(db) == db.heads()
    finally:
        dolt(db.path, "config", f"--{where}", "--unset", name)
    assert cache.heads(db) == db.heads() == on_main


JOURNAL = "v" * 32


def _sizes(db):
    noms = db.path / ".dolt" / "noms"
    return {f.name: f.stat().st_size for f in noms.iterdir() if f.is_file()}


def test_journal_replaced_by_one_of_the_same_size(make_db, tmp_path):
    """Every name, size and the manifest stay, the journal's bytes change: the heads do.

    Two copies of a database commit the same change on different days; the
    shorter journal, padded with the zeros dolt ignores (and trims), replaces
    the longer one. The manifest stays: a running sql-server rewrites it only
    when it stops, so while a database is served its journal alone tells.
    """
    first = make_db("first")
    insert(first, [(3, "c")])
    dolt(first.path, "add", "-A")
    second = Database(tmp_path / "second")
    shutil.copytree(first.path, second.path)
    for day, db in enumerate((first, second), start=1):
        dolt(db.path, "commit", "--date", f"2020-01-0{day}T00:00:00", "-m", "dated")
    db, other = sorted((first, second), key=lambda d: -_sizes(d)[JOURNAL])
    wanted = other.heads()
    assert wanted != db.heads()

    cache = HeadsCache(tmp_path / "heads.json")
    cache.heads(db)
    key, sizes = state_key(db.path), _sizes(db)
    manifest = (db.path / ".dolt" / "noms" / "manifest").read_bytes()
    journal, other_journal = (d.path / ".dolt" / "noms" / JOURNAL for d in (db, other))
    with open(other_journal, "ab") as fobj:
        fobj.write(bytes(sizes[JOURNAL] - _sizes(other)[JOURNAL]))
    shutil.copyfile(other_journal, journal)
    assert _sizes(db) == sizes
    assert (db.path / ".dolt" / "noms" / "manifest").read_bytes() == manifest

    assert state_key(db.path) != key
    from_cache = cache.heads(db)
    assert db.heads() == wanted  # dolt reads the new journal
    assert from_cache == wanted


def test_another_dolt_binary_moves_the_key(make_db, tmp_path, monkeypatch, count_dolt_processes):
    db = make_db()
    copy = tmp_path / "bin" / "dolt"
    copy.parent.mkdir()
    shutil.copy2(find_dolt().path, copy)
    monkeypatch.setenv("DVC_DOLT_DOLT", str(copy))
    key = state_key(db.path)
    cache = HeadsCache(tmp_path / "heads.json")
    cache.heads(db)
    assert state_key(db.path) == key

    # An upgrade in place: same path, new file.
    stat = copy.stat()
    os.utime(copy, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert state_key(db.path) != key
    count_dolt_processes.clear()
    assert cache.heads(db) == db.heads()
    assert len(count_dolt_processes) == 2  # the cache asked dolt again

    monkeypatch.setenv("DVC_DOLT_DOLT", find_dolt().path)
    assert state_key(db.path) != key


@pytest.mark.parametrize("value", ["0", "false", "off", "No"])
def test_off_switch_asks_dolt_every_time(
    make_db, tmp_path, monkeypatch, count_dolt_processes, value
):
    monkeypatch.setenv("DVC_DOLT_HEADS_CACHE", value)
    db = make_db()
    path = tmp_path / "heads.json"
    cache = HeadsCache(path)
    count_dolt_processes.clear()
    first = cache.heads(db)
    assert cache.heads(db) == first
    heads, reasons = cache.inspect(db)
    assert (heads, reasons) == (first, [])
    assert len(count_dolt_processes) == 3
    assert not path.exists()


def test_cache_is_on_unless_switched_off(make_db, tmp_path, monkeypatch, count_dolt_processes):
    monkeypatch.setenv("DVC_DOLT_HEADS_CACHE", "1")
    db = make_db()
    cache = HeadsCache(tmp_path / "heads.json")
    count_dolt_processes.clear()
    cache.heads(db)
    cache.heads(db)
    assert len(count_dolt_processes) == 1
