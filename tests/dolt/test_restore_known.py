"""Database.restore_known: the one-process restore checkout uses when the heads
cache already knows the database clean. It must do exactly what the look-then-move
restore does, and nothing at all when the database is not as known."""

import json

import pytest
from helpers import commit, dolt, insert, sql, two_commits

from dvc_dolt.dolt.binary import DoltBinary
from dvc_dolt.dolt.database import KEPT_PREFIX, SCRATCH_PREFIX


def dvc_branches(db):
    return sorted(b for b in db.branches() if b.startswith("dvc/"))


def both_ways(make_db, setup):
    """What restore() and restore_known() did to equal databases, commits named by role."""
    outcomes = []
    for way in ("restore", "restore_known"):
        db, first, second = two_commits(make_db.__class__(make_db.base / way))
        target = setup(db, first, second)
        result = db.restore(target) if way == "restore" else db.restore_known(target, db.heads())
        assert result is not None
        assert result.after == db.heads()
        roles = {first: "FIRST", second: "SECOND"}
        named = [b.replace(first, "FIRST").replace(second, "SECOND") for b in dvc_branches(db)]
        outcomes.append(
            (roles[result.after.commit], (result.kept or "").replace(second, "SECOND"), named)
        )
        assert not [b for b in db.branches() if b.startswith(SCRATCH_PREFIX)]
    return outcomes


@pytest.mark.parametrize(
    "setup",
    [
        pytest.param(lambda db, first, second: first, id="back: the left commit is kept"),
        pytest.param(
            lambda db, first, second: (dolt(db.path, "branch", "feature", second), first)[1],
            id="back: another branch reaches it",
        ),
        pytest.param(
            lambda db, first, second: (dolt(db.path, "tag", "v2", second), first)[1],
            id="back: a tag reaches it",
        ),
    ],
)
def test_same_outcome_as_look_then_move(make_db, setup):
    by_restore, by_restore_known = both_ways(make_db, setup)
    assert by_restore == by_restore_known
    assert by_restore[0] == "FIRST"


def test_back_then_forth(make_db):
    db, first, second = two_commits(make_db)
    back = db.restore_known(first, db.heads())
    assert back.after.commit == first
    assert back.kept == f"{KEPT_PREFIX}{second}"
    assert dvc_branches(db) == [f"{KEPT_PREFIX}{second}"]
    # Forward again: the kept branch has done its job; the first commit is
    # reached from the new HEAD, so nothing is kept for it.
    forth = db.restore_known(second, db.heads())
    assert forth.after.commit == second
    assert forth.kept is None
    assert dvc_branches(db) == []
    assert db.heads().branch == "main"
    assert db.dirty_reasons() == []


def test_a_write_since_the_look_changes_nothing(make_db):
    db, first, _ = two_commits(make_db)
    known = db.heads()
    insert(db, [(4, "racing write")])
    raced = db.heads()
    assert db.restore_known(first, known) is None
    assert db.heads() == raced
    assert "racing write" in sql(db, "select v from t where id = 4")
    assert dvc_branches(db) == []


def test_a_commit_since_the_look_is_not_orphaned(make_db):
    db, first, _ = two_commits(make_db)
    known = db.heads()
    insert(db, [(4, "racing commit")])
    third = commit(db, "racing")
    assert db.restore_known(first, known) is None
    assert db.heads().commit == third
    assert dvc_branches(db) == []


def test_a_merge_in_progress_is_not_taken_for_clean(make_db):
    db, first, _second = two_commits(make_db)
    dolt(db.path, "checkout", "-b", "side", first)
    insert(db, [(9, "side")])
    commit(db, "side")
    dolt(db.path, "checkout", "main")
    known = db.heads()
    dolt(db.path, "merge", "--no-commit", "side")
    assert db.dirty_reasons()
    before = db.heads()
    assert db.restore_known(first, known) is None
    assert db.heads() == before
    assert db.dirty_reasons()


def test_a_commit_the_database_lacks_changes_nothing(make_db):
    db, _, second = two_commits(make_db)
    known = db.heads()
    missing = "0" * 32
    assert db.restore_known(missing, known) is None
    assert db.heads() == known
    assert db.heads().commit == second
    assert dvc_branches(db) == []


def test_unclean_or_special_heads_are_not_taken(make_db):
    db, first, _ = two_commits(make_db)
    insert(db, [(4, "uncommitted")])
    dirty = db.heads()
    assert db.restore_known(first, dirty) is None
    assert "uncommitted" in sql(db, "select v from t where id = 4")


def test_restore_runs_without_dolts_automatic_gc(make_db, tmp_path, monkeypatch):
    # dolt >= 1.59 starts an automatic GC from a `dolt sql` that writes, and
    # cuts it off when the process exits: at 1.17 GB it cost up to 5 s of a
    # checkout (benchmarks/bench.py), having freed nothing.
    db, first, _ = two_commits(make_db)
    known = db.heads()
    trace = tmp_path / "trace.jsonl"
    monkeypatch.setenv("DVC_DOLT_TRACE", str(trace))
    assert db.restore_known(first, known).after.commit == first
    argvs = [json.loads(line)["argv"] for line in trace.read_text().splitlines()]
    assert [argv[1:3] for argv in argvs] == [["sql", "--disable-auto-gc"]]


def test_auto_gc_flag_only_for_dolts_that_know_it():
    assert DoltBinary("dolt", (1, 40, 0)).sql_options == ()
    assert DoltBinary("dolt", (1, 58, 9)).sql_options == ()
    assert DoltBinary("dolt", (1, 59, 0)).sql_options == ("--disable-auto-gc",)
    assert DoltBinary("dolt", (2, 7, 2)).sql_options == ("--disable-auto-gc",)
