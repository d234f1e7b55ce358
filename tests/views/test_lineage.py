"""Lineage from dvc.lock: `dvc dolt lineage` and the api's three questions (`dvc diff`
of the same project: test_diff.py)."""

import json
import os

from helpers import default_remote, dvc, git, require_extra

from dvc_dolt import api

require_extra("pandas", "api")


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
    default_remote(repo, tmp_path / "storage")
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
