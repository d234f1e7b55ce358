"""`dvc exp run --queue`, `dvc queue start -j N` and `dvc exp run --run-all`
with Dolt databases: DVC's celery workers run each experiment in a temporary
copy of the git repository; each database reaches the copy at the commit
noted when the experiment was queued, and the commits its stages make come
back to the workspace's database on branch `dvc/exp/<name>`."""

import json
import sys

import pytest
from helpers import (
    commit,
    dolt,
    dvc,
    error_lines,
    git,
    git_commit,
    insert,
    require_extra,
    wait_for_queue,
)

from dvc_dolt import api
from dvc_dolt.dolt import Database

require_extra("pandas", "api")

COUNT = """\
import json
from dvc_dolt import api

json.dump({"labels": len(api.read("labels", "t"))}, open("count.json", "w"))
"""


def scores(repo):
    return api.read(repo / "scores", "scores").sort_values("id")["score"].tolist()


def branches(db):
    rows = dolt(db.path, "sql", "-r", "csv", "-q", "select name, hash from dolt_branches")
    return dict(line.split(",") for line in rows.splitlines()[1:])


@pytest.fixture
def stopped_queue(exp_repo):
    yield exp_repo
    dvc(exp_repo, "queue", "stop", "--kill", ok=None)


@pytest.mark.timeout(600)
def test_two_workers_write_one_database_and_keep_both_experiments(stopped_queue):
    repo = stopped_queue
    scores_db = Database(repo / "scores")
    before = scores_db.heads()
    dvc(repo, "exp", "run", "--queue", "-S", "scale=5", "-n", "five")
    dvc(repo, "exp", "run", "--queue", "-S", "scale=7", "-n", "seven")
    dvc(repo, "queue", "start", "-j", "2")
    states = wait_for_queue(repo, ["five", "seven"])
    assert states == {"five": "Success", "seven": "Success"}, states

    # Both sets of commits reached the workspace database, each on its branch,
    # and neither worker moved its heads.
    assert scores_db.heads() == before
    made = branches(scores_db)
    assert made["dvc/exp/five"] != made["dvc/exp/seven"]
    assert "No problems found." in dolt(scores_db.path, "fsck")

    dvc(repo, "exp", "apply", "five")
    assert scores_db.heads().commit == made["dvc/exp/five"]
    assert scores(repo) == [5, 10]
    dvc(repo, "exp", "apply", "seven")
    assert scores_db.heads().commit == made["dvc/exp/seven"]
    assert scores(repo) == [7, 14]


@pytest.mark.timeout(600)
def test_run_all_runs_queued_experiments(exp_repo):
    repo = exp_repo
    dvc(repo, "exp", "run", "--queue", "-S", "scale=3", "-n", "three")
    dvc(repo, "exp", "run", "--run-all")
    made = branches(Database(repo / "scores"))["dvc/exp/three"]
    dvc(repo, "exp", "apply", "three")
    assert Database(repo / "scores").heads().commit == made
    assert scores(repo) == [3, 6]


@pytest.mark.timeout(600)
def test_queued_experiment_reads_the_commit_noted_when_it_was_queued(
    dvc_repo, make_db, monkeypatch
):
    # `labels` is only read by the stage: no .dvc file, no output records its
    # commit, so what the experiment reads is what it was queued with.
    repo = dvc_repo
    monkeypatch.chdir(repo)
    labels = make_db("labels", parent=repo)
    (repo / "count.py").write_text(COUNT)
    (repo / "params.yaml").write_text("seed: 1\n")
    dvc(repo, "stage", "add", "-n", "count", "-d", "count.py", "-d", "labels", "-p", "seed",
        "-M", "count.json", f"{sys.executable} count.py")  # fmt: skip
    dvc(repo, "repro")
    # Kept out of git, as a database is: the copy gets it from dvc-dolt only.
    (repo / ".gitignore").write_text("/labels\n")
    git_commit(repo, "baseline")
    assert not git(repo, "ls-files", "labels")
    queued_at = labels.heads().commit

    dvc(repo, "exp", "run", "--queue", "-S", "seed=2", "-n", "early")
    insert(labels, [(3, "c")])
    later = commit(labels, "a third label, after queueing")
    try:
        dvc(repo, "queue", "start")
        assert wait_for_queue(repo, ["early"]) == {"early": "Success"}
    finally:
        dvc(repo, "queue", "stop", "--kill", ok=None)

    ref = git(repo, "rev-parse", "refs/exps/" + _exp_ref_path(repo, "early")).strip()
    assert json.loads(git(repo, "show", f"{ref}:count.json")) == {"labels": 2}
    lock = git(repo, "show", f"{ref}:dvc.lock")
    assert queued_at in lock, lock
    assert later not in lock, lock
    assert labels.heads().commit == later  # the workspace database is as the user left it
    # The note is gone once the experiment's copy was made.
    assert not list((repo / ".dvc" / "tmp" / "dolt" / "queued").glob("*.json"))


def _exp_ref_path(repo, name):
    refs = git(repo, "for-each-ref", "--format=%(refname)", "refs/exps").split()
    (ref,) = [r for r in refs if r.endswith("/" + name)]
    return ref[len("refs/exps/") :]


@pytest.mark.timeout(120)
def test_queue_refuses_a_dirty_database(exp_repo):
    repo = exp_repo
    labels = Database(repo / "labels")
    dolt(labels.path, "sql", "-q", "insert into t values (9, 'z')")
    before = labels.heads()
    proc = dvc(repo, "exp", "run", "--queue", "-S", "scale=5", ok=False)
    lines = error_lines(proc)
    assert lines[0].startswith("ERROR: cannot run an experiment outside the workspace"), lines
    assert "Dolt database 'labels'" in proc.stderr
    assert "Traceback" not in proc.stderr
    # Refused before DVC stashed anything: nothing queued, nothing changed.
    assert labels.heads() == before
    assert "scale: 1" in (repo / "params.yaml").read_text()
    assert "Queued" not in dvc(repo, "queue", "status").stdout
    shown = json.loads(dvc(repo, "exp", "show", "--no-pager", "--json").stdout)
    assert [row.get("experiments") for row in shown] == [None, None], shown
