"""Claims the README makes that no other test covers, each tested on the real thing."""

import sys

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
    require_extra,
    track,
)

from dvc_dolt.dolt import Database

CREATE_SCORES = """\
import os, subprocess
dolt = os.environ.get("DVC_DOLT_DOLT") or "dolt"
os.makedirs("scores", exist_ok=True)
for args in (["init", "-b", "main"], ["sql", "-q", "create table s (id int primary key)"],
             ["add", "-A"], ["commit", "-m", "scores"]):
    subprocess.run([dolt, *args], cwd="scores", check=True, capture_output=True)
"""


def _outs(repo):
    from dvc.repo import Repo

    with Repo(str(repo)) as project:
        return {str(out): out for out in project.index.outs}


@pytest.mark.parametrize("annotated", [True, False])
def test_type_dolt_marks_a_database_before_it_exists(dvc_repo, dolt_bin, monkeypatch, annotated):
    monkeypatch.setenv("DVC_DOLT_DOLT", dolt_bin.path)
    repo = dvc_repo
    (repo / "create.py").write_text(CREATE_SCORES)
    out = {"scores": {"type": "dolt"}} if annotated else "scores"
    stage = {"cmd": f"{sys.executable} create.py", "deps": ["create.py"], "outs": [out]}
    (repo / "dvc.yaml").write_text(yaml.safe_dump({"stages": {"create": stage}}))

    from dvc_dolt.dvc.items.database import DoltOutput

    scores = _outs(repo)["scores"]
    assert isinstance(scores, DoltOutput) is annotated
    assert scores.use_cache is not annotated
    # Either way, the command's database is recorded by its heads once it exists.
    dvc(repo, "repro")
    lock = yaml.safe_load((repo / "dvc.lock").read_text())["stages"]["create"]
    (entry,) = lock["outs"]
    assert entry["checksum"] == Database(repo / "scores").heads().checksum
    assert "md5" not in entry
    assert isinstance(_outs(repo)["scores"], DoltOutput)


def test_status_cloud_says_missing_when_neither_side_has_the_commit(dvc_repo, make_db, tmp_path):
    repo = dvc_repo
    track(repo, make_db, "labels")
    default_remote(repo, tmp_path / "storage")
    git_commit(repo, "labels, never pushed")
    fresh = tmp_path / "fresh"
    git(tmp_path, "clone", "-q", str(repo), str(fresh))
    status = dvc(fresh, "status", "-c").stdout
    assert "missing:            labels" in status, status
    assert not (fresh / "labels").exists()


def test_dolt_timeout_bounds_every_dolt_process(dvc_repo, make_db):
    repo = dvc_repo
    db = track(repo, make_db, "labels")
    insert(db, [(3, "c")])
    commit(db, "newer")  # so status must ask dolt, not its cache
    # No dolt process can start and answer in a microsecond.
    proc = dvc(repo, "status", ok=False, env={"DVC_DOLT_TIMEOUT": "0.000001"})
    (line,) = error_lines(proc)
    assert "did not finish within 1e-06s" in line
    assert "raise $DVC_DOLT_TIMEOUT" in line
    assert "Traceback" not in proc.stderr
    assert "modified" in dvc(repo, "status").stdout  # the default limit is generous


HOSTILE_BRANCHES = ["run/it's", 'run/"q"', "run/`b`", "run/a;b", "run/--force"]


@pytest.mark.parametrize("branch", HOSTILE_BRANCHES)
def test_save_on_hostile_branch_names(make_db, branch):
    pd = require_extra("pandas", "api")
    from dvc_dolt import api

    db = make_db("labels")
    before = db.heads()
    frame = pd.DataFrame({"id": [7], "v": ["x"]})
    result = api.save(frame, db.path, "t", primary_key="id", branch=branch, message="hostile")
    assert result.branch == branch
    assert branch in db.branches()
    assert db.heads() == before  # the checked-out branch never moved
    back = api.read(db.path, "t", at=branch).sort_values("id")
    assert back["id"].tolist() == [1, 2, 7]
    # Nothing leaked into other names: exactly main and the new branch.
    assert sorted(db.branches()) == sorted(["main", branch])


def test_save_on_a_branch_name_dolt_refuses(make_db):
    pd = require_extra("pandas", "api")
    from dvc_dolt import api
    from dvc_dolt.dolt import DoltError

    db = make_db("labels")
    before = db.heads()
    frame = pd.DataFrame({"id": [7], "v": ["x"]})
    with pytest.raises(DoltError, match="invalid branch name"):
        api.save(frame, db.path, "t", primary_key="id", branch="run/ünï-cødé")
    assert db.branches() == ["main"]
    assert db.heads() == before
