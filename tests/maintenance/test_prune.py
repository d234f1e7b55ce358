"""`dvc dolt prune`: dvc-dolt's branches go when no git revision needs them."""

from helpers import commit, dolt, dvc, git, git_commit, insert, survives_gc

from dvc_dolt.dolt import Database


def recorded(repo, db, message):
    dvc(repo, "add", db.path.name)
    git_commit(repo, message)
    return git(repo, "rev-parse", "HEAD").strip()


def test_prune_deletes_only_what_no_revision_needs(dvc_repo, make_db):
    repo = dvc_repo
    db = make_db("labels", parent=repo)
    first_rev = recorded(repo, db, "labels A")
    a = db.heads().commit
    insert(db, [(3, "b")])
    b = commit(db, "B")
    second_rev = recorded(repo, db, "labels B")
    insert(db, [(4, "c")])
    c = commit(db, "C, never recorded")
    dvc(repo, "checkout")  # back to B; C kept
    git(repo, "checkout", "-q", first_rev)
    dvc(repo, "checkout")  # back to A; B reached from dvc/kept/C
    dolt(db.path, "branch", "dvc/exp/gone", c)  # an experiment since removed
    assert sorted(db.branches()) == ["dvc/exp/gone", f"dvc/kept/{c}", "main"]

    # Only C's branches reach B, which the second revision records: one stays.
    proc = dvc(repo, "dolt", "prune", "--dry-run")
    assert proc.stdout.splitlines() == [
        "Would delete branch 'dvc/exp/gone' of Dolt database 'labels'"
    ]
    assert sorted(db.branches()) == ["dvc/exp/gone", f"dvc/kept/{c}", "main"]
    dvc(repo, "dolt", "prune")
    assert sorted(db.branches()) == [f"dvc/kept/{c}", "main"]
    assert survives_gc(db, b)

    # Once B is on main, nothing needs C: its branch goes, and dolt gc drops it.
    git(repo, "checkout", "-q", second_rev)
    dvc(repo, "checkout")
    assert db.heads().commit == b
    proc = dvc(repo, "dolt", "prune")
    assert proc.stdout.splitlines() == [f"Deleted branch 'dvc/kept/{c}' of Dolt database 'labels'"]
    assert db.branches() == ["main"]
    assert survives_gc(db, a)
    assert survives_gc(db, b)
    assert not survives_gc(db, c)
    assert dvc(repo, "dolt", "prune").stdout.strip() == "Nothing to prune."


def test_prune_keeps_what_only_an_old_revision_needs(dvc_repo, make_db):
    repo = dvc_repo
    db = make_db("labels", parent=repo)
    recorded(repo, db, "labels A")
    insert(db, [(3, "b")])
    b = commit(db, "B")
    recorded(repo, db, "labels B")
    # Rewrite the database's history: main no longer reaches B.
    dolt(db.path, "reset", "--hard", "HEAD~1")
    dolt(db.path, "branch", f"dvc/kept/{b}", b)
    insert(db, [(5, "e")])
    commit(db, "E")
    recorded(repo, db, "labels E")
    assert dvc(repo, "dolt", "prune").stdout.strip() == "Nothing to prune."
    assert f"dvc/kept/{b}" in Database(db.path).branches()
    assert survives_gc(db, b)


def test_prune_counts_what_revisions_record_under_an_old_path(dvc_repo, make_db):
    repo = dvc_repo
    db = make_db("labels", parent=repo)
    insert(db, [(3, "a")])
    a = commit(db, "A")
    recorded(repo, db, "labels A")
    dvc(repo, "move", "labels", "renamed")
    moved = Database(repo / "renamed")
    # Rewritten in the same git commit as the move: only the old path records A.
    dolt(moved.path, "branch", f"dvc/kept/{a}", a)
    dolt(moved.path, "reset", "--hard", "HEAD~1")
    insert(moved, [(5, "e")])
    commit(moved, "E")
    recorded(repo, moved, "moved and rewritten")
    assert dvc(repo, "dolt", "prune").stdout.strip() == "Nothing to prune."
    assert survives_gc(moved, a)


def test_prune_deletes_the_scratch_branch_of_a_killed_restore(dvc_repo, make_db):
    """A restore holds HEAD's commit on dvc/restoring/<id> for one process; a
    kill -9 at that moment leaves it, and prune treats it as a kept branch."""
    repo = dvc_repo
    db = make_db("labels", parent=repo)
    recorded(repo, db, "labels A")
    insert(db, [(3, "b")])
    b = commit(db, "B, never recorded")
    dvc(repo, "checkout")  # back to A; B kept
    dolt(db.path, "branch", "dvc/restoring/0123abcd", b)
    assert sorted(db.branches()) == [f"dvc/kept/{b}", "dvc/restoring/0123abcd", "main"]
    proc = dvc(repo, "dolt", "prune")
    assert sorted(proc.stdout.splitlines()) == [
        f"Deleted branch 'dvc/kept/{b}' of Dolt database 'labels'",
        "Deleted branch 'dvc/restoring/0123abcd' of Dolt database 'labels'",
    ]
    assert db.branches() == ["main"]
