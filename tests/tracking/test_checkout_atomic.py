"""`dvc checkout` is all or nothing: a database it may not restore stops it before
DVC changes any file, and DVC's own CheckoutError still reaches the user."""

import shutil

import pytest
import yaml
from helpers import (
    commit,
    default_remote,
    dvc,
    error_lines,
    git,
    git_commit,
    insert,
    offers_force,
    track,
)

UP_TO_DATE = "Data and pipelines are up to date."


def two_revisions(repo, make_db):
    """model.txt and labels recorded at an old and a new git revision; the old sha."""
    db = make_db("labels", parent=repo)
    (repo / "model.txt").write_text("old model")
    dvc(repo, "add", "labels", "model.txt")
    git_commit(repo, "old")
    old = git(repo, "rev-parse", "HEAD").strip()
    insert(db, [(3, "c")])
    commit(db, "new labels")
    (repo / "model.txt").write_text("new model")
    dvc(repo, "add", "labels", "model.txt")
    git_commit(repo, "new")
    return db, old


def drop_cached(repo, rev, dvcfile):
    """Delete the cache object that ``dvcfile`` records at git revision ``rev``."""
    md5 = yaml.safe_load(git(repo, "show", f"{rev}:{dvcfile}"))["outs"][0]["md5"]
    (repo / ".dvc" / "cache" / "files" / "md5" / md5[:2] / md5[2:]).unlink()


def test_dirty_database_stops_checkout_before_any_file_changes(dvc_repo, make_db):
    repo = dvc_repo
    db, old = two_revisions(repo, make_db)
    insert(db, [(4, "uncommitted")])
    dirty = db.heads()
    git(repo, "checkout", "-q", old)
    proc = dvc(repo, "checkout", ok=False)
    assert len(error_lines(proc)) == 1
    assert offers_force(proc)
    assert "uncommitted changes to table 't'" in proc.stderr
    assert (repo / "model.txt").read_text() == "new model"  # DVC changed nothing
    assert db.heads() == dirty
    # --force does both.
    dvc(repo, "checkout", "--force")
    assert (repo / "model.txt").read_text() == "old model"
    assert db.heads().commit != dirty.commit
    assert dvc(repo, "status").stdout.strip() == UP_TO_DATE


def test_missing_cache_of_a_file_still_reported_when_databases_are_fine(dvc_repo, make_db):
    repo = dvc_repo
    db, old = two_revisions(repo, make_db)
    new = db.heads()
    drop_cached(repo, old, "model.txt.dvc")
    git(repo, "checkout", "-q", old)
    proc = dvc(repo, "checkout", ok=False)
    assert "Checkout failed for following targets:\nmodel.txt" in proc.stderr
    assert "Is your cache up to date?" in proc.stderr
    assert "Traceback" not in proc.stderr
    # The database was restored all the same, as DVC restores what it can.
    assert db.heads() != new
    assert "labels" not in dvc(repo, "status").stdout


def test_missing_cache_and_missing_commit_both_reported(dvc_repo, make_db, tmp_path):
    repo = dvc_repo
    db, old = two_revisions(repo, make_db)
    # A database without the old commit: a fresh one with other history.
    shutil.rmtree(db.path)
    make_db("labels", parent=repo, rows=[(7, "other")])
    drop_cached(repo, old, "model.txt.dvc")
    git(repo, "checkout", "-q", old)
    proc = dvc(repo, "checkout", ok=False)
    assert "Checkout failed for following targets:" in proc.stderr
    assert "model.txt" in proc.stderr
    assert "labels" in proc.stderr
    assert "is not in Dolt database" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_checkout_is_one_dolt_process_when_the_heads_are_known(dvc_repo, make_db, dolt_trace):
    repo = dvc_repo
    _, old = two_revisions(repo, make_db)
    git(repo, "checkout", "-q", old)
    dolt_trace.dvc(repo, "checkout")
    # `dvc add` left the heads in the heads cache, so the look asks nothing
    # and the move is one process (it decides in dolt what to keep).
    assert len(dolt_trace) == 1, dolt_trace
    assert "dolt_reset" in " ".join(dolt_trace.argvs[-1])
    assert (repo / "model.txt").read_text() == "old model"
    assert dvc(repo, "status").stdout.strip() == UP_TO_DATE
    dolt_trace.dvc(repo, "checkout")
    # `dvc status` looked after the move: nothing left to ask.
    assert dolt_trace == []


def test_unknown_target_keeps_dvcs_own_suggestion(dvc_repo, make_db):
    """The look before DVC's checkout must not replace DVC's errors for bad targets."""
    track(dvc_repo, make_db, "labels")
    proc = dvc(dvc_repo, "checkout", "no-such-target", ok=False)
    assert "Did you mean `git checkout no-such-target`?" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


def back_to_old(repo, tmp_path, new_rev, old):
    """A checkout to the old revision: the heads it leaves are only a hint."""
    git(repo, "checkout", "-q", old)
    dvc(repo, "checkout")
    return new_rev, "old model"


def pushed(repo, tmp_path, new_rev, old):
    """A push, which writes remote-tracking refs: the heads on file stay only as a hint."""
    default_remote(repo, tmp_path / "store", "store")
    dvc(repo, "push")
    return old, "new model"


@pytest.mark.parametrize("before", [back_to_old, pushed], ids=["after a checkout", "after a push"])
def test_work_done_since_the_heads_were_filed_as_a_hint_stops_a_checkout(
    dvc_repo, make_db, tmp_path, before
):
    """Uncommitted work made since a hint was filed is seen before DVC changes any file."""
    repo = dvc_repo
    db, old = two_revisions(repo, make_db)
    target, model = before(repo, tmp_path, git(repo, "rev-parse", "HEAD").strip(), old)
    assert (repo / "model.txt").read_text() == model
    insert(db, [(4, "uncommitted")])
    dirty = db.heads()
    # Status sees the work too.
    assert "modified:           labels" in dvc(repo, "status").stdout
    git(repo, "checkout", "-q", target)
    proc = dvc(repo, "checkout", ok=False)
    assert "uncommitted changes to table 't'" in proc.stderr
    assert (repo / "model.txt").read_text() == model  # DVC changed nothing
    assert db.heads() == dirty
