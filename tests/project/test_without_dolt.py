"""Without a usable dolt, read-only commands keep working for files and show each
database as not readable (the DVC extension for VS Code runs `data status` on every
change: one error there would hide the whole project); commands that change a
database stop with the one clear error."""

from __future__ import annotations

import json
import sys

import pytest
from helpers import dvc, error_lines, git_commit

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def project(dvc_repo, make_db, tmp_path):
    """A file, a database and a stage reading one of its tables, all committed; then
    a changed file, and an env whose dolt is gone."""
    make_db("db", parent=dvc_repo)
    (dvc_repo / "f.txt").write_text("one\n")
    dvc(dvc_repo, "add", "f.txt", "db")
    dvc(dvc_repo, "stage", "add", "-n", "read", "-d", "db/t", "-o", "out.txt",
        f"{sys.executable} -c \"open('out.txt', 'w').write('x')\"")  # fmt: skip
    dvc(dvc_repo, "repro")
    git_commit(dvc_repo, "project")
    (dvc_repo / "f.txt").write_text("two\n")
    # An explicit choice of dolt is never replaced by another one.
    return dvc_repo, {"DVC_DOLT_DOLT": str(tmp_path / "no-such-dolt")}


def one_warning_that_says_what_to_install(proc):
    warnings = [line for line in proc.stderr.splitlines() if line.startswith("WARNING:")]
    assert len(warnings) == 1, proc.stderr
    assert "no usable dolt" in warnings[0]
    assert "install dolt" in warnings[0]
    assert "Traceback" not in proc.stderr


def test_data_status_shows_files_and_each_database_as_unknown(project):
    repo, env = project
    proc = dvc(repo, "data", "status", "--granular", "--unchanged", "--json", env=env)
    one_warning_that_says_what_to_install(proc)
    status = json.loads(proc.stdout)
    assert status["uncommitted"] == {"modified": ["f.txt"], "unknown": ["db/"]}
    assert "db/" not in status.get("unchanged", [])
    text = dvc(repo, "data", "status", env=env).stdout
    assert "unknown: db/" in text
    assert "modified: f.txt" in text


def test_status_and_diff_show_files_and_leave_databases_unknown(project):
    repo, env = project
    proc = dvc(repo, "status", "--json", env=env)
    one_warning_that_says_what_to_install(proc)
    status = json.loads(proc.stdout)
    assert status["f.txt.dvc"] == [{"changed outs": {"f.txt": "modified"}}]
    assert status["db.dvc"] == [{"changed outs": {"db": "unknown"}}]
    assert {"changed deps": {"db/t": "unknown"}} in status["read"]

    proc = dvc(repo, "diff", "--json", env=env)
    one_warning_that_says_what_to_install(proc)
    diff = json.loads(proc.stdout)
    assert [e["path"] for e in diff["modified"]] == ["f.txt"]
    assert not diff["deleted"]  # an unreadable database is not a deleted one


@pytest.mark.parametrize("args", [["checkout"], ["commit", "-f"], ["add", "db"]])
def test_commands_that_change_a_database_stop_with_one_clear_error(project, args):
    repo, env = project
    before = (repo / "db.dvc").read_text()
    proc = dvc(repo, *args, env=env, ok=False)
    (line,) = error_lines(proc)
    assert "no usable dolt" in line
    assert "Traceback" not in proc.stderr
    assert (repo / "db.dvc").read_text() == before
