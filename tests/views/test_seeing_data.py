"""Seeing databases with DVC's read-only commands: `dvc data status`, `dvc ls`,
`dvc.api.DVCFileSystem`, and `dvc.api.open`/`read` refusing a database."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers import (
    commit,
    default_remote,
    dolt,
    dvc,
    error_lines,
    git,
    git_commit,
    insert,
    sql,
    track,
)

pytestmark = pytest.mark.timeout(300)


def data_status(repo: Path, *args: str, env: dict | None = None) -> dict:
    proc = dvc(repo, "data", "status", "--json", *args, env=env)
    assert "WARNING" not in proc.stderr, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture
def tracked(dvc_repo: Path, make_db):
    """A project whose database ``db`` is recorded and committed to git; (repo, db)."""
    db = track(dvc_repo, make_db, "db", git_message="track db")
    return dvc_repo, db


# -- dvc data status ---------------------------------------------------------


def test_data_status_of_a_recorded_database(tracked):
    repo, _ = tracked
    assert data_status(repo) == {}
    assert data_status(repo, "--unchanged") == {"unchanged": ["db/"]}
    assert dvc(repo, "data", "status").stdout.strip() == "No changes."


def test_data_status_sees_a_new_dolt_commit_until_it_is_recorded_and_committed(tracked):
    repo, db = tracked
    insert(db, [(3, "c")])
    commit(db, "third row")

    assert data_status(repo) == {"uncommitted": {"modified": ["db/"]}}
    assert data_status(repo, "--granular") == {"uncommitted": {"modified": ["db/", "db/t"]}}
    assert data_status(repo, "--unchanged") == {"uncommitted": {"modified": ["db/"]}}
    text = dvc(repo, "data", "status").stdout
    assert "DVC uncommitted changes:" in text
    assert "modified: db/" in text

    dvc(repo, "commit", "-f", "db.dvc")  # recorded, not yet in git
    assert data_status(repo) == {"committed": {"modified": ["db/"]}}
    assert data_status(repo, "--unchanged") == {"committed": {"modified": ["db/"]}}

    git(repo, "commit", "-qam", "db at its third row")
    assert data_status(repo, "--unchanged") == {"unchanged": ["db/"]}


def test_data_status_sees_uncommitted_dolt_changes(tracked):
    repo, db = tracked
    insert(db, [(3, "c")])  # the working set only
    assert data_status(repo) == {"uncommitted": {"modified": ["db/"]}}


def test_data_status_of_a_database_added_but_not_in_git(dvc_repo, make_db):
    track(dvc_repo, make_db, "db")
    assert data_status(dvc_repo) == {"committed": {"added": ["db/"]}}


def test_data_status_of_a_stage_output_not_yet_recorded(dvc_repo, make_db):
    make_db("out", parent=dvc_repo)
    dvc(dvc_repo, "stage", "add", "-n", "write", "-o", "out", "true")
    assert data_status(dvc_repo) == {"uncommitted": {"added": ["out/"]}}


def test_data_status_of_a_missing_database(tracked, tmp_path):
    repo, db = tracked
    shutil.move(str(db.path), str(tmp_path / "away"))
    assert data_status(repo) == {
        "not_in_cache": ["db/"],
        "uncommitted": {"deleted": ["db/"]},
    }


def test_data_status_targets(tracked, make_db):
    repo, db = tracked
    if "targets" not in dvc(repo, "data", "status", "--help").stdout:
        pytest.skip("this DVC's `data status` takes no targets (DVC 3.50 does not)")
    track(repo, make_db, "other")
    insert(db, [(3, "c")])
    commit(db, "third row")
    assert data_status(repo, "db") == {"uncommitted": {"modified": ["db/"]}}
    assert data_status(repo, "--granular", "db/t") == {"uncommitted": {"modified": ["db/t"]}}
    assert data_status(repo, "--granular", "db/u") == {}
    assert data_status(repo, "other") == {"committed": {"added": ["other/"]}}


def test_data_status_not_in_remote(tracked, tmp_path):
    repo, db = tracked
    # No remote: as for DVC's own files, nothing is listed, and no error.
    assert data_status(repo, "--not-in-remote") == {}
    default_remote(repo, tmp_path / "storage")
    assert data_status(repo, "--not-in-remote") == {"not_in_remote": ["db/"]}
    dvc(repo, "push")
    assert data_status(repo, "--not-in-remote") == {}
    insert(db, [(3, "c")])
    commit(db, "third row")
    dvc(repo, "commit", "-f", "db.dvc")
    assert data_status(repo, "--not-in-remote") == {
        "not_in_remote": ["db/"],
        "committed": {"modified": ["db/"]},
    }


def test_granular_lists_each_table_as_an_entry_in_the_section_its_change_puts_it(tracked):
    repo, db = tracked
    sql(db, "create table u (id int primary key)")
    commit(db, "table u")
    dvc(repo, "commit", "-f", "db.dvc")
    git(repo, "commit", "-qam", "db with tables t and u")
    granular = ("--granular", "--unchanged")
    assert data_status(repo, *granular) == {"unchanged": ["db/", "db/t", "db/u"]}
    assert data_status(repo) == {}  # without --granular, as before

    insert(db, [(3, "c")])
    commit(db, "t changes")
    sql(db, "create table v (id int primary key)")  # uncommitted in Dolt
    assert data_status(repo, *granular) == {
        "uncommitted": {"modified": ["db/", "db/t"], "added": ["db/v"]},
        "unchanged": ["db/u"],
    }
    sql(db, "drop table u")
    assert data_status(repo, *granular) == {
        "uncommitted": {"modified": ["db/", "db/t"], "deleted": ["db/u"], "added": ["db/v"]},
    }
    dolt(db.path, "add", "-A")
    commit(db, "u dropped, v added")
    dvc(repo, "commit", "-f", "db.dvc")  # recorded, not yet in git
    assert data_status(repo, *granular) == {
        "committed": {"modified": ["db/", "db/t"], "deleted": ["db/u"], "added": ["db/v"]},
    }
    git(repo, "commit", "-qam", "db recorded")
    assert data_status(repo, *granular) == {"unchanged": ["db/", "db/t", "db/v"]}


def test_granular_of_a_database_added_but_not_in_git(dvc_repo, make_db):
    track(dvc_repo, make_db, "db")
    assert data_status(dvc_repo, "--granular") == {"committed": {"added": ["db/", "db/t"]}}


def test_untracked_files_of_a_new_database_show_as_the_database(tracked, make_db):
    repo, _ = tracked
    make_db("newdb", parent=repo)
    untracked = data_status(repo, "--untracked-files")["untracked"]
    assert untracked == ["newdb/"]


def test_a_no_op_data_status_or_ls_starts_no_dolt_process(tracked, dolt_trace):
    repo, db = tracked
    env = dolt_trace.env
    insert(db, [(3, "c")])
    commit(db, "third row")
    data_status(repo, env=env)  # the database changed: dolt is asked once
    assert dolt_trace
    dolt_trace.clear()
    assert data_status(repo, "--unchanged", env=env) == {"uncommitted": {"modified": ["db/"]}}
    assert dolt_trace == [], dolt_trace
    # --granular asks dolt which tables changed once, then remembers it.
    granular = {"uncommitted": {"modified": ["db/", "db/t"]}}
    assert data_status(repo, "--granular", env=env) == granular
    dolt_trace.clear()
    assert data_status(repo, "--granular", "--unchanged", env=env) == granular
    assert dolt_trace == [], dolt_trace
    # Listing needs no heads at all.
    assert "db" in dvc(repo, "ls", "--dvc-only", "-R", ".", env=env).stdout.split()
    assert dolt_trace == [], dolt_trace


# -- dvc ls and DVCFileSystem ----------------------------------------------


def ls(repo: Path, *args: str) -> dict[str, dict]:
    out = json.loads(dvc(repo, "ls", "--json", *args).stdout)
    return {entry["path"]: entry for entry in out}


@pytest.fixture
def nested(dvc_repo: Path, make_db):
    """Databases ``data/db`` (a .dvc file) and ``out`` (a stage output), and a file."""
    make_db("db", parent=dvc_repo / "data")
    make_db("out", parent=dvc_repo)
    (dvc_repo / "data" / "plain.txt").write_text("plain\n")
    dvc(dvc_repo, "add", "data/db", "data/plain.txt")
    dvc(dvc_repo, "stage", "add", "-n", "write", "-o", "out", "true")
    dvc(dvc_repo, "commit", "-f", "write")
    git_commit(dvc_repo, "track")
    return dvc_repo


def test_dvc_ls_lists_each_database_as_one_entry(nested):
    recursive = ls(nested, "--dvc-only", "-R", ".")
    assert sorted(recursive) == ["data/db", "data/plain.txt", "out"]
    assert recursive["data/db"]["isout"]
    assert recursive["data/db"]["isdir"]

    everything = ls(nested, "-R", ".")
    assert not [p for p in everything if ".dolt" in p]
    assert {"data/db", "out", "data/plain.txt", "dvc.yaml"} <= set(everything)
    assert everything["out"]["isout"]

    top = ls(nested, "--dvc-only", ".")
    assert sorted(top) == ["data", "out"]
    assert sorted(ls(nested, "--dvc-only", ".", "data")) == ["db", "plain.txt"]
    assert ls(nested, ".", "data/db") == {}  # nothing of .dolt/ inside


def test_dvc_ls_of_a_fresh_clone_lists_databases_it_lacks(nested, tmp_path):
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(nested), str(clone))
    assert not (clone / "data" / "db").exists()
    assert sorted(ls(clone, "--dvc-only", "-R", ".")) == ["data/db", "data/plain.txt", "out"]
    # A git revision, read from git alone.
    assert "data/db" in ls(clone, "--dvc-only", "-R", ".", "--rev", "HEAD")


def test_dvcfilesystem_ls_find_walk(nested):
    from dvc.api import DVCFileSystem

    fs = DVCFileSystem(str(nested))
    infos = {info["name"]: info for info in fs.ls("data", detail=True)}
    assert infos["data/db"]["type"] == "directory"
    assert infos["data/db"]["dvc_info"]["isout"]
    assert fs.isdvc("data/db")
    assert fs.ls("data/db", detail=False) == []

    found = list(fs.find("/"))
    assert {"/data/db", "/data/plain.txt", "/out", "/.gitignore"} <= set(found)
    assert not [p for p in found if ".dolt" in p]
    assert "/data/db" in fs.find("/", withdirs=True)
    walked = {root: (dirs, files) for root, dirs, files in fs.walk("/")}
    assert "db" in walked["/data"][1]
    assert "db" not in walked["/data"][0]
    assert not [root for root in walked if "db" in root.split("/")]
    dvc_only = {root: files for root, _, files in fs.walk("/", dvc_only=True)}
    assert sorted(dvc_only["/data"]) == ["db", "plain.txt"]
    assert sorted(dvc_only["/"]) == ["out"]
    with pytest.raises(FileNotFoundError):
        fs.info("data/db/.dolt")


@pytest.mark.parametrize("path", ["data/db", "data/db/.dolt/repo_state.json"])
def test_dvc_api_open_and_read_of_a_database_point_to_dvc_dolt_api(nested, path):
    import dvc.api
    from dvc.exceptions import DvcException

    with pytest.raises(DvcException, match=r"'data/db' is a Dolt database.*dvc_dolt\.api"):
        dvc.api.read(path, repo=str(nested))
    with pytest.raises(DvcException, match=r"dvc_dolt\.api"):  # noqa: SIM117
        with dvc.api.open(path, repo=str(nested)):
            pass
    # Plain files are read as before.
    assert dvc.api.read("data/plain.txt", repo=str(nested)) == "plain\n"


def test_dvc_get_of_a_folder_holding_a_database_is_refused(nested, tmp_path):
    # A database has nothing inside to list: copied as files it would be an empty
    # folder. (`dvc get` of the database itself is a clone: test_import_registry.py.)
    proc = dvc(nested, "get", ".", "data", "-o", str(tmp_path / "got"), ok=False)
    (line,) = error_lines(proc)
    assert "data/db" in line, line
    assert not (tmp_path / "got").exists()


def test_dvcfilesystem_get_of_a_database_is_refused(nested, tmp_path):
    from dvc.api import DVCFileSystem
    from dvc.exceptions import DvcException

    fs = DVCFileSystem(str(nested))
    with pytest.raises(DvcException, match=r"'data/db' is a Dolt database"):
        fs.get("data/db", str(tmp_path / "got"), recursive=True)
    assert not (tmp_path / "got").exists()
    fs.get("data/plain.txt", str(tmp_path / "plain.txt"))
    assert (tmp_path / "plain.txt").read_text() == "plain\n"
