"""`dvc exp run --temp` with Dolt databases: the temporary copy of the git
repository gets each database (cloned from the workspace's), and the
experiment's output commits come back to the workspace's databases."""

import shutil

import pytest
from helpers import commit, default_remote, dolt, dvc, error_lines, git, insert, require_extra

from dvc_dolt import api
from dvc_dolt.dolt import Database

require_extra("pandas", "api")


def scores(repo):
    return api.read(repo / "scores", "scores").sort_values("id")["score"].tolist()


def branches(db):
    rows = dolt(db.path, "sql", "-r", "csv", "-q", "select name, hash from dolt_branches")
    return dict(line.split(",") for line in rows.splitlines()[1:])


def lock_of(repo, rev):
    return git(repo, "show", f"{rev}:dvc.lock")


@pytest.mark.timeout(300)
def test_temp_run_reads_the_recorded_commit_and_brings_its_output_back(exp_repo):
    repo = exp_repo
    labels, scores_db = Database(repo / "labels"), Database(repo / "scores")
    # The workspace's labels move on to a third row, committed in Dolt but not
    # recorded by DVC: DVC records it in the experiment (it commits data
    # dependencies when it queues), and the stage must read exactly that.
    insert(labels, [(3, "c")])
    new_labels = commit(labels, "third label")
    before = scores_db.heads()

    dvc(repo, "exp", "run", "--temp", "-S", "scale=2", "-n", "double")

    # The temporary run touched neither workspace database's heads.
    assert scores_db.heads() == before
    assert labels.heads().commit == new_labels
    (ref,) = [
        r
        for r in git(repo, "for-each-ref", "--format=%(refname)", "refs/exps").split()
        if r.endswith("/double")
    ]
    lock = lock_of(repo, ref)
    assert new_labels in lock, lock  # the stage read the recorded commit
    # Its output commit came back to the workspace database, on its branch.
    made = branches(scores_db)["dvc/exp/double"]
    assert made in lock
    assert not [b for b in branches(scores_db) if b.startswith("dvc/pin/")]

    dvc(repo, "exp", "apply", "double")
    assert scores_db.heads().commit == made
    assert scores(repo) == [2, 4, 6]  # three labels: it saw the third row


@pytest.mark.timeout(120)
def test_temp_run_refuses_a_dirty_database(exp_repo):
    repo = exp_repo
    labels = Database(repo / "labels")
    dolt(labels.path, "sql", "-q", "insert into t values (9, 'z')")
    before = labels.heads()
    proc = dvc(repo, "exp", "run", "--temp", "-S", "scale=2", ok=False)
    lines = error_lines(proc)
    assert lines[0].startswith("ERROR: cannot run an experiment outside the workspace"), lines
    assert "labels" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert labels.heads() == before
    assert "scale: 1" in (repo / "params.yaml").read_text()
    assert not git(repo, "for-each-ref", "refs/exps").strip()


@pytest.mark.timeout(400)
def test_exp_push_then_pull_in_a_fresh_clone_then_apply(exp_repo, tmp_path):
    repo = exp_repo
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", str(origin))
    # The databases' remote is the project's own git repository: code, refs of
    # experiments and their Dolt commits all go to one place (folder remotes:
    # every other sharing test).
    default_remote(repo, "git+remote://origin", "origin")
    git(repo, "commit", "-qam", "databases go to origin")
    git(repo, "remote", "add", "origin", str(origin))
    git(repo, "push", "-q", "origin", "main")
    dvc(repo, "push")
    dvc(repo, "exp", "run", "--temp", "-S", "scale=2", "-n", "double")
    made = branches(Database(repo / "scores"))["dvc/exp/double"]

    dvc(repo, "exp", "push", "origin", "double")

    fresh = tmp_path / "fresh"
    git(tmp_path, "clone", "-q", "-b", "main", str(origin), str(fresh))
    dvc(fresh, "pull")
    dvc(fresh, "exp", "pull", "origin", "double")
    dvc(fresh, "exp", "apply", "double")
    assert Database(fresh / "scores").heads().commit == made
    assert scores(fresh) == [2, 4]
    refs = git(origin, "for-each-ref", "--format=%(refname)").split()
    assert {"refs/dolt/labels", "refs/dolt/scores"} <= set(refs)


@pytest.mark.timeout(120)
def test_temp_run_says_to_pull_a_recorded_commit_the_workspace_lacks(exp_repo, make_db):
    repo = exp_repo
    recorded = Database(repo / "scores").heads().commit
    # Another database took the place of scores: the recorded commit is not in it.
    shutil.rmtree(repo / "scores")
    make_db("scores", parent=repo, rows=[], table="placeholder")
    proc = dvc(repo, "exp", "run", "--temp", "-S", "scale=2", ok=False)
    (line,) = error_lines(proc)
    assert "'scores'" in line, line
    assert recorded in line, line
    assert "dvc fetch scores" in line, line
    assert "Traceback" not in proc.stderr
    assert not git(repo, "for-each-ref", "refs/exps").strip()


SABOTAGE = """
import os
import shutil

# The exchange store of 'scores' becomes a plain file: the commit cannot go back.
store = os.path.join(os.environ["DVC_ROOT"], ".dvc", "tmp", "dolt", "exchange", "scores")
shutil.rmtree(store)
open(store, "w").close()
"""


@pytest.mark.timeout(300)
def test_temp_run_keeps_a_commit_it_could_not_bring_back(exp_repo):
    repo = exp_repo
    with open(repo / "scale.py", "a") as script:
        script.write(SABOTAGE)
    proc = dvc(repo, "exp", "run", "--temp", "-S", "scale=2", "-n", "double", ok=False)
    (line,) = error_lines(proc)
    assert line.startswith("ERROR: Dolt database 'scores': commit "), line
    assert "Traceback" not in proc.stderr
    (ref,) = [
        r
        for r in git(repo, "for-each-ref", "--format=%(refname)", "refs/exps").split()
        if r.endswith("/double")
    ]
    kept = Database(repo / ".dvc" / "tmp" / "dolt" / "stranded" / "double" / "scores")
    assert f"kept at '{kept.path}'" in proc.stderr
    # The database kept aside holds the experiment's commit, as its HEAD.
    made = kept.heads().commit
    assert made in lock_of(repo, ref)
    assert "`dvc exp apply double` tries again" in proc.stderr

    # While the store stays broken, apply says so and changes nothing.
    scores_db = Database(repo / "scores")
    before = scores_db.heads()
    proc = dvc(repo, "exp", "apply", "double", ok=False)
    (line,) = error_lines(proc)
    assert f"commit {made} of experiment 'double' is only in" in line, line
    assert "scale: 1" in (repo / "params.yaml").read_text()
    assert scores_db.heads() == before

    # Once it is mended, apply brings the commit back first, then restores it.
    (repo / ".dvc" / "tmp" / "dolt" / "exchange" / "scores").unlink()
    dvc(repo, "exp", "apply", "double")
    assert scores_db.heads().commit == made
    assert branches(scores_db)["dvc/exp/double"] == made
    assert not kept.path.exists()
    assert "scale: 2" in (repo / "params.yaml").read_text()


def refs_at(db, commit):
    """Every branch and remote-tracking ref of ``db`` whose head is ``commit``."""
    rows = dolt(db.path, "sql", "-r", "csv", "-q",
                "select name, hash from dolt_branches union all "
                "select name, hash from dolt_remote_branches")  # fmt: skip
    return [line.split(",")[0] for line in rows.splitlines()[1:] if line.endswith("," + commit)]


@pytest.mark.timeout(300)
def test_removed_experiment_lets_prune_and_gc_free_its_commit(exp_repo):
    repo = exp_repo
    scores_db = Database(repo / "scores")
    dvc(repo, "exp", "run", "--temp", "-S", "scale=2", "-n", "double")
    made = branches(scores_db)["dvc/exp/double"]
    # The branch alone holds the commit: no ref left from its trip through the
    # exchange store.
    assert refs_at(scores_db, made) == ["dvc/exp/double"]
    dvc(repo, "dolt", "prune")
    assert "dvc/exp/double" in branches(scores_db)  # the experiment still exists

    dvc(repo, "exp", "remove", "double")
    dvc(repo, "dolt", "prune")
    assert "dvc/exp/double" not in branches(scores_db)
    assert refs_at(scores_db, made) == []
    dolt(scores_db.path, "gc")
    assert made not in dolt(scores_db.path, "log", "--all", "--oneline")
    assert not scores_db.has_commit(made)
