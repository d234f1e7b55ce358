"""push and pull start as few dolt processes as they can, and never at the
cost of pushing to the wrong place (counted, not timed)."""

from helpers import DoltTrace, commit, dolt, dvc, git, insert

from dvc_dolt.dolt import Database


def traced(repo, trace, *args):
    """Run `dvc <args>`; the dolt argv lists it started (the version probe aside)."""
    traced = DoltTrace(trace)
    traced.dvc(repo, *args)
    return [argv for argv in traced if argv != ["version"]]


def new_commit(repo, value):
    db = Database(repo / "labels")
    insert(db, [(10 + len(value), value)])
    commit(db, value)
    dvc(repo, "commit", "-f", "labels.dvc")
    return db.heads().commit


def test_a_second_push_is_one_dolt_process(pushed_repo, tmp_path):
    head = new_commit(pushed_repo, "second")
    calls = traced(pushed_repo, tmp_path / "trace", "push")
    assert [c[0] for c in calls] == ["push"]
    assert f"{head}:refs/heads/dvc/pin/{head}" in calls[0]

    # The pin is really there: a fresh clone pulls that commit.
    fresh = tmp_path / "fresh"
    git(pushed_repo, "commit", "-qam", "second")
    git(tmp_path, "clone", "-q", str(pushed_repo), str(fresh))
    dvc(fresh, "pull")
    assert Database(fresh / "labels").heads().commit == head


def test_a_moved_dvc_remote_is_pushed_to_in_its_new_place(pushed_repo, tmp_path):
    new_commit(pushed_repo, "second")
    dvc(pushed_repo, "remote", "modify", "storage", "url", str(tmp_path / "elsewhere"))
    calls = traced(pushed_repo, tmp_path / "trace", "push")
    assert calls[-1][0] == "push"
    assert (tmp_path / "elsewhere" / "dolt" / "labels").is_dir()
    remotes = dolt(pushed_repo / "labels", "remote", "-v")
    assert (tmp_path / "elsewhere" / "dolt" / "labels").as_uri() in remotes
    assert (tmp_path / "storage" / "dolt" / "labels").as_uri() not in remotes


def test_a_remote_removed_by_hand_is_added_again(pushed_repo, tmp_path):
    new_commit(pushed_repo, "second")
    dolt(pushed_repo / "labels", "remote", "remove", "dvc-storage")
    calls = traced(pushed_repo, tmp_path / "trace", "push")
    assert [c[0] for c in calls] == ["remote", "push"]
    assert "dvc-storage" in dolt(pushed_repo / "labels", "remote", "-v")


def test_a_remote_pointed_elsewhere_by_hand_is_put_back(pushed_repo, tmp_path):
    """The user re-aimed dvc-dolt's remote: the push still goes to the DVC remote."""
    new_commit(pushed_repo, "second")
    db = pushed_repo / "labels"
    dolt(db, "remote", "remove", "dvc-storage")
    dolt(db, "remote", "add", "dvc-storage", (tmp_path / "mine").as_uri())
    traced(pushed_repo, tmp_path / "trace", "push")
    assert (tmp_path / "storage" / "dolt" / "labels").as_uri() in dolt(db, "remote", "-v")
    # (`dolt remote add` makes the directory of a file:// remote, empty.)
    assert not any((tmp_path / "mine").iterdir())


def test_pull_in_a_fresh_clone_is_a_clone_and_a_rename(pushed_repo, tmp_path):
    head = Database(pushed_repo / "labels").heads()
    fresh = tmp_path / "fresh"
    git(tmp_path, "clone", "-q", str(pushed_repo), str(fresh))
    calls = traced(fresh, tmp_path / "trace", "pull")
    assert [c[0] for c in calls] == ["clone", "sql"]
    pulled = Database(fresh / "labels")
    assert pulled.heads() == head
    assert pulled.heads().branch == "main"
    # What the pull learnt holds: status, checkout and another pull ask nothing.
    for args in (["status"], ["checkout"], ["pull"], ["fetch"]):
        assert traced(fresh, tmp_path / "trace", *args) == [], args


def test_a_pull_after_a_new_commit_still_asks_dolt(pushed_repo, tmp_path):
    """The database moved on since the last look: the cache must not answer for it."""
    recorded = Database(pushed_repo / "labels").heads().commit
    fresh = tmp_path / "fresh"
    git(tmp_path, "clone", "-q", str(pushed_repo), str(fresh))
    dvc(fresh, "pull")
    db = Database(fresh / "labels")
    insert(db, [(7, "local")])
    local = commit(db, "local")
    proc = dvc(fresh, "pull")
    assert db.heads().commit == recorded
    assert f"commit {local}" in proc.stderr + proc.stdout
    assert f"dvc/kept/{local}" in db.branches()
