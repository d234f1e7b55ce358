"""The README's workflow blocks, run as written.

A block marked ``<!-- runs in tests/project/test_readme.py: SCENARIO/PLACE -->`` is
run line by line with bash, in the place the scenario below sets up; nothing
in it is rewritten. The scenarios then check what the README says happened.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import (
    DVC,
    SCALE,
    default_remote,
    dolt,
    dvc,
    git,
    git_commit,
    new_project,
    require_extra,
    wait_for_queue,
)

from dvc_dolt import api
from dvc_dolt.dolt import Database, find_dolt

require_extra("pandas", "api")

README = Path(__file__).resolve().parents[2] / "README.md"
MARK = re.compile(
    r"<!-- runs in tests/project/test_readme\.py: (?P<where>[\w-]+/[\w-]+) -->\n"
    r"```bash\n(?P<body>.*?)```",
    re.S,
)


def blocks(where: str) -> list[list[str]]:
    """The command lines of each README block marked for ``where``, in order."""
    found = [
        [line for line in m["body"].splitlines() if line.strip() and not line.startswith("#")]
        for m in MARK.finditer(README.read_text(encoding="utf-8"))
        if m["where"] == where
    ]
    assert found, f"the README has no block for {where}"
    return found


def run_block(lines: list[str], cwd: Path) -> None:
    # The venv's dvc and python first, as after `pip install` in an activated
    # environment, and the dolt the tests run.
    path = [os.path.dirname(DVC), os.path.dirname(find_dolt().path), os.environ.get("PATH", "")]
    env = {**os.environ, "DVC_NO_ANALYTICS": "1", "PATH": os.pathsep.join(path)}
    for line in lines:
        proc = subprocess.run(
            ["bash", "-eo", "pipefail", "-c", line],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            stdin=subprocess.DEVNULL,
        )
        assert proc.returncode == 0, (
            f"README line failed in {cwd}: {line}\n{proc.stdout}\n{proc.stderr}"
        )
        assert "Traceback" not in proc.stderr, proc.stderr


@pytest.mark.timeout(600)
def test_registry_workflow(tmp_path, make_db):
    registry = new_project(tmp_path / "registry")
    labels = make_db("labels", parent=registry / "data")
    project = new_project(tmp_path / "project")

    (first,) = blocks("registry/registry")
    run_block(first, registry)
    recorded = labels.heads()
    (second,) = blocks("registry/project")
    run_block(second, project)

    for name in ("labels", "labels-v1", "labels-copy", "later"):
        assert Database(project / name).heads().commit == recorded.commit, name
    assert (project / "later.dvc").exists()
    assert not (project / "labels-copy.dvc").exists()
    assert dvc(project, "status").stdout.strip() == "Data and pipelines are up to date."


def scores(repo):
    return api.read(repo / "scores", "scores").sort_values("id")["score"].tolist()


@pytest.mark.timeout(900)
def test_experiments_workflow(tmp_path, make_db):
    project = new_project(tmp_path / "project")
    make_db("labels", parent=project)
    make_db("scores", parent=project, rows=[], table="placeholder")
    (project / "scale.py").write_text(SCALE)
    (project / "params.yaml").write_text("scale: 1\n")
    dvc(project, "add", "labels")
    dvc(project, "stage", "add", "-n", "score", "-d", "scale.py", "-d", "labels", "-p", "scale",
        "-o", "scores", f"{sys.executable} scale.py")  # fmt: skip
    dvc(project, "repro")
    default_remote(project, tmp_path / "storage")
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", str(origin))
    git(project, "remote", "add", "origin", str(origin))
    git_commit(project, "baseline")
    git(project, "push", "-q", "origin", "main")
    dvc(project, "push")

    run_block_, show_block = blocks("experiments/project")
    try:
        run_block(run_block_, project)
        states = wait_for_queue(project, ["five", "seven"])
    finally:
        dvc(project, "queue", "stop", "--kill", ok=None)
    assert states == {"five": "Success", "seven": "Success"}, states
    run_block(show_block, project)
    scores_db = Database(project / "scores")
    made = {
        line.split(",")[0]: line.split(",")[1]
        for line in dolt(scores_db.path, "sql", "-r", "csv", "-q",
                         "select name, hash from dolt_branches").splitlines()[1:]
    }  # fmt: skip
    assert {"dvc/exp/double", "dvc/exp/triple", "dvc/exp/five", "dvc/exp/seven"} <= set(made)
    assert scores_db.heads().commit == made["dvc/exp/seven"]
    assert scores(project) == [7, 14]

    teammate = tmp_path / "teammate"
    git(tmp_path, "clone", "-q", "-b", "main", str(origin), str(teammate))
    dvc(teammate, "pull")
    (pull_block,) = blocks("experiments/teammate")
    run_block(pull_block, teammate)
    assert Database(teammate / "scores").heads().commit == made["dvc/exp/seven"]
    assert scores(teammate) == [7, 14]


COUNT = """\
import json, subprocess

out = subprocess.run(["dolt", "sql", "-r", "json", "-q", "select count(*) as n from train"],
                     cwd="labels", capture_output=True, text=True, check=True).stdout
json.dump({"rows": json.loads(out)["rows"][0]["n"]}, open("count.json", "w"))
open("runs.log", "a").write("ran\\n")
"""


@pytest.mark.timeout(600)
def test_table_dependency_workflow(tmp_path, make_db):
    project = new_project(tmp_path / "project")
    labels = make_db("labels", parent=project, table="train")
    dolt(labels.path, "sql", "-q", "create table test (id int primary key, v text)")
    dolt(labels.path, "add", ".")
    dolt(labels.path, "commit", "-m", "a test table")
    (project / ".gitignore").write_text("/labels\n")
    (project / "count.py").write_text(COUNT)

    (block,) = blocks("tables/project")
    run_block(block[:4], project)  # up to the first `dvc status`
    assert dvc(project, "status").stdout.strip() == "Data and pipelines are up to date."
    run_block(block[4:6], project)
    assert "modified:           labels/train" in dvc(project, "status").stdout
    run_block(block[6:], project)
    assert json.loads((project / "count.json").read_text()) == {"rows": 3}
    assert (project / "runs.log").read_text().splitlines() == ["ran", "ran"]


@pytest.mark.timeout(600)
def test_git_remote_workflow(tmp_path, make_db):
    project = new_project(tmp_path / "project")
    labels = make_db("labels", parent=project)
    dvc(project, "add", "labels")
    git_commit(project, "labels")
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    git(project, "remote", "add", "origin", "../origin.git")

    (block,) = blocks("gitremote/project")
    run_block(block, project)
    on_origin = git(origin, "for-each-ref", "--format=%(refname)").split()
    assert sorted(on_origin) == ["refs/dolt/labels", "refs/heads/main"]

    (anywhere,) = blocks("gitremote/anywhere")
    run_block(anywhere, tmp_path)
    teammate = tmp_path / "teammate"
    assert not [r for r in git(teammate, "for-each-ref").split() if "dolt" in r]
    assert Database(teammate / "labels").heads().commit == labels.heads().commit
    assert dvc(teammate, "status").stdout.strip() == "Data and pipelines are up to date."
