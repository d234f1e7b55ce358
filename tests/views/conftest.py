"""The project the lineage and diff tests look at."""

import sys

import pytest
from helpers import commit, dvc, git, git_commit, insert, require_extra, sql

PREDICT = """\
from dvc_dolt import api

labels = api.read("labels", "t")
labels["v"] = labels["v"].str.upper()
api.save(labels.rename(columns={"v": "pred"}), "preds", "preds", primary_key="id",
         message="predictions")
"""
REPORT = """\
from dvc_dolt import api

preds = api.read("preds", sql="select count(*) as n from preds")
open("report.txt", "w").write(f"{int(preds['n'][0])} predictions\\n")
"""


@pytest.fixture
def two_stage_repo(dvc_repo, make_db, monkeypatch):
    """labels (dvc add) -> predict -> preds (Dolt) -> report -> report.txt; two runs."""
    require_extra("pandas", "api")  # the stages save through dvc_dolt.api
    repo = dvc_repo
    monkeypatch.chdir(repo)
    labels = make_db("labels", parent=repo)
    preds = make_db("preds", parent=repo, rows=[], table="placeholder")
    (repo / "predict.py").write_text(PREDICT)
    (repo / "report.py").write_text(REPORT)
    dvc(repo, "add", "labels")
    python = sys.executable
    dvc(repo, "stage", "add", "-n", "predict", "-d", "predict.py", "-d", "labels",
        "-o", "preds", f"{python} predict.py")  # fmt: skip
    dvc(repo, "stage", "add", "-n", "report", "-d", "report.py", "-d", "preds",
        "-o", "report.txt", f"{python} report.py")  # fmt: skip
    dvc(repo, "repro")
    git_commit(repo, "first run")
    git(repo, "tag", "run1")
    first = {"labels": labels.heads(), "preds": preds.heads()}

    sql(labels, "update t set v = 'z' where id = 1")
    insert(labels, [(3, "c")])
    commit(labels, "relabel")
    dvc(repo, "commit", "-f", "labels.dvc")
    dvc(repo, "repro")
    git_commit(repo, "second run")
    second = {"labels": labels.heads(), "preds": preds.heads()}
    return repo, first, second
