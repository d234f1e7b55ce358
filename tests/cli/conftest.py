"""Fixtures shared by the CLI tests."""

import sys

import pytest
from helpers import SCALE, dvc, git


@pytest.fixture
def exp_repo(dvc_repo, make_db, monkeypatch):
    repo = dvc_repo
    monkeypatch.chdir(repo)
    make_db("labels", parent=repo)
    make_db("scores", parent=repo, rows=[], table="placeholder")
    (repo / "scale.py").write_text(SCALE)
    (repo / "params.yaml").write_text("scale: 1\n")
    dvc(repo, "add", "labels")
    dvc(repo, "stage", "add", "-n", "score", "-d", "scale.py", "-d", "labels", "-p", "scale",
        "-o", "scores", f"{sys.executable} scale.py")  # fmt: skip
    dvc(repo, "repro")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "baseline")
    return repo


@pytest.fixture
def pushed_repo(dvc_repo, make_db, tmp_path):
    """A project whose database `labels` is pushed to a local DVC remote."""
    make_db("labels", rows=[(1, "a"), (2, "b")], parent=dvc_repo)
    dvc(dvc_repo, "add", "labels")
    dvc(dvc_repo, "remote", "add", "-d", "storage", str(tmp_path / "storage"))
    git(dvc_repo, "add", "-A")
    git(dvc_repo, "commit", "-qm", "labels")
    dvc(dvc_repo, "push")
    return dvc_repo
