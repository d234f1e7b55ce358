"""`dvc exp run` / `dvc exp apply` with Dolt dependencies and outputs."""

import pytest
from helpers import dolt, dvc, error_lines, require_extra

from dvc_dolt import api
from dvc_dolt.dolt import Database

require_extra("pandas", "api")


def scores(repo):
    return api.read(repo / "scores", "scores").sort_values("id")["score"].tolist()


def test_each_experiment_keeps_its_output_commit(exp_repo):
    repo = exp_repo
    db = Database(repo / "scores")
    dvc(repo, "exp", "run", "-S", "scale=2", "-n", "double")
    assert scores(repo) == [2, 4]
    double = db.heads().commit
    dvc(repo, "exp", "run", "-S", "scale=3", "-n", "triple")
    assert scores(repo) == [3, 6]
    triple = db.heads().commit
    refs = dict(
        line.split(",")
        for line in dolt(db.path, "sql", "-r", "csv", "-q",
                         "select name, hash from dolt_branches").splitlines()[1:]
    )  # fmt: skip
    assert refs["dvc/exp/double"] == double
    assert refs["dvc/exp/triple"] == triple

    shown = dvc(repo, "exp", "show", "--no-pager").stdout
    assert "double" in shown
    assert "triple" in shown

    dvc(repo, "exp", "apply", "double")
    assert db.heads().commit == double
    assert scores(repo) == [2, 4]
    assert dvc(repo, "status").stdout.strip() == "Data and pipelines are up to date."


def test_apply_refuses_a_dirty_database(exp_repo):
    repo = exp_repo
    dvc(repo, "exp", "run", "-S", "scale=2", "-n", "double")
    db = Database(repo / "scores")
    dolt(db.path, "sql", "-q", "insert into scores values (9, 9)")
    before = db.heads()
    proc = dvc(repo, "exp", "apply", "double", ok=False)
    (line,) = error_lines(proc)
    assert line.startswith("ERROR: cannot apply an experiment over Dolt database 'scores'")
    assert "uncommitted" in line
    assert db.heads() == before


@pytest.mark.timeout(300)
def test_apply_over_a_workspace_pipeline_that_does_not_load(exp_repo):
    # DVC's apply replaces the workspace's params.yaml: a broken one must not
    # stop it (DVC's own test_apply_untracked), nor the dirty-database check.
    repo = exp_repo
    dvc(repo, "exp", "run", "-S", "scale=2", "-n", "double")
    db = Database(repo / "scores")
    double = db.heads().commit
    dvc(repo, "exp", "run", "-S", "scale=3", "-n", "triple")
    (repo / "params.yaml").write_text("conflict")
    dolt(db.path, "sql", "-q", "insert into scores values (9, 9)")
    dirty = db.heads()
    proc = dvc(repo, "exp", "apply", "double", ok=False)
    (line,) = error_lines(proc)
    assert line.startswith("ERROR: cannot apply an experiment over Dolt database 'scores'")
    assert db.heads() == dirty

    dolt(db.path, "reset", "--hard")
    dvc(repo, "exp", "apply", "double")
    assert "scale: 2" in (repo / "params.yaml").read_text()
    assert db.heads().commit == double
