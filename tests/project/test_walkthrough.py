"""The 2021 Dolt + DVC walkthrough on DVC 3, end to end: labels in, predictions out."""

import sys

import yaml
from helpers import commit, dolt, dvc, error_lines, git, git_commit, insert, sql

from dvc_dolt.dolt import Database, decode_checksum

# Reads labels, writes one prediction per label into the predictions database.
PREDICT = """
import os, subprocess
dolt = os.environ.get("DVC_DOLT_DOLT") or "dolt"
def q(db, query):
    return subprocess.run([dolt, "sql", "-r", "csv", "-q", query], cwd=db, check=True,
                          capture_output=True, text=True).stdout
rows = [line.split(",") for line in q("labels", "select id, v from t order by id").splitlines()[1:]]
if not os.path.isdir("predictions/.dolt"):
    os.makedirs("predictions", exist_ok=True)
    subprocess.run([dolt, "init", "-b", "main"], cwd="predictions", check=True, capture_output=True)
    q("predictions", "create table predictions (row_id int primary key, pred text, actual text)")
q("predictions", "delete from predictions")
values = ", ".join(f"({i}, 'guess', '{v}')" for i, v in rows)
q("predictions", f"insert into predictions values {values}")
subprocess.run([dolt, "add", "-A"], cwd="predictions", check=True, capture_output=True)
subprocess.run([dolt, "commit", "--allow-empty", "-m", "predict"], cwd="predictions",
               check=True, capture_output=True)
"""


def lock_commit(repo, path):
    lock = yaml.safe_load((repo / "dvc.lock").read_text())["stages"]["predict"]
    for entry in lock["deps"] + lock["outs"]:
        if entry["path"] == path:
            return decode_checksum(entry["checksum"]).commit
    raise KeyError(path)


def test_walkthrough(dvc_repo, make_db, dolt_bin, monkeypatch):
    monkeypatch.setenv("DVC_DOLT_DOLT", dolt_bin.path)
    repo = dvc_repo
    labels = make_db("labels", parent=repo, rows=[(1, "cat"), (2, "dog"), (3, "cat")])
    (repo / "predict.py").write_text(PREDICT)

    # 1. Track the labels; a dirty database is refused.
    insert(labels, [(4, "uncommitted")])
    proc = dvc(repo, "add", "labels", ok=False)
    assert "uncommitted changes to table 't'" in error_lines(proc)[0]
    sql(labels, "delete from t where id = 4")
    dvc(repo, "add", "labels")

    # 2. A stage reads labels and writes a predictions database.
    dvc(repo, "stage", "add", "--run", "-n", "predict", "-d", "labels", "-d", "predict.py",
        "-o", "predictions", f"{sys.executable} predict.py")  # fmt: skip
    predictions = Database(repo / "predictions")
    git_commit(repo, "mnist labels and predictions")
    first_labels, first_predictions = labels.heads(), predictions.heads()
    assert lock_commit(repo, "predictions") == first_predictions.commit

    # 3. The labels switch to another branch: status sees it, repro re-runs.
    dolt(labels.path, "checkout", "-b", "fashion")
    sql(labels, "update t set v = 'shoe' where id = 1")
    commit(labels, "fashion labels")
    status = dvc(repo, "status").stdout
    assert "modified:           labels" in status
    assert "predict:" in status
    dvc(repo, "commit", "-f", "labels.dvc")
    dvc(repo, "repro")
    assert lock_commit(repo, "labels") == labels.heads().commit
    assert (
        lock_commit(repo, "predictions") == predictions.heads().commit != first_predictions.commit
    )
    assert "shoe" in sql(predictions, "select actual from predictions where row_id = 1")
    git_commit(repo, "fashion labels and predictions")
    second_labels, second_predictions = labels.heads(), predictions.heads()

    # 4. Back to the first run's records: both databases return, nothing is lost.
    git(repo, "checkout", "HEAD~1", "--", "dvc.lock", "labels.dvc")
    out = dvc(repo, "checkout").stdout
    assert "labels/" in out
    assert "predictions/" in out
    assert labels.heads() == first_labels
    assert predictions.heads() == first_predictions
    assert labels.heads().branch == "fashion"  # the user's branch, moved, not a detached state
    assert labels.has_commit(second_labels.commit)
    assert predictions.has_commit(second_predictions.commit)
    assert f"dvc/kept/{second_predictions.commit}" in predictions.branches()
    assert dvc(repo, "status").stdout.strip() == "Data and pipelines are up to date."

    # And forward again.
    git(repo, "checkout", "HEAD", "--", "dvc.lock", "labels.dvc")
    dvc(repo, "checkout")
    assert labels.heads() == second_labels
    assert predictions.heads() == second_predictions
