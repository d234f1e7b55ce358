"""Lineage from dvc.lock: `dvc dolt lineage`, the api's three questions, `dvc diff`."""

import json
import os
import sys
import textwrap

import pytest
from helpers import commit, dolt, dvc, git, insert, require_extra, sql

from dvc_dolt import api
from dvc_dolt.dolt import Database

require_extra("pandas", "api")

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
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "first run")
    git(repo, "tag", "run1")
    first = {"labels": labels.heads(), "preds": preds.heads()}

    sql(labels, "update t set v = 'z' where id = 1")
    insert(labels, [(3, "c")])
    commit(labels, "relabel")
    dvc(repo, "commit", "-f", "labels.dvc")
    dvc(repo, "repro")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "second run")
    second = {"labels": labels.heads(), "preds": preds.heads()}
    return repo, first, second


def test_lineage_command(two_stage_repo):
    repo, first, second = two_stage_repo
    found = json.loads(dvc(repo, "dolt", "lineage", "HEAD~1", "--json").stdout)
    rows = {(u["stage"], u["role"], u["path"]): u for u in found}
    assert set(rows) == {
        ("labels.dvc", "wrote", "labels"),
        ("predict", "read", "labels"),
        ("predict", "wrote", "preds"),
        ("report", "read", "preds"),
    }
    assert rows[("predict", "read", "labels")]["commit"] == first["labels"].commit
    assert rows[("predict", "wrote", "preds")]["commit"] == first["preds"].commit
    # The first run's labels commit is in main's history, not at its tip.
    assert rows[("predict", "read", "labels")]["branches"] == ["main"]

    table = dvc(repo, "dolt", "lineage", "HEAD", "predict").stdout
    lines = [line.split() for line in table.splitlines()]
    assert ["predict", "read", "labels", second["labels"].commit, "main"] in lines
    assert ["predict", "wrote", "preds", second["preds"].commit, "main"] in lines
    assert not any("report" in line for line in lines)

    md = dvc(repo, "dolt", "lineage", "HEAD", "predict", "--md").stdout
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in md.strip().splitlines()]
    assert all(line.startswith("|") for line in md.strip().splitlines()), md
    assert cells[0][:3] == ["Stage", "Role", "Database"]
    assert set(cells[1][0]) <= set("-: ")  # Markdown's header rule
    assert ["predict", "read", "labels", second["labels"].commit, "main"] in cells[2:]
    assert ["predict", "wrote", "preds", second["preds"].commit, "main"] in cells[2:]

    proc = dvc(repo, "dolt", "lineage", "HEAD", "nosuch", ok=False)
    assert "ERROR: no stage 'nosuch' in" in proc.stderr.replace("at revision 'HEAD'", "in")


def test_the_three_questions(two_stage_repo):
    _repo, first, second = two_stage_repo
    # 1. Given a stage at a revision: the exact data it read.
    old = api.read_input("predict", "labels", "t", rev="HEAD~1")
    assert old.sort_values("id")["v"].tolist() == ["a", "b"]
    new = api.read_input("predict", table="t", rev="HEAD")
    assert new.sort_values("id")["v"].tolist() == ["z", "b", "c"]
    # 2. Given two revisions: did the stage read the same data?
    assert not api.same_inputs("predict", "HEAD~1", "HEAD")
    assert api.changed_inputs("predict", "HEAD~1", "HEAD") == {
        "labels": (first["labels"].commit, second["labels"].commit)
    }
    assert api.same_inputs("predict", "HEAD", "HEAD")
    # 3. Given a stage at a revision: the data it wrote.
    wrote = api.read_output("predict", "preds", "preds", rev="HEAD~1")
    assert wrote.sort_values("id")["pred"].tolist() == ["A", "B"]
    assert api.recorded_commit("preds", rev="HEAD~1") == first["preds"].commit


def test_read_at_a_revision_fetches_what_is_missing(two_stage_repo, tmp_path):
    repo, _first, _ = two_stage_repo
    dvc(repo, "remote", "add", "-d", "storage", str(tmp_path / "storage"))
    git(repo, "commit", "-qam", "remote")
    dvc(repo, "push", "-A")
    fresh = tmp_path / "fresh"
    git(tmp_path, "clone", "-q", str(repo), str(fresh))
    os.chdir(fresh)
    # Nothing is pulled: the api fetches the recorded commit from the remote.
    frame = api.read("labels", "t", rev="run1")
    assert frame.sort_values("id")["v"].tolist() == ["a", "b"]
    assert not (fresh / "labels").exists()  # reading never touches the workspace
    counts = api.read("preds", sql="select count(*) as n from preds", rev="run1")
    assert counts["n"].tolist() == [2]


def test_diff_shows_databases_with_row_counts(two_stage_repo):
    repo, first, second = two_stage_repo
    text = dvc(repo, "diff", "HEAD~1", "HEAD").stdout
    assert "Modified:" in text
    lines = [line.strip() for line in text.splitlines()]
    assert "labels/" in lines
    assert "preds/" in lines
    assert "labels/t: +1 -0 ~1" in lines
    assert "preds/preds: +1 -0 ~1" in lines

    data = json.loads(dvc(repo, "diff", "HEAD~1", "HEAD", "--json", "--show-hash").stdout)
    entry = next(e for e in data["modified"] if e["path"] == "labels/")
    assert entry["hash"] == {"old": first["labels"].commit, "new": second["labels"].commit}
    assert entry["dolt"]["tables"]["t"] == {"rows_added": 1, "rows_deleted": 0, "rows_modified": 1}

    md = dvc(repo, "diff", "HEAD~1", "HEAD", "--md").stdout
    assert "| labels/    | t       | 1       | 0         | 1          |" in md

    # The workspace against HEAD: a new uncommitted Dolt commit shows up too.
    labels = Database(repo / "labels")
    insert(labels, [(4, "d")])
    commit(labels, "one more")
    text = dvc(repo, "diff").stdout
    assert "labels/t: +1 -0 ~0" in [line.strip() for line in text.splitlines()]
    assert dolt(labels.path, "status").startswith("On branch main")


def test_diff_without_dolt_outputs_is_dvc_s(dvc_repo):
    (dvc_repo / "f.txt").write_text("one")
    dvc(dvc_repo, "add", "f.txt")
    git(dvc_repo, "add", "-A")
    git(dvc_repo, "commit", "-qm", "f")
    (dvc_repo / "f.txt").write_text("two")
    dvc(dvc_repo, "add", "f.txt")
    text = dvc(dvc_repo, "diff").stdout
    assert text == textwrap.dedent(
        """\
        Modified:
            f.txt

        files summary: 1 modified
        """
    )
