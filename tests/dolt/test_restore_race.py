"""Restore never wipes a write that lands between looking and moving.

`dvc checkout` looks at every database first (so a dirty one stops it before DVC
changes any file), runs DVC's own checkout, then moves the databases: the look
and the move are Database.plan_restore and Database.restore(plan=...), in
separate dolt processes with DVC's work in between. These tests run a real
`dolt sql` write exactly in that gap.
"""

import pytest
from helpers import commit, dolt, insert, sql, two_commits

from dvc_dolt.dolt import DirtyDatabaseError
from dvc_dolt.dolt.database import DatabaseChangedError


def test_a_write_between_look_and_move_is_not_wiped(make_db):
    db, first, _ = two_commits(make_db)
    plan = db.plan_restore(first)
    assert not plan.reasons  # clean when looked at
    insert(db, [(4, "racing write")])  # a real dolt process, in the gap
    raced = db.heads()
    with pytest.raises(DatabaseChangedError, match=r"changed while restoring.*nothing was reset"):
        db.restore(first, plan=plan)
    assert db.heads() == raced
    assert "racing write" in sql(db, "select v from t where id = 4")


def test_a_commit_between_look_and_move_is_not_orphaned(make_db):
    db, first, second = two_commits(make_db)
    plan = db.plan_restore(first)
    insert(db, [(4, "racing commit")])
    third = commit(db, "racing")
    with pytest.raises(DatabaseChangedError):
        db.restore(first, plan=plan)
    assert db.heads().commit == third
    assert f"dvc/kept/{second}" not in db.branches()  # nothing of the move ran


def test_a_branch_switch_between_look_and_move_is_not_moved(make_db):
    db, first, second = two_commits(make_db)
    dolt(db.path, "branch", "other", first)
    plan = db.plan_restore(first)
    dolt(db.path, "checkout", "other")
    with pytest.raises(DatabaseChangedError):
        db.restore(first, plan=plan)
    assert db.heads().branch == "other"
    assert db.on_branch("main").heads().commit == second


def test_force_does_not_wipe_a_write_made_after_the_look(make_db):
    # --force discards the work that was there when checkout looked, not later work.
    db, first, _ = two_commits(make_db)
    insert(db, [(4, "seen, discarded by force")])
    plan = db.plan_restore(first)
    assert plan.reasons
    insert(db, [(5, "racing write")])
    with pytest.raises(DatabaseChangedError):
        db.restore(first, force=True, plan=plan)
    assert "racing write" in sql(db, "select v from t where id = 5")


def test_unraced_plan_restores_in_one_more_process(make_db, count_dolt_processes):
    db, first, second = two_commits(make_db)
    count_dolt_processes.clear()
    plan = db.plan_restore(first)
    result = db.restore(first, plan=plan)
    assert len(count_dolt_processes) == 2  # look, move
    assert result.after.commit == first
    assert result.kept == f"dvc/kept/{second}"


def test_dirty_plan_is_refused_without_force(make_db):
    db, first, _ = two_commits(make_db)
    insert(db, [(4, "uncommitted")])
    plan = db.plan_restore(first)
    with pytest.raises(DirtyDatabaseError):
        db.restore(first, plan=plan)
    assert "uncommitted" in sql(db, "select v from t where id = 4")


def test_plan_for_another_commit_is_a_programming_error(make_db):
    db, first, second = two_commits(make_db)
    plan = db.plan_restore(first)
    with pytest.raises(ValueError, match="plan is for commit"):
        db.restore(second, plan=plan)
    assert db.heads().commit == second
