"""Every command works the same while a ``dolt sql-server`` runs in the database
directory (dolt's CLI then routes through it), and writes made through the
server are seen."""

from __future__ import annotations

import pytest
import yaml
from helpers import (
    commit,
    conflicting_branches,
    default_remote,
    dolt,
    dvc,
    error_lines,
    git,
    git_commit,
    insert,
    track,
)
from sql_server import SqlServer

from dvc_dolt.dolt import Database

UP_TO_DATE = "Data and pipelines are up to date."


@pytest.fixture
def served_repo(dvc_repo, make_db):
    """A DVC repo with database ``labels`` and a server running in it."""
    db = make_db("labels", parent=dvc_repo)
    server = SqlServer(db).start()
    try:
        yield dvc_repo, db, server
    finally:
        server.stop()


def recorded(repo, dvcfile="labels.dvc"):
    return yaml.safe_load((repo / dvcfile).read_text())["outs"][0]["checksum"]


def test_add_status_commit_see_writes_made_through_the_server(served_repo):
    repo, db, server = served_repo
    dvc(repo, "add", "labels")
    assert recorded(repo) == db.heads().checksum
    assert dvc(repo, "status").stdout.strip() == UP_TO_DATE

    # A client of the server writes; the heads cache must not hide it.
    server.sql("insert into t values (3, 'from a client')")
    proc = dvc(repo, "status")
    assert "labels" in proc.stdout
    assert "modified" in proc.stdout
    proc = dvc(repo, "commit", "-f", "labels.dvc", ok=False)
    assert "uncommitted changes to table 't'" in error_lines(proc)[0]

    server.sql("call dolt_commit('-Am', 'client commit')")
    dvc(repo, "commit", "-f", "labels.dvc")
    assert recorded(repo) == db.heads().checksum
    assert dvc(repo, "status").stdout.strip() == UP_TO_DATE
    assert server.serves_cli()


# (set-up before the server starts, the change made through it, words of the refusal);
DIRTY = {
    "unstaged": (None, lambda db: insert(db, [(9, "x")]), "uncommitted changes to table 't'"),
    "staged": (
        None,
        lambda db: (insert(db, [(9, "x")]), dolt(db.path, "add", "t")),
        "staged but uncommitted changes to table 't'",
    ),
    "new table": (
        None,
        lambda db: dolt(db.path, "sql", "-q", "create table extra (id int primary key)"),
        "uncommitted changes to table 'extra'",
    ),
    "merge": (
        conflicting_branches,
        # `dolt merge` refuses to run while served, as `dolt checkout` does.
        lambda db: dolt(
            db.path,
            "sql",
            "-q",
            "set @@dolt_allow_commit_conflicts = 1; call dolt_merge('other');"
            " call dolt_conflicts_resolve('--ours', 't')",
        ),
        "a merge (or cherry-pick/revert) of 'other' is in progress",
    ),
}


@pytest.mark.parametrize("state", list(DIRTY))
def test_refusals_read_the_same_with_and_without_a_server(dvc_repo, make_db, state):
    db = make_db("labels", parent=dvc_repo)
    set_up, make_dirty, words = DIRTY[state]
    if set_up:
        set_up(db)
    with SqlServer(db):
        make_dirty(db)
        served = error_lines(dvc(dvc_repo, "add", "labels", ok=False))
    alone = error_lines(dvc(dvc_repo, "add", "labels", ok=False))
    assert served == alone
    (line,) = served
    assert line.startswith("ERROR: cannot record Dolt database 'labels':")
    assert words in line
    assert not (dvc_repo / "labels.dvc").exists()


def test_clean_database_is_recorded_while_served(served_repo):
    """The bug report: with a server running, `dvc add` saw a merge in progress."""
    repo, db, _ = served_repo
    proc = dvc(repo, "add", "labels")
    assert error_lines(proc) == []
    assert recorded(repo) == db.heads().checksum


def test_checkout_restores_through_the_server_and_keeps_the_newer_commit(served_repo):
    repo, db, server = served_repo
    dvc(repo, "add", "labels")
    git_commit(repo, "labels v1")
    first = db.heads()

    server.sql("insert into t values (3, 'c'); call dolt_commit('-Am', 'v2')")
    second = db.heads()
    assert second.commit != first.commit

    # Uncommitted work made through the server is refused, and kept.
    server.sql("insert into t values (4, 'd')")
    proc = dvc(repo, "checkout", "labels", ok=False)
    assert len(error_lines(proc)) == 1
    assert "uncommitted changes to table 't'" in proc.stderr
    assert db.heads().working != second.working

    # --force discards it, untracked tables too (reset --hard and clean, served).
    server.sql("create table scratch (id int primary key)")
    dvc(repo, "checkout", "--force", "labels")
    assert db.heads() == first
    assert db.heads().branch == "main"
    assert db.dirty_reasons() == []
    # The server itself serves the restored commit, not a stale one.
    at_first = server.sql(f"select id from t as of '{first.commit}' order by id")
    assert server.sql("select id from t order by id") == at_first
    assert "scratch" not in server.sql("show tables")
    assert f"dvc/kept/{second.commit}" in db.branches()
    assert dvc(repo, "status").stdout.strip() == UP_TO_DATE


def test_push_and_pull_with_a_server_running(served_repo, tmp_path):
    repo, db, server = served_repo
    default_remote(repo, tmp_path / "storage")
    dvc(repo, "add", "labels")
    git_commit(repo, "labels v1")
    dvc(repo, "push")

    fresh = tmp_path / "fresh"
    git(tmp_path, "clone", "-q", str(repo), str(fresh))
    dvc(fresh, "pull")
    pulled = Database(fresh / "labels")
    assert pulled.heads() == db.heads()

    # The clone records a new commit; the served workspace pulls it.
    insert(pulled, [(3, "from the clone")])
    new = commit(pulled, "clone commit")
    dvc(fresh, "commit", "-f", "labels.dvc")
    git(fresh, "commit", "-qam", "labels v2")
    dvc(fresh, "push")
    git(repo, "pull", "-q", str(fresh), "main")
    assert "modified" in dvc(repo, "status").stdout

    dvc(repo, "pull")
    assert db.heads().commit == new
    assert db.heads() == pulled.heads()
    assert "from the clone" in server.sql("select v from t where id = 3")
    assert dvc(repo, "status").stdout.strip() == UP_TO_DATE


def test_api_read_and_save_while_served(make_db):
    pd = pytest.importorskip("pandas", reason="the api extra (pandas, pyarrow) is not installed")
    pytest.importorskip("pyarrow", reason="the api extra (pandas, pyarrow) is not installed")
    from dvc_dolt import api

    db = make_db("labels")
    alone = api.read(db.path, "t")
    count_sql = "select count(*) as n from t"
    with SqlServer(db) as server:
        pd.testing.assert_frame_equal(api.read(db.path, "t"), alone)
        assert int(api.read(db.path, sql=count_sql)["n"][0]) == 2

        frame = pd.DataFrame({"id": [3, 4], "v": ["c", "d"]})
        saved = api.save(frame, db.path, "t", message="two more")
        assert saved.changed
        assert (saved.rows.rows_added, saved.rows.rows_modified) == (2, 0)
        assert db.heads().commit == saved.commit_after
        assert db.dirty_reasons() == []
        assert "| 4  | d " in server.sql("select * from t where id = 4")

        # Nothing new to commit: a save that changes nothing makes no commit.
        again = api.save(frame, db.path, "t", message="same rows")
        assert not again.changed

        # A side branch, merged back, with --branch and `sql --file` served.
        side = api.save(
            pd.DataFrame({"id": [5], "v": ["e"]}),
            db.path,
            "t",
            branch="side",
            merge_into="main",
            message="side rows",
        )
        assert side.merge_commit == db.heads().commit
        served = api.read(db.path, "t")
    pd.testing.assert_frame_equal(api.read(db.path, "t"), served)
    assert list(served["id"]) == [1, 2, 3, 4, 5]
    assert served["id"].dtype == alone["id"].dtype


def test_cloud_remote_settings_are_not_lost_through_a_server(dvc_repo, make_db, s3):
    """The server, not `dvc`, would talk to the remote: without the endpoint and
    credentials that DVC's remote config gives dolt, it would go elsewhere."""
    bucket, table = s3.new_bucket_and_table()
    db = track(dvc_repo, make_db, "labels")
    default_remote(dvc_repo, f"s3://{bucket}/store", "cloud")
    dvc(dvc_repo, "remote", "modify", "cloud", "endpointurl", s3.endpoint)
    dvc(dvc_repo, "remote", "modify", "cloud", "region", s3.REGION)
    dvc(dvc_repo, "remote", "modify", "cloud", "dolt_dynamodb_table", table)
    dvc(dvc_repo, "push")
    insert(db, [(3, "c")])
    commit(db)
    dvc(dvc_repo, "commit", "-f", "labels.dvc")
    keys = s3.keys(bucket)

    with SqlServer(db) as server:
        proc = dvc(dvc_repo, "push", ok=False)
        assert error_lines(proc) == [
            "ERROR: failed to push data to the cloud - failed to push Dolt databases:"
        ]
        detail = proc.stderr.splitlines()[1]
        assert detail.startswith("Dolt database 'labels' to remote 'cloud': ")
        assert f"served by a running dolt sql-server (pid {server.proc.pid})" in detail
        assert "stop the server" in detail
        assert "amazonaws.com" not in proc.stderr
        assert s3.keys(bucket) == keys
    # Stopped, the same push goes through.
    assert "1 new commit" in dvc(dvc_repo, "push").stdout
