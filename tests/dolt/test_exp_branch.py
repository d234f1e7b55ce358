"""Database.set_branch moves a branch without losing the commit it leaves."""

from helpers import commit, dolt, insert, two_commits


def test_new_branch_keeps_nothing(make_db):
    db, first, _ = two_commits(make_db)
    assert db.set_branch("dvc/exp/a", first) is None
    assert "dvc/exp/a" in db.branches()


def test_moving_off_a_commit_no_ref_reaches_keeps_it(make_db):
    db, first, second = two_commits(make_db)
    dolt(db.path, "checkout", "-b", "side", first)
    insert(db, [(9, "side")])
    side = commit(db, "side work")
    dolt(db.path, "checkout", "main")
    dolt(db.path, "branch", "-D", "side")
    db.set_branch("dvc/exp/a", side)
    assert db.set_branch("dvc/exp/a", second) == f"dvc/kept/{side}"
    assert f"dvc/kept/{side}" in db.branches()
    # Moving again off a commit the kept branch holds adds nothing.
    db.set_branch("dvc/exp/a", side)
    assert db.set_branch("dvc/exp/a", first) is None


def test_moving_forward_or_off_a_commit_another_ref_reaches_keeps_nothing(make_db):
    db, first, second = two_commits(make_db)
    db.set_branch("dvc/exp/a", first)
    assert db.set_branch("dvc/exp/a", second) is None  # first is in second's history
    assert db.set_branch("dvc/exp/a", first) is None  # main reaches second
    dolt(db.path, "tag", "v1", second)
    assert db.set_branch("dvc/exp/a", second) is None


def test_unrelated_histories_keep_the_commit(make_db, file_remote):
    """dolt_merge_base fails without a common ancestor: the plainer check keeps it."""
    src = make_db("src", rows=[(7, "x")])
    theirs = src.heads().commit
    dolt(src.path, "remote", "add", "r", file_remote)
    dolt(src.path, "push", "r", "main")
    db, first, _ = two_commits(make_db)
    dolt(db.path, "remote", "add", "r", file_remote)
    dolt(db.path, "fetch", "r", "main")
    db.set_branch("dvc/exp/a", theirs)
    assert db.set_branch("dvc/exp/a", first) == f"dvc/kept/{theirs}"
