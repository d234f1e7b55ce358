"""The heads cache while a ``dolt sql-server`` serves the database: writes made
through the server, online and automatic GC, and the server starting and stopping."""

from __future__ import annotations

import os
import subprocess
import time

import pytest
from helpers import dolt
from sql_server import SqlServer

from dvc_dolt.dolt import Database
from dvc_dolt.dolt.errors import DoltRemoteError
from dvc_dolt.dolt.remote import push_pins
from dvc_dolt.dolt.state import HeadsCache, state_key

# Each runs over a TCP connection to the server, as a client of the team would.
WRITES = {
    "insert": "insert into t values (10, 'x')",
    "update": "update t set v = 'z' where id = 1",
    "stage": "insert into t values (10, 'x'); call dolt_add('t')",
    "commit": "insert into t values (10, 'x'); call dolt_commit('-Am', 'served commit')",
    "new table": "create table u (id int primary key)",
    "reset": (
        "call dolt_commit('--allow-empty', '-m', 'e1');"
        " call dolt_commit('--allow-empty', '-m', 'e2'); call dolt_reset('--hard', 'HEAD~1')"
    ),
    "new branch": "call dolt_branch('b2')",  # not a head: must not break anything either
    "merge": (
        "call dolt_branch('b2'); call dolt_checkout('b2');"
        " insert into t values (11, 'y'); call dolt_commit('-Am', 'on b2');"
        " call dolt_checkout('main'); call dolt_merge('b2')"
    ),
}


@pytest.fixture
def served(make_db):
    db = make_db()
    server = SqlServer(db).start()
    try:
        yield db, server
    finally:
        server.stop()


@pytest.mark.parametrize("write", list(WRITES))
def test_writes_through_the_server_are_seen(served, tmp_path, write):
    db, server = served
    cache = HeadsCache(tmp_path / "heads.json")
    before = cache.heads(db)
    key = state_key(db.path)
    server.sql(WRITES[write])
    if write != "new branch":
        assert state_key(db.path) != key
        assert db.heads() != before
    assert cache.heads(db) == db.heads()
    assert server.serves_cli()


def test_writes_through_the_cli_routed_to_the_server_are_seen(served, tmp_path):
    db, _ = served
    cache = HeadsCache(tmp_path / "heads.json")
    cache.heads(db)
    dolt(db.path, "sql", "-q", "insert into t values (10, 'x')")
    assert cache.heads(db) == db.heads()
    dolt(db.path, "add", "t")
    assert cache.heads(db) == db.heads()
    dolt(db.path, "commit", "-m", "routed commit")
    assert cache.heads(db) == db.heads()
    assert db.heads().is_clean


@pytest.mark.parametrize("gc", ["call dolt_gc()", "call dolt_gc('--full')"])
def test_online_gc_then_writes(served, tmp_path, gc):
    db, server = served
    cache = HeadsCache(tmp_path / "heads.json")
    server.sql("insert into t values (10, 'x')")  # garbage-to-be: uncommitted
    heads = cache.heads(db)
    key = state_key(db.path)
    # dolt_gc ends the connection that ran it; the CLI still exits 0.
    server.sql(gc)
    assert state_key(db.path) != key
    assert cache.heads(db) == db.heads() == heads
    server.sql("update t set v = 'after gc' where id = 1")
    assert cache.heads(db) == db.heads() != heads


def _wait_for(what, predicate, proc: subprocess.Popen, timeout: float = 300):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert proc.poll() is None, "the sql-server died"
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {timeout:g}s")
        time.sleep(0.2)


@pytest.fixture
def served_gc_at_once(make_db, monkeypatch):
    """``served``, with Dolt's automatic GC run as soon as it is due: Dolt 2.x
    postpones it while the 1-minute load average is above 0.5, as on a busy CI."""
    monkeypatch.setenv("DOLT_GC_SCHEDULER", "NONE")
    db = make_db()
    with SqlServer(db) as server:
        yield db, server


@pytest.mark.timeout(900)
def test_automatic_gc_and_archives(served_gc_at_once, tmp_path):
    """Dolt's own GC, which a server runs once the journal passes 128 MB (since
    1.75), replaces the journal by an archive; the cache stays right."""
    db, server = served_gc_at_once
    cache = HeadsCache(tmp_path / "heads.json")
    noms = db.path / ".dolt" / "noms"
    blob = "concat(" + ", ".join(["random_bytes(1024)"] * 64) + ")"  # 64 KiB, incompressible
    server.sql("create table blobs (id int primary key, b longblob)")
    for batch in range(3):  # 3 x 1000 x 64 KiB: ~190 MB of journal
        server.sql(
            "insert into blobs with recursive c(n) as (select 1 union all select n + 1"
            f" from c where n < 1000) select {batch} * 1000 + n, {blob} from c"
        )
    before_gc = db.heads()
    _wait_for(
        "automatic GC",
        lambda: "Successfully completed auto GC" in server.log.read_text(errors="replace"),
        server.proc,
    )
    assert not (noms / ("v" * 32)).exists() or (noms / ("v" * 32)).stat().st_size < 2**27
    assert any(name.endswith(".darc") for _, _, files in os.walk(noms) for name in files)
    assert cache.heads(db) == db.heads() == before_gc

    server.sql("update t set v = 'after auto gc' where id = 1")
    assert cache.heads(db) == db.heads() != before_gc


def test_server_start_and_stop_move_the_key(make_db, tmp_path):
    db = make_db()
    cache = HeadsCache(tmp_path / "heads.json")
    alone = cache.heads(db)
    key = state_key(db.path)
    with SqlServer(db) as server:
        served_key = state_key(db.path)
        assert served_key != key
        assert cache.heads(db) == alone
        assert state_key(db.path) == served_key  # reads through the server change nothing
        assert db.server() is not None
        assert db.server().pid == server.proc.pid
        assert db.server().port == server.port
    assert db.server() is None
    assert cache.heads(db) == alone


def test_server_of_a_parent_directory_is_found(make_db, tmp_path):
    parent = tmp_path / "served"
    parent.mkdir()
    db = make_db("labels", parent=parent)
    # A server started in a directory of databases serves each of them.
    holder = Database(parent)
    (parent / ".dolt").mkdir()
    info = parent / ".dolt" / "sql-server.info"
    info.write_text(f"{os.getpid()}:3306:not-a-secret")
    assert db.server().pid == os.getpid()
    assert holder.server().port == 3306
    # A server that is gone leaves its file behind when killed: not a server.
    gone = subprocess.Popen(["true"])
    gone.wait()
    info.write_text(f"{gone.pid}:-:x")
    assert db.server() is None
    info.write_text("garbage")
    assert db.server() is None


def test_remote_commands_that_need_our_environment_are_refused_while_served(served, tmp_path):
    """dolt would push through the server, which never sees the endpoint or the
    credentials we put in dolt's environment; without any, pushing works."""
    db, server = served
    remote = (tmp_path / "remote").as_uri()
    dolt(db.path, "remote", "add", "origin", remote)
    commit = db.heads().commit
    before = sorted((tmp_path / "remote").rglob("*"))
    with pytest.raises(DoltRemoteError) as info:
        push_pins(db, "origin", [commit], env={"AWS_ENDPOINT_URL": "http://127.0.0.1:9"})
    assert f"served by a running dolt sql-server (pid {server.proc.pid})" in str(info.value)
    assert "stop the server" in info.value.reason
    assert "AWS_ENDPOINT_URL" not in str(info.value)
    assert sorted((tmp_path / "remote").rglob("*")) == before  # dolt never ran

    assert push_pins(db, "origin", [commit]) == [commit]
