"""The database object against real dolt: heads, dirty states, restore, diff stats."""

import re

import pytest
from helpers import commit, conflicting_branches, dolt, insert, sql

from dvc_dolt.dolt import (
    Database,
    DirtyDatabaseError,
    NotADatabaseError,
    UnknownCommitError,
)
from dvc_dolt.dolt.heads import is_hash


def log_hashes(db, ref="HEAD"):
    """Commit hashes of ``dolt log`` (the CLI, not the SQL our code uses)."""
    out = re.sub(r"\x1b\[[0-9;]*m", "", dolt(db.path, "log", "--oneline", ref))
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def test_heads_of_a_clean_database(make_db):
    db = make_db()
    heads = db.heads()
    assert heads.commit == log_hashes(db)[0]
    assert heads.branch == "main"
    assert all(is_hash(h) for h in (heads.commit, heads.staged, heads.working, heads.head_root))
    assert heads.working == heads.staged == heads.head_root
    assert heads.is_clean


def test_heads_is_one_dolt_process(make_db, count_dolt_processes):
    db = make_db()
    count_dolt_processes.clear()
    db.heads()
    assert len(count_dolt_processes) == 1
    (argv,) = count_dolt_processes
    assert argv[0] == "sql"
    assert argv[argv.index("-r") + 1] == "json"


def test_heads_follow_working_staged_and_commit(make_db):
    db = make_db()
    h0 = db.heads()
    insert(db, [(3, "c")])
    h1 = db.heads()
    assert (h1.commit, h1.staged) == (h0.commit, h0.staged)
    assert h1.working != h0.working
    dolt(db.path, "add", "t")
    h2 = db.heads()
    assert h2.commit == h0.commit
    assert h2.staged == h2.working == h1.working
    new = commit(db, "add c")
    h3 = db.heads()
    assert h3.commit == new != h0.commit
    assert h3.head_root == h3.staged == h3.working == h1.working


def test_same_content_same_root(make_db):
    db = make_db()
    before = db.heads()
    insert(db, [(3, "c")])
    sql(db, "delete from t where id = 3")
    after = db.heads()
    assert after == before


def test_branch_switch_changes_heads(make_db):
    db = make_db()
    dolt(db.path, "checkout", "-b", "other")
    insert(db, [(3, "c")])
    commit(db, "other")
    on_other = db.heads()
    dolt(db.path, "checkout", "main")
    on_main = db.heads()
    assert on_other.branch == "other"
    assert on_main.branch == "main"
    assert on_other != on_main


def test_not_a_database(tmp_path):
    with pytest.raises(NotADatabaseError, match="is not a Dolt database"):
        Database(tmp_path).heads()


# -- dirty states ---------------------------------------------------------


def test_clean_database_has_no_reasons(make_db):
    db = make_db()
    assert db.dirty_reasons() == []
    assert db.check_clean().commit == db.heads().commit


def test_unstaged_changes_name_the_tables(make_db):
    db = make_db()
    sql(db, "create table other_table (id int primary key)")
    insert(db, [(3, "c")])
    (reason,) = db.dirty_reasons()
    assert "uncommitted changes to tables 'other_table', 't'" in reason
    assert "dolt add" in reason


def test_staged_changes(make_db):
    db = make_db()
    insert(db, [(3, "c")])
    dolt(db.path, "add", "t")
    (reason,) = db.dirty_reasons()
    assert reason.startswith("staged but uncommitted changes to table 't'")
    assert "dolt commit" in reason


def test_staged_and_unstaged(make_db):
    db = make_db()
    insert(db, [(3, "c")])
    dolt(db.path, "add", "t")
    sql(db, "create table u (id int primary key)")
    reasons = db.dirty_reasons()
    assert len(reasons) == 2
    assert any("uncommitted changes to table 'u'" in r for r in reasons)
    assert any("staged but uncommitted changes to table 't'" in r for r in reasons)


def test_merge_conflict(make_db):
    db = make_db()
    conflicting_branches(db)
    dolt(db.path, "merge", "other", check=False)
    reasons = db.dirty_reasons()
    assert any("merge (or cherry-pick/revert) of 'other' is in progress" in r for r in reasons)
    assert any("dolt merge --abort" in r for r in reasons)
    assert any("table 't' has 1 unresolved conflict(s)" in r for r in reasons)
    with pytest.raises(DirtyDatabaseError) as info:
        db.check_clean("record it")
    assert info.value.path == str(db.path)
    assert "not clean enough to record it" in str(info.value)


def test_merge_in_progress_with_roots_equal_is_still_dirty(make_db):
    """Resolving every conflict as 'ours' leaves roots equal to HEAD mid-merge."""
    db = make_db()
    conflicting_branches(db)
    dolt(db.path, "merge", "other", check=False)
    dolt(db.path, "conflicts", "resolve", "--ours", "t")
    heads = db.heads()
    assert heads.working == heads.head_root
    (reason,) = db.dirty_reasons()
    assert "merge (or cherry-pick/revert) of 'other' is in progress" in reason


def test_cherry_pick_conflict(make_db):
    db = make_db()
    conflicting_branches(db)
    dolt(db.path, "cherry-pick", "other", check=False)
    reasons = db.dirty_reasons()
    assert any("cherry-pick" in r and "in progress" in r for r in reasons)
    assert any("unresolved conflict" in r for r in reasons)


def test_rebase_in_progress(make_db):
    db = make_db()
    conflicting_branches(db)
    dolt(db.path, "checkout", "other")
    dolt(db.path, "rebase", "main", check=False)
    reasons = db.dirty_reasons()
    assert reasons[0].startswith("a rebase of branch 'other' is in progress")
    assert "dolt rebase --abort" in reasons[0]
    assert not any("merge (or cherry-pick" in r for r in reasons)


def test_constraint_violations(make_db):
    db = make_db()
    sql(db, "create table p (id int primary key)")
    sql(db, "create table c (id int primary key, pid int, foreign key (pid) references p(id))")
    commit(db, "fk")
    sql(db, "set foreign_key_checks=0; insert into c values (1, 99)")
    dolt(db.path, "constraints", "verify", check=False)
    reasons = db.dirty_reasons()
    assert any("table 'c' has 1 constraint violation(s)" in r for r in reasons)


def test_dolt_ignored_table_is_seen_by_roots(make_db):
    db = make_db()
    sql(db, "insert into dolt_ignore values ('scratch_%', true)")
    commit(db, "ignore scratch tables")
    sql(db, "create table scratch_1 (id int primary key); insert into scratch_1 values (1)")
    assert "nothing to commit" in dolt(db.path, "status")
    (reason,) = db.dirty_reasons()
    assert "table 'scratch_1' matched by dolt_ignore" in reason


# -- restore --------------------------------------------------------------


def test_restore_moves_head_to_an_older_commit(make_db):
    db = make_db()
    first = db.heads()
    insert(db, [(3, "c")])
    second = commit(db, "second")
    result = db.restore(first.commit)
    assert result.changed
    assert result.before.commit == second
    assert db.heads() == first
    assert db.heads().branch == "main"
    # The commit left behind is still on a ref: the kept branch.
    assert result.kept == f"dvc/kept/{second}"
    assert result.kept in dolt(db.path, "branch")
    assert log_hashes(db, result.kept)[0] == second


def test_restore_forward_keeps_no_extra_ref(make_db):
    db = make_db()
    first = db.heads().commit
    insert(db, [(3, "c")])
    second = commit(db, "second")
    db.restore(first)
    assert f"dvc/kept/{second}" in db.branches()
    result = db.restore(second)
    assert result.kept is None  # first is an ancestor of second
    assert db.heads().commit == second
    # Back on the kept commit: its kept branch is no longer needed.
    assert db.branches() == ["main"]


def test_restore_without_kept_branch_when_another_branch_holds_head(make_db):
    db = make_db()
    first = db.heads().commit
    insert(db, [(3, "c")])
    second = commit(db, "second")
    dolt(db.path, "branch", "backup")
    result = db.restore(first)
    assert result.kept is None
    assert f"dvc/kept/{second}" not in dolt(db.path, "branch")


def test_restore_same_commit_is_a_no_op(make_db):
    db = make_db()
    heads = db.heads()
    result = db.restore(heads.commit)
    assert not result.changed
    assert result.kept is None


def test_restore_refuses_dirty_and_changes_nothing(make_db):
    db = make_db()
    first = db.heads().commit
    insert(db, [(3, "c")])
    commit(db, "second")
    insert(db, [(4, "uncommitted")])
    before = db.heads()
    with pytest.raises(DirtyDatabaseError, match="uncommitted changes to table 't'"):
        db.restore(first)
    assert db.heads() == before
    assert "uncommitted" in sql(db, "select v from t where id = 4")


def test_restore_force_discards_uncommitted_work_but_keeps_commits(make_db):
    db = make_db()
    first = db.heads()
    insert(db, [(3, "c")])
    second = commit(db, "second")
    insert(db, [(4, "uncommitted")])
    sql(db, "create table untracked (id int primary key)")
    result = db.restore(first.commit, force=True)
    assert db.heads() == first
    assert db.dirty_reasons() == []
    assert result.kept == f"dvc/kept/{second}"


def test_restore_force_aborts_a_merge(make_db):
    db = make_db()
    base = db.heads().commit
    conflicting_branches(db)
    dolt(db.path, "merge", "other", check=False)
    db.restore(base, force=True)
    assert db.dirty_reasons() == []
    assert db.heads().commit == base


def test_restore_force_aborts_a_rebase(make_db):
    db = make_db()
    base = db.heads().commit
    conflicting_branches(db)
    dolt(db.path, "checkout", "other")
    other = db.heads().commit
    dolt(db.path, "rebase", "main", check=False)
    result = db.restore(base, force=True)
    assert db.dirty_reasons() == []
    heads = db.heads()
    assert (heads.branch, heads.commit) == ("other", base)
    assert result.kept == f"dvc/kept/{other}"


def test_restore_unknown_commit(make_db):
    db = make_db()
    before = db.heads()
    with pytest.raises(UnknownCommitError, match="is not in Dolt database"):
        db.restore("a" * 32)
    assert db.heads() == before
    # A dirty database is refused first, for what the user can fix here.
    insert(db, [(4, "uncommitted")])
    with pytest.raises(DirtyDatabaseError):
        db.restore("a" * 32)


def test_restore_is_two_dolt_processes(make_db, count_dolt_processes):
    db = make_db()
    first = db.heads().commit
    insert(db, [(3, "c")])
    second = commit(db, "second")
    dolt(db.path, "tag", "v2", second)
    count_dolt_processes.clear()
    assert db.restore(first).kept is None  # the tag holds the commit left
    assert len(count_dolt_processes) == 2
    count_dolt_processes.clear()
    assert db.restore(second).kept is None
    assert len(count_dolt_processes) == 2
    dolt(db.path, "tag", "-d", "v2")
    count_dolt_processes.clear()
    assert db.restore(first).kept == f"dvc/kept/{second}"
    assert len(count_dolt_processes) == 2


def test_restore_across_unrelated_histories(make_db, file_remote, count_dolt_processes):
    """dolt_merge_base fails without a common ancestor: the slower check still answers."""
    src = make_db("src", rows=[(1, "a")])
    theirs = src.heads().commit
    dolt(src.path, "remote", "add", "r", file_remote)
    dolt(src.path, "push", "r", "main")
    mine = make_db("mine", rows=[(7, "x")])
    own = mine.heads().commit
    dolt(mine.path, "remote", "add", "r", file_remote)
    dolt(mine.path, "fetch", "r", "main")
    count_dolt_processes.clear()
    result = mine.restore(theirs)
    assert len(count_dolt_processes) == 4  # the failed look, the look again, the check, the move
    assert mine.heads().commit == theirs
    assert result.kept == f"dvc/kept/{own}"
    # Back: remote-tracking refs do not count, so their commit is kept in turn,
    # and the branch that kept ours has done its job.
    assert mine.restore(own).kept == f"dvc/kept/{theirs}"
    assert sorted(mine.branches()) == [f"dvc/kept/{theirs}", "main"]


@pytest.mark.parametrize(
    "name", ["with-dashes", "with spaces", "quote'and\"double", "ünïcødé-データ", "back`tick"]
)
def test_awkward_directory_names(make_db, name):
    db = make_db(name)
    first = db.heads()
    insert(db, [(3, "c")])
    assert "uncommitted changes to table 't'" in db.dirty_reasons()[0]
    second = commit(db, "second")
    assert db.heads().commit == second
    result = db.restore(first.commit)
    assert db.heads() == first
    assert result.kept == f"dvc/kept/{second}"


def test_awkward_table_names_in_reasons(make_db):
    db = make_db(table="my-table")
    sql(db, "create table `späce table` (id int primary key)")
    insert(db, [(9, "x")], table="my-table")
    (reason,) = db.dirty_reasons()
    assert "'my-table'" in reason
    assert "'späce table'" in reason


# -- diff stats -----------------------------------------------------------


def test_diff_stat_between_commits(make_db):
    db = make_db(rows=[(1, "a"), (2, "b"), (3, "c")])
    first = db.heads().commit
    insert(db, [(4, "d"), (5, "e")])
    sql(db, "delete from t where id = 1; update t set v = 'B' where id = 2")
    sql(db, "create table u (id int primary key); insert into u values (1)")
    second = commit(db, "second")
    stats = db.diff_stat(first, second)
    t = stats["t"]
    assert (t.rows_added, t.rows_deleted, t.rows_modified) == (2, 1, 1)
    assert (t.old_row_count, t.new_row_count) == (3, 4)
    assert stats["u"].rows_added == 1
    assert db.diff_stat(first, first) == {}


def test_diff_stat_working_set(make_db):
    db = make_db()
    insert(db, [(3, "c")])
    assert db.diff_stat("HEAD", "WORKING")["t"].rows_added == 1


def test_table_hashes_and_row_counts_at_commits(make_db):
    db = make_db(rows=[(1, "a"), (2, "b")])
    first = db.heads().commit
    sql(db, "create table `odd name-`` é` (id int primary key)")
    sql(db, "create view v as select 1")
    insert(db, [(3, "c")])
    _, reasons, tables = db.inspect_tables()
    assert set(tables.hashes) == {"t", "odd name-` é"}  # views have no table hash
    assert {"t", "odd name-` é"} <= tables.uncommitted
    assert reasons
    second = commit(db, "more")
    _, _, after = db.inspect_tables()
    assert after.uncommitted == frozenset()
    assert after.hashes == tables.hashes  # content-addressed: the commit changes nothing

    counts = db.row_counts([("t", first), ("t", second), ("odd name-` é", second)])
    assert counts == {("t", first): 2, ("t", second): 3, ("odd name-` é", second): 0}
    # A table a commit lacks is left out; the others are still counted.
    assert db.row_counts([("odd name-` é", first), ("t", first)]) == {("t", first): 2}
