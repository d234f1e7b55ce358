"""A first `dvc push` to a remote that lacks a database copies its table files
(first_push): only where that sends exactly what DVC records, else it pushes
chunk by chunk as before and `-v` says why."""

from __future__ import annotations

import pytest
from helpers import commit, default_remote, dolt, dvc, git, git_commit, insert, kill_at_dolt

from dvc_dolt.dolt import Database

pytestmark = pytest.mark.timeout(300)

COMPACT = {"DVC_DOLT_COMPACT": "always"}
COPIED = "the remote lacks it, copying its files"
CHUNKS = "pushing chunk by chunk: "
BLOCKED = "pushing chunk by chunk: a copy would send more than DVC records"


def recorded_repo(repo, make_db, store):
    """'labels' recorded, compacted by `dvc add`, a file next to it, and a remote."""
    db = make_db("labels", parent=repo, rows=[(i, f"label-{i}") for i in range(500)])
    (repo / "model.bin").write_bytes(b"weights")
    dvc(repo, "add", "labels", "model.bin", env=COMPACT)
    default_remote(repo, store, "store")
    git_commit(repo, "labels")
    return db


def remote_branches(url: str, where) -> list[str]:
    """What a `dolt clone` of the remote database sees: its branches."""
    clone = where / f"dolt-clone-{len(list(where.iterdir()))}"
    dolt(where, "clone", url, str(clone))
    return sorted(b.strip("* ").strip() for b in dolt(clone, "branch", "-a").splitlines())


def test_first_push_copies_files_and_sends_what_dvc_records(
    dvc_repo, make_db, tmp_path, dolt_trace
):
    repo = dvc_repo
    store = tmp_path / "store"
    db = recorded_repo(repo, make_db, store)
    recorded = db.heads().commit
    # A commit the user dropped before `dvc add` compacted: no ref reaches it.
    insert(db, [(9999, "secret")])
    dropped = commit(db, "secret")
    dolt(db.path, "reset", "--hard", "HEAD~1")
    dvc(repo, "add", "labels", env=COMPACT)

    proc = dolt_trace.dvc(repo, "push", "-v")
    assert COPIED in proc.stderr + proc.stdout
    assert "Pushed Dolt database 'labels' to remote 'store': 1 new commit" in proc.stdout
    # As many dolt processes as a first push always took: adding the remote, sending.
    assert dolt_trace.commands() == ["remote", "sql"]
    assert "2 files pushed" in proc.stdout
    assert "in sync" in dvc(repo, "status", "-c").stdout
    url = (store / "dolt" / "labels").as_uri()
    pin = f"dvc/pin/{recorded}"
    # Only the pin: no branch, working set or commit of the database's own.
    assert remote_branches(url, tmp_path) == [pin, f"remotes/origin/{pin}"]
    clone = tmp_path / "dolt-clone-check"
    dolt(tmp_path, "clone", url, str(clone))
    assert Database(clone).missing_commits([dropped, recorded]) == [dropped]

    fresh = tmp_path / "fresh"
    git(tmp_path, "clone", "-q", str(repo), str(fresh))
    dvc(fresh, "pull")
    assert Database(fresh / "labels").heads() == db.heads()
    assert (fresh / "model.bin").read_bytes() == b"weights"

    # The next version goes chunk by chunk, and arrives as before.
    insert(db, [(1000, "new")])
    commit(db, "v2")
    dvc(repo, "add", "labels")
    proc = dvc(repo, "push", "-v")
    assert COPIED not in proc.stderr + proc.stdout
    git(repo, "commit", "-qam", "v2")
    git(fresh, "pull", "-q")
    dvc(fresh, "pull")
    assert Database(fresh / "labels").heads() == db.heads()
    # dolt's own clients see the pins, as after any push.
    dolt(clone, "fetch", "origin")
    dolt(clone, "pull", "origin", f"dvc/pin/{db.heads().commit}")
    assert Database(clone).heads().commit == db.heads().commit


@pytest.mark.parametrize(
    ("make_extra", "why"),
    [
        (lambda db: (insert(db, [(7001, "x")], table="t"),), "branch 'main' has uncommitted"),
        (lambda db: dolt(db.path, "tag", "v1"), "tag 'v1' would go along"),
        (
            lambda db: (
                dolt(db.path, "checkout", "-b", "side"),
                insert(db, [(8001, "side")]),
                commit(db, "side"),
                dolt(db.path, "checkout", "main"),
            ),
            "branch 'side' holds commits DVC does not push",
        ),
    ],
    ids=["uncommitted", "tag", "branch"],
)
def test_a_copy_never_sends_more_than_dvc_records(dvc_repo, make_db, tmp_path, make_extra, why):
    """Uncommitted rows, a tag, a branch of unrecorded commits: the copy would
    take them along, so the push goes chunk by chunk and leaves them home."""
    repo = dvc_repo
    store = tmp_path / "store"
    db = recorded_repo(repo, make_db, store)
    make_extra(db)
    dvc(repo, "dolt", "gc")  # files as a full gc leaves them, extras and all
    proc = dvc(repo, "push", "-v")
    said = proc.stderr + proc.stdout
    assert COPIED not in said
    assert BLOCKED in said
    assert why in said
    url = (store / "dolt" / "labels").as_uri()
    pin = f"dvc/pin/{db.heads().commit}"
    assert remote_branches(url, tmp_path) == [pin, f"remotes/origin/{pin}"]
    clone = tmp_path / "dolt-clone-rows"
    dolt(tmp_path, "clone", url, str(clone))
    ids = dolt(clone, "sql", "-r", "csv", "-q", "select id from t where id in (7001, 8001)")
    assert ids.split() == ["id"]
    assert "v1" not in dolt(clone, "tag")


def test_files_changed_since_compaction_go_chunk_by_chunk(dvc_repo, make_db, tmp_path):
    repo = dvc_repo
    db = recorded_repo(repo, make_db, tmp_path / "store")
    insert(db, [(1000, "later")])
    commit(db, "later")
    dvc(repo, "add", "labels")
    proc = dvc(repo, "push", "-v")
    said = proc.stderr + proc.stdout
    assert CHUNKS in said
    assert "its files changed since its last compaction" in said
    assert "Pushed Dolt database 'labels' to remote 'store': 1 new commit" in proc.stdout


def test_a_kill_during_the_copy_then_push_again(dvc_repo, make_db, tmp_path):
    repo = dvc_repo
    store = tmp_path / "store"
    db = recorded_repo(repo, make_db, store)
    killed = kill_at_dolt(repo, ["push"], "sql", match="dolt_backup")
    assert killed, "dvc push ended before its copy started"
    dvc(repo, "push")
    assert "in sync" in dvc(repo, "status", "-c").stdout
    fresh = tmp_path / "fresh"
    git(tmp_path, "clone", "-q", str(repo), str(fresh))
    dvc(fresh, "pull")
    assert Database(fresh / "labels").heads() == db.heads()


def _cloud_remote(repo, kind, server) -> None:
    if kind == "s3":
        bucket, table = server.new_bucket_and_table()
        default_remote(repo, f"s3://{bucket}/store", "cloud")
        dvc(repo, "remote", "modify", "cloud", "region", server.REGION)
        dvc(repo, "remote", "modify", "cloud", "dolt_dynamodb_table", table)
    else:
        default_remote(repo, f"gs://{server.new_bucket()}/store", "cloud")
    dvc(repo, "remote", "modify", "cloud", "endpointurl", server.endpoint)


@pytest.mark.parametrize("kind", ["s3", "gcs"])
def test_cloud_first_push_copies_files(dvc_repo, make_db, tmp_path, request, kind):
    """S3 through moto, GCS through fake-gcs-server: the copy, then a fresh
    clone pulls, and a second version goes chunk by chunk on top."""
    repo = dvc_repo
    server = request.getfixturevalue(kind)
    db = make_db("labels", parent=repo, rows=[(i, f"label-{i}") for i in range(500)])
    dvc(repo, "add", "labels", env=COMPACT)
    _cloud_remote(repo, kind, server)
    git_commit(repo, f"labels on {kind}")
    proc = dvc(repo, "push", "-v")
    assert COPIED in proc.stderr + proc.stdout
    assert "in sync" in dvc(repo, "status", "-c").stdout
    insert(db, [(1000, "new")])
    commit(db, "v2")
    dvc(repo, "add", "labels")
    git(repo, "commit", "-qam", "v2")
    proc = dvc(repo, "push", "-v")
    assert COPIED not in proc.stderr + proc.stdout
    fresh = tmp_path / "fresh"
    git(tmp_path, "clone", "-q", str(repo), str(fresh))
    dvc(fresh, "pull")
    assert Database(fresh / "labels").heads() == db.heads()
    git(fresh, "checkout", "-q", "HEAD~1")
    dvc(fresh, "checkout", "--force")
    assert "label-499" in dolt(fresh / "labels", "sql", "-q", "select v from t where id = 499")


def test_a_dolt_server_remote_takes_chunks(dvc_repo, make_db, dolt_server):
    """dolt:// (remotesapi): no copy, said under -v; the push works as before."""
    repo = dvc_repo
    make_db("hublabels", parent=repo)
    dvc(repo, "add", "hublabels", env=COMPACT)
    dolt_server.create_database("hublabels")
    default_remote(repo, f"dolt://127.0.0.1:{dolt_server.api_port}", "hub")
    proc = dvc(repo, "push", "-v")
    said = proc.stderr + proc.stdout
    assert f"{CHUNKS}this kind of remote takes chunks only" in said
    assert "Pushed Dolt database 'hublabels' to remote 'hub': 1 new commit" in proc.stdout
    assert "in sync" in dvc(repo, "status", "-c").stdout
