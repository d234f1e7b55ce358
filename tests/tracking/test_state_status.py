"""`dvc status` sees every kind of write, whatever dolt did to its files since the
heads cache last looked; and the cache can be switched off."""

from __future__ import annotations

import json

import pytest
from helpers import dolt, dvc, has_archive_command, sql, track
from sql_server import SqlServer

UP_TO_DATE = "Data and pipelines are up to date."


def _archive(db):
    dolt(db.path, "gc", "--archive-level=0")
    if has_archive_command():
        dolt(db.path, "archive")
    else:  # Dolt >= 2.1.8: gc writes the archives
        dolt(db.path, "gc", "--full", "--archive-level=1")


CHANGES = {
    "write": lambda db: sql(db, "update t set v = 'z' where id = 1"),
    "commit then gc": lambda db: (
        sql(db, "update t set v = 'z' where id = 1; call dolt_commit('-am', 'z')"),
        dolt(db.path, "gc"),
    ),
    "write then gc --full": lambda db: (
        sql(db, "insert into t values (3, 'c')"),
        dolt(db.path, "gc", "--full"),
    ),
    "commit then archive": lambda db: (
        sql(db, "insert into t values (3, 'c'); call dolt_commit('-Am', 'c')"),
        _archive(db),
    ),
}


def test_status_sees_a_persisted_default_branch(dvc_repo, make_db):
    """Only .dolt/config.json changes, and dolt reads another branch."""
    db = make_db("labels", parent=dvc_repo)
    dolt(db.path, "branch", "b2")
    sql(db, "call dolt_checkout('b2'); call dolt_commit('--allow-empty', '-m', 'b2 only')")
    dolt(db.path, "checkout", "main")
    dvc(dvc_repo, "add", "labels")
    assert dvc(dvc_repo, "status").stdout.strip() == UP_TO_DATE
    sql(db, "set @@persist.labels_default_branch = 'b2'")
    assert "modified" in dvc(dvc_repo, "status").stdout


@pytest.mark.parametrize("change", list(CHANGES))
def test_status_sees_the_change(dvc_repo, make_db, change):
    db = track(dvc_repo, make_db, "labels")
    assert dvc(dvc_repo, "status").stdout.strip() == UP_TO_DATE
    assert (dvc_repo / ".dvc" / "tmp" / "dolt-heads.json").is_file()  # the cache is in use
    CHANGES[change](db)
    assert "modified" in dvc(dvc_repo, "status").stdout


def test_status_sees_writes_through_a_server_that_started_and_stopped(dvc_repo, make_db):
    db = track(dvc_repo, make_db, "labels")
    assert dvc(dvc_repo, "status").stdout.strip() == UP_TO_DATE
    with SqlServer(db) as server:
        assert dvc(dvc_repo, "status").stdout.strip() == UP_TO_DATE
        server.sql("update t set v = 'z' where id = 1")
        assert "modified" in dvc(dvc_repo, "status").stdout
        server.sql("update t set v = 'a' where id = 1")  # back to the recorded content
        assert dvc(dvc_repo, "status").stdout.strip() == UP_TO_DATE
        server.sql("call dolt_commit('--allow-empty', '-m', 'served')")
    # The server wrote its manifest when it stopped.
    assert "modified" in dvc(dvc_repo, "status").stdout


def test_off_switch(dvc_repo, make_db):
    db = make_db("labels", parent=dvc_repo)
    off = {"DVC_DOLT_HEADS_CACHE": "0"}
    dvc(dvc_repo, "add", "labels", env=off)
    assert dvc(dvc_repo, "status", env=off).stdout.strip() == UP_TO_DATE
    sql(db, "update t set v = 'z' where id = 1")
    assert "modified" in dvc(dvc_repo, "status", env=off).stdout
    assert not (dvc_repo / ".dvc" / "tmp" / "dolt-heads.json").exists()

    # On again: the file is written, and holds only heads.
    dvc(dvc_repo, "status")
    entries = json.loads((dvc_repo / ".dvc" / "tmp" / "dolt-heads.json").read_text())
    assert [entry["working"] for entry in entries.values()] == [db.heads().working]
