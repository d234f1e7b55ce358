"""`dvc push/fetch/pull/status -c` move Dolt databases through Dolt remotes under the
DVC remote, next to ordinary DVC files."""

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
    offers_force,
    track,
)

from dvc_dolt.dolt import Database


@pytest.fixture
def shared_repo(dvc_repo, make_db, tmp_path):
    """A repo with a database and a plain file tracked, and a local DVC remote."""
    repo = dvc_repo
    make_db("labels", parent=repo)
    (repo / "model.bin").write_bytes(b"weights v1")
    dvc(repo, "add", "labels", "model.bin")
    storage = tmp_path / "storage"
    default_remote(repo, storage)
    git_commit(repo, "labels and model")
    return repo


def clone(repo, dest):
    git(dest.parent, "clone", "-q", str(repo), str(dest))
    return dest


def test_push_then_pull_in_a_fresh_clone(shared_repo, tmp_path):
    repo = shared_repo
    labels = Database(repo / "labels")
    proc = dvc(repo, "push")
    assert "Pushed Dolt database 'labels' to remote 'storage': 1 new commit" in proc.stdout
    assert "2 files pushed" in proc.stdout
    storage = tmp_path / "storage"
    # Dolt data sits under <remote>/dolt/, never in a two-letter folder gc would see.
    assert (storage / "dolt" / "labels").is_dir()
    assert all(len(p.name) != 2 for p in storage.iterdir() if p.is_dir())

    fresh = clone(repo, tmp_path / "fresh")
    proc = dvc(fresh, "pull")
    assert ["A", "labels/"] in [line.split() for line in proc.stdout.splitlines()]
    pulled = Database(fresh / "labels")
    assert pulled.heads() == labels.heads()
    assert pulled.heads().branch == "main"
    assert pulled.dirty_reasons() == []
    assert (fresh / "model.bin").read_bytes() == b"weights v1"
    assert dvc(fresh, "status").stdout.strip() == "Data and pipelines are up to date."
    # The DVC remote is the database's Dolt remote: plain dolt push works.
    remote_url = (storage / "dolt" / "labels").as_uri()
    assert dolt(pulled.path, "remote", "-v").split()[:2] == ["origin", remote_url]
    insert(pulled, [(3, "from the clone")])
    commit(pulled, "clone commit")
    dolt(pulled.path, "push", "origin", "main")


def test_fetch_never_touches_the_workspace_database(shared_repo, tmp_path):
    repo = shared_repo
    dvc(repo, "push")
    labels = Database(repo / "labels")
    # A second clone moves labels on and pushes.
    other = clone(repo, tmp_path / "other")
    dvc(other, "pull")
    other_labels = Database(other / "labels")
    dolt(other_labels.path, "checkout", "-b", "relabel")
    insert(other_labels, [(9, "new")])
    new = commit(other_labels, "relabel")
    dvc(other, "commit", "-f", "labels.dvc")
    git(other, "commit", "-qam", "relabel")
    dvc(other, "push")
    git(repo, "pull", "-q", str(other), "main")

    insert(labels, [(5, "uncommitted work")])
    before = labels.heads()
    dvc(repo, "fetch")
    assert labels.heads() == before  # working set and branch untouched
    assert labels.has_commit(new)
    # pull = fetch + checkout: refused while dirty, nothing lost.
    proc = dvc(repo, "pull", ok=False)
    assert len(error_lines(proc)) == 1
    assert offers_force(proc)
    assert labels.heads() == before
    sql_rows = dolt(labels.path, "sql", "-q", "select v from t where id = 5")
    assert "uncommitted work" in sql_rows


def test_recorded_commit_stays_pullable_after_history_is_rewritten(shared_repo, tmp_path):
    repo = shared_repo
    labels = Database(repo / "labels")
    recorded = labels.heads()
    dvc(repo, "push")
    # The branch moves on, is rewritten and force-pushed to the same Dolt remote.
    remote_url = (tmp_path / "storage" / "dolt" / "labels").as_uri()
    dolt(labels.path, "remote", "add", "team", remote_url)
    insert(labels, [(7, "x")])
    commit(labels, "later")
    dolt(labels.path, "push", "team", "main")
    dolt(labels.path, "reset", "--hard", "HEAD~1")
    insert(labels, [(8, "y")])
    commit(labels, "rewritten")
    dolt(labels.path, "push", "--force", "team", "main")

    fresh = clone(repo, tmp_path / "fresh")
    dvc(fresh, "pull")
    assert Database(fresh / "labels").heads() == recorded


def test_all_commits_pushes_every_recorded_commit(shared_repo, tmp_path):
    repo = shared_repo
    labels = Database(repo / "labels")
    first = labels.heads()
    insert(labels, [(3, "c")])
    commit(labels, "second")
    dvc(repo, "commit", "-f", "labels.dvc")
    git(repo, "commit", "-qam", "second labels")
    second = labels.heads()

    dvc(repo, "push")  # the workspace only: the second commit
    fresh = clone(repo, tmp_path / "fresh")
    git(fresh, "checkout", "-q", "HEAD~1")
    proc = dvc(fresh, "pull", ok=False)
    assert f"Dolt database 'labels' from remote 'storage': commit {first.commit}" in proc.stderr
    assert "is not on the remote" in proc.stderr

    dvc(repo, "push", "--all-commits")
    fresh2 = clone(repo, tmp_path / "fresh2")
    git(fresh2, "checkout", "-q", "HEAD~1")
    dvc(fresh2, "pull")
    assert Database(fresh2 / "labels").heads() == first
    git(fresh2, "checkout", "-q", "main")
    dvc(fresh2, "pull")
    assert Database(fresh2 / "labels").heads() == second


def _record(repo, db, branch, label, message):
    """Commit ``label`` on Dolt branch ``branch`` and record it in git."""
    dolt(db.path, "checkout", "-b", branch)
    insert(db, [(100 + len(label), label)])
    commit(db, message)
    dvc(repo, "commit", "-f", "labels.dvc")
    git(repo, "commit", "-qam", message)
    return db.heads()


def _pull_at(repo, rev, dest, ok=True):
    fresh = clone(repo, dest)
    git(fresh, "checkout", "-q", rev)
    return fresh, dvc(fresh, "pull", ok=ok)


def test_all_branches_and_all_tags(shared_repo, tmp_path):
    """-a pushes what every git branch records, -T what every tag records."""
    repo = shared_repo
    labels = Database(repo / "labels")
    git(repo, "checkout", "-qb", "side")
    on_side = _record(repo, labels, "side", "side", "side labels")
    git(repo, "checkout", "-q", "main")
    git(repo, "checkout", "-qb", "release")
    tagged = _record(repo, labels, "tagged", "tagged", "tagged labels")
    git(repo, "tag", "v1")
    git(repo, "checkout", "-q", "main")
    git(repo, "branch", "-qD", "release")  # only the tag keeps that record alive
    dolt(labels.path, "checkout", "main")
    assert dvc(repo, "status").stdout.strip() == "Data and pipelines are up to date."

    dvc(repo, "push", "-a")
    fresh, _ = _pull_at(repo, "side", tmp_path / "side")
    assert Database(fresh / "labels").heads().commit == on_side.commit
    _, proc = _pull_at(repo, "v1", tmp_path / "v1-before", ok=False)
    assert f"commit {tagged.commit} is not on the remote" in proc.stderr

    dvc(repo, "push", "-T")
    fresh, _ = _pull_at(repo, "v1", tmp_path / "v1-after")
    assert Database(fresh / "labels").heads().commit == tagged.commit


def test_remote_flag_picks_the_remote(shared_repo, tmp_path):
    repo = shared_repo
    backup = tmp_path / "backup"
    dvc(repo, "remote", "add", "backup", str(backup))
    git(repo, "commit", "-qam", "backup remote")
    proc = dvc(repo, "push", "-r", "backup")
    assert "Pushed Dolt database 'labels' to remote 'backup'" in proc.stdout
    assert (backup / "dolt" / "labels").is_dir()
    assert not (tmp_path / "storage" / "dolt").exists()
    assert "in sync" in dvc(repo, "status", "-c", "-r", "backup").stdout
    assert "new:" in dvc(repo, "status", "-c").stdout  # the default remote lacks it

    fresh = clone(repo, tmp_path / "fresh")
    dvc(fresh, "pull", "-r", "backup")
    assert Database(fresh / "labels").heads() == Database(repo / "labels").heads()


def test_jobs_flag(dvc_repo, make_db, tmp_path):
    names = ["one", "two", "three"]
    for name in names:
        make_db(name, parent=dvc_repo)
    dvc(dvc_repo, "add", *names)
    default_remote(dvc_repo, tmp_path / "storage")
    git_commit(dvc_repo, "three databases")
    proc = dvc(dvc_repo, "push", "-j", "1")
    assert proc.stdout.count("Pushed Dolt database") == 3
    fresh = clone(dvc_repo, tmp_path / "fresh")
    dvc(fresh, "pull", "-j", "1")
    for name in names:
        assert Database(fresh / name).heads() == Database(dvc_repo / name).heads()


def test_status_cloud(shared_repo, tmp_path):
    repo = shared_repo
    status = dvc(repo, "status", "-c").stdout
    assert "new:                labels" in status
    dvc(repo, "push")
    assert "in sync" in dvc(repo, "status", "-c").stdout
    fresh = clone(repo, tmp_path / "fresh")
    status = dvc(fresh, "status", "-c").stdout
    assert "deleted:            labels" in status


def test_unusable_remote_is_one_clear_error(dvc_repo, make_db, tmp_path):
    track(dvc_repo, make_db, "labels")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    default_remote(dvc_repo, blocker / "storage", "broken")
    proc = dvc(dvc_repo, "push", ok=False)
    lines = error_lines(proc)
    assert len(lines) == 1
    assert "failed to push Dolt databases" in lines[0]
    assert "Dolt database 'labels' to remote 'broken': " in proc.stderr
    assert "Traceback" not in proc.stderr


def test_dolt_remote_type_over_http(dvc_repo, make_db, dolt_server, tmp_path):
    """A `dolt://host` DVC remote: a real `dolt sql-server --remotesapi-port`."""
    repo = dvc_repo
    labels = track(repo, make_db, "labels")
    url = f"dolt://127.0.0.1:{dolt_server.api_port}"
    default_remote(repo, url, "hub")
    assert "hub" in dvc(repo, "remote", "list").stdout
    # A remotesapi server (like DoltHub) serves databases that exist: say so clearly.
    proc = dvc(repo, "push", ok=False)
    assert "Dolt database 'labels' to remote 'hub'" in proc.stderr
    assert "database not found" in proc.stderr
    dolt_server.create_database("labels")
    dvc(repo, "push")
    git_commit(repo, "labels on the hub")

    fresh = clone(repo, tmp_path / "fresh")
    dvc(fresh, "pull")
    pulled = Database(fresh / "labels")
    assert pulled.heads() == labels.heads()
    assert "in sync" in dvc(fresh, "status", "-c").stdout

    # Plain DVC does not know the type: a clear config error, no traceback.
    plain = dvc(fresh, "status", ok=False, env={"DVC_DOLT_DISABLE": "1"})
    assert "Unsupported URL type dolt://" in plain.stderr
    assert "Traceback" not in plain.stderr


def test_dolt_remote_refuses_ordinary_files(dvc_repo, dolt_server):
    (dvc_repo / "model.bin").write_bytes(b"weights")
    dvc(dvc_repo, "add", "model.bin")
    default_remote(dvc_repo, f"dolt://127.0.0.1:{dolt_server.api_port}", "hub")
    proc = dvc(dvc_repo, "push", ok=False)
    assert "dolt:// remotes hold Dolt databases only" in proc.stderr


def test_per_output_remote_override(dvc_repo, make_db, tmp_path):
    """A database with its own home (e.g. cloned from DoltHub) syncs there."""
    repo = dvc_repo
    labels = make_db("labels", parent=repo)
    home = (tmp_path / "elsewhere").as_uri()
    dvc(repo, "add", "labels")
    text = (repo / "labels.dvc").read_text()
    entry = "  path: labels\n  meta:\n    dolt_remote: " + home
    (repo / "labels.dvc").write_text(text.replace("  path: labels", entry))
    # The project's remote carries its files; the database goes home.
    default_remote(repo, tmp_path / "files", "files")
    dvc(repo, "push")
    assert (tmp_path / "elsewhere").is_dir()
    assert not (tmp_path / "files" / "dolt").exists()
    git_commit(repo, "labels from elsewhere")
    fresh = clone(repo, tmp_path / "fresh")
    dvc(fresh, "pull")
    assert Database(fresh / "labels").heads() == labels.heads()


def test_gc_cloud_keeps_dolt_data(shared_repo, tmp_path):
    repo = shared_repo
    dvc(repo, "push")
    storage = tmp_path / "storage" / "dolt" / "labels"
    before = sorted(p.name for p in storage.rglob("*"))
    (repo / "model.bin").write_bytes(b"weights v2")
    dvc(repo, "add", "model.bin")
    dvc(repo, "push")
    for flags in (["-w", "-c"], ["-A", "-c", "-r", "storage"], ["-w", "--not-in-remote"]):
        dvc(repo, "gc", "-f", *flags)
        assert sorted(p.name for p in storage.rglob("*")) == before
    fresh = clone(repo, tmp_path / "fresh")
    dvc(fresh, "pull", "labels.dvc")
    assert Database(fresh / "labels").heads() == Database(repo / "labels").heads()


def test_push_targets(dvc_repo, make_db, tmp_path):
    make_db("one", parent=dvc_repo)
    make_db("two", parent=dvc_repo)
    dvc(dvc_repo, "add", "one", "two")
    default_remote(dvc_repo, tmp_path / "storage")
    dvc(dvc_repo, "push", "one.dvc")
    assert (tmp_path / "storage" / "dolt" / "one").is_dir()
    assert not (tmp_path / "storage" / "dolt" / "two").exists()


def test_unreachable_dolt_remote(dvc_repo, make_db):
    from helpers import free_port

    track(dvc_repo, make_db, "labels")
    default_remote(dvc_repo, f"dolt://127.0.0.1:{free_port()}/team", "hub")
    proc = dvc(dvc_repo, "push", ok=False)
    (line,) = error_lines(proc)
    assert line == "ERROR: failed to push data to the cloud - failed to push Dolt databases:"
    detail = proc.stderr.splitlines()[1]
    assert detail.startswith("Dolt database 'labels' to remote 'hub': ")
    assert "connection refused" in detail
    assert "Traceback" not in proc.stderr
