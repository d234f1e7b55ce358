"""How many dolt processes each `dvc` command starts, the version probe included.

Counted through ``$DVC_DOLT_TRACE``, which lists every dolt process dvc-dolt
starts, on the real CLI. One database, so "per database" is the count itself.
A private dvc-dolt cache holds the version probe's answer: each command counts
the probe if it ran, and it runs only while that cache is cold.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import DoltTrace, commit, default_remote, dolt, dvc, git, git_commit, insert, track

from dvc_dolt.dolt import Database, find_dolt

pytestmark = pytest.mark.timeout(300)


class Counter(DoltTrace):
    def __call__(self, repo: Path, *args: str) -> list[list[str]]:
        """Run `dvc <args>` in ``repo``; the argv (after ``dolt``) of each dolt process."""
        self.dvc(repo, *args)
        return self.argvs


@pytest.fixture
def cold(dolt_bin, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Counter:
    """The real dolt by $DVC_DOLT_DOLT, and an empty dvc-dolt cache: nothing known yet."""
    # This process's own lookup (test setup runs dolt too) is done before, so
    # that it cannot fill the empty cache.
    find_dolt()
    monkeypatch.setenv("DVC_DOLT_DOLT", dolt_bin.path)
    monkeypatch.setenv("DVC_DOLT_CACHE", str(tmp_path / "dvc-dolt-cache"))
    return Counter(tmp_path / "trace.jsonl")


@pytest.fixture
def processes(cold: Counter) -> Counter:
    """As ``cold``, once the version probe's answer is in the cache (the usual case)."""
    find_dolt.cache_clear()
    try:
        find_dolt()
    finally:
        find_dolt.cache_clear()
    return cold


def kinds(argvs: list[list[str]]) -> list[str]:
    """The dolt subcommand of each process: 'sql', 'push', 'version'..."""
    return [argv[0] for argv in argvs]


@pytest.fixture
def project(dvc_repo: Path, make_db, tmp_path: Path):
    """A project tracking database ``db``, with a local DVC remote; (repo, db)."""
    db = track(dvc_repo, make_db, "db")
    default_remote(dvc_repo, tmp_path / "storage")
    git_commit(dvc_repo, "track db")
    return dvc_repo, db


def new_commit(db: Database, row: int) -> None:
    insert(db, [(row, f"row {row}")])
    commit(db, f"row {row}")


def test_the_first_command_counts_the_probe_and_the_next_none(cold, dvc_repo, make_db):
    make_db("db", parent=dvc_repo)
    assert kinds(cold(dvc_repo, "add", "db")) == ["version", "sql"]
    db = Database(dvc_repo / "db")
    new_commit(db, 3)
    assert kinds(cold(dvc_repo, "status")) == ["sql"]


def test_local_commands(processes, dvc_repo, make_db):
    repo = dvc_repo
    db = make_db("db", parent=repo)
    assert kinds(processes(repo, "add", "db")) == ["sql"]
    git_commit(repo, "track db")
    assert processes(repo, "status") == []
    assert processes(repo, "checkout") == []

    new_commit(db, 3)
    assert kinds(processes(repo, "status")) == ["sql"]
    # The status's look (heads and dirty reasons) is in the heads cache.
    assert processes(repo, "commit", "-f", "db.dvc") == []
    assert processes(repo, "status") == []
    assert processes(repo, "checkout") == []


def test_repro_of_an_unchanged_stage_with_a_dolt_dependency(processes, dvc_repo, make_db):
    repo = dvc_repo
    db = make_db("db", parent=repo)
    dvc(repo, "stage", "add", "-n", "use", "-d", "db", "-o", "out.txt", "echo used > out.txt")
    dvc(repo, "repro")
    git_commit(repo, "stage")
    assert processes(repo, "repro") == []
    assert processes(repo, "status") == []

    new_commit(db, 3)
    # The look that shows the change serves the checks before and after the
    # stage runs (the command left the database as it was).
    assert kinds(processes(repo, "repro")) == ["sql"]
    assert processes(repo, "repro") == []


def test_push_checkout_and_pull(processes, project, tmp_path):
    repo, db = project
    # The first push adds a remote (dolt's own list shows none to reuse) and pushes.
    assert kinds(processes(repo, "push")) == ["remote", "push"]
    # Neither changed what the heads are filed under: a remote is no head, and
    # the push ran in a view, where its remote-tracking refs stayed.
    assert processes(repo, "status") == []
    assert "remotes/" not in dolt(db.path, "branch", "-a")

    new_commit(db, 3)
    assert kinds(processes(repo, "commit", "-f", "db.dvc")) == ["sql"]
    # Its remotes are as the first push left them: only the push.
    assert kinds(processes(repo, "push")) == ["push"]
    assert processes(repo, "status") == []
    git(repo, "commit", "-qam", "second version")
    latest = db.heads()

    git(repo, "checkout", "-q", "HEAD~1", "--", "db.dvc")
    # The move checks the heads on file in the process that moves.
    assert kinds(processes(repo, "checkout", "--force")) == ["sql"]
    # The restored heads are only a hint too (a write between the move and
    # reading the files would be filed as the move's): one look, which is trusted.
    assert kinds(processes(repo, "checkout")) == ["sql"]
    assert processes(repo, "status") == []
    git(repo, "checkout", "-q", "HEAD", "--", "db.dvc")
    # Back and forth: each move starts from what the last one left, checked in
    # the same process that moves.
    assert kinds(processes(repo, "checkout")) == ["sql"]
    assert db.heads() == latest
    git(repo, "checkout", "-q", "HEAD~1", "--", "db.dvc")
    assert kinds(processes(repo, "checkout")) == ["sql"]
    git(repo, "checkout", "-q", "HEAD", "--", "db.dvc")
    assert kinds(processes(repo, "checkout")) == ["sql"]
    assert db.heads() == latest

    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    # The clone, and the rename of its pin branch, which files the heads.
    assert kinds(processes(clone, "pull")) == ["clone", "sql"]
    assert Database(clone / "db").heads() == latest
    assert processes(clone, "status") == []
    # The recorded commit is the HEAD the heads cache knows.
    assert processes(clone, "pull") == []
    assert processes(clone, "fetch") == []
