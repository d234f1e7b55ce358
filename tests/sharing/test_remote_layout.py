"""Where each database lives on a DVC remote: one remote database per workspace
path, remotes written by earlier versions, and databases that `dvc move` renamed."""

from __future__ import annotations

from helpers import commit, default_remote, dolt, dvc, git, git_commit, insert

from dvc_dolt.dolt import Database
from dvc_dolt.dvc.layout import database_key, legacy_database_key

# Each pair met on one remote database before keys were made injective.
NAMES = ["data/labels", "data-labels", "données", "donnäes"]


def _clone(repo, dest):
    git(dest.parent, "clone", "-q", str(repo), str(dest))
    return dest


def test_databases_whose_old_keys_collide_keep_their_own_history(dvc_repo, make_db, tmp_path):
    repo = dvc_repo
    (repo / "data").mkdir()
    recorded = {}
    for i, name in enumerate(NAMES):
        # Unrelated histories, so that mixing them in one remote database shows.
        db = make_db(name, rows=[(i, name)], parent=repo)
        recorded[name] = db.heads()
    dvc(repo, "add", *NAMES)
    storage = tmp_path / "storage"
    default_remote(repo, storage)
    git_commit(repo, "four databases")
    dvc(repo, "push")

    homes = sorted(p.name for p in (storage / "dolt").iterdir())
    assert homes == sorted(database_key(name) for name in NAMES)
    assert len(set(homes)) == len(NAMES)

    fresh = _clone(repo, tmp_path / "fresh")
    assert dvc(fresh, "status", "-c").stdout.count("deleted:") == len(NAMES)
    dvc(fresh, "pull")
    for i, name in enumerate(NAMES):
        pulled = Database(fresh / name)
        assert pulled.heads() == recorded[name]
        assert f"| {i}  | {name}" in dolt(pulled.path, "sql", "-q", "select * from t")
    assert dvc(fresh, "status").stdout.strip() == "Data and pipelines are up to date."


def _push_the_old_way(db: Database, storage, name: str) -> str:
    """Pin the database's HEAD where dvc-dolt 0.1 put it: <remote>/dolt/<legacy key>."""
    head = db.heads().commit
    url = (storage / "dolt" / legacy_database_key(name)).as_uri()
    dolt(db.path, "remote", "add", "old-layout", url)
    dolt(db.path, "push", "old-layout", f"{head}:refs/heads/dvc/pin/{head}")
    dolt(db.path, "remote", "remove", "old-layout")
    return head


def test_remote_written_by_an_earlier_version_keeps_working(dvc_repo, make_db, tmp_path):
    repo = dvc_repo
    (repo / "data").mkdir()
    labels = make_db("labels", parent=repo / "data")
    dvc(repo, "add", "data/labels")
    storage = tmp_path / "storage"
    default_remote(repo, storage)
    git_commit(repo, "labels")
    first = _push_the_old_way(labels, storage, "data/labels")
    assert database_key("data/labels") != legacy_database_key("data/labels")
    assert "in sync" in dvc(repo, "status", "-c").stdout

    fresh = _clone(repo, tmp_path / "fresh")
    assert "deleted:            data/labels" in dvc(fresh, "status", "-c").stdout
    dvc(fresh, "pull")
    pulled = Database(fresh / "data" / "labels")
    assert pulled.heads() == labels.heads()

    # A commit recorded later goes to the new place; both stay pullable.
    insert(labels, [(3, "c")])
    second = commit(labels, "second")
    dvc(repo, "commit", "-f", "data/labels.dvc")
    git(repo, "commit", "-qam", "second labels")
    dvc(repo, "push")
    assert (storage / "dolt" / database_key("data/labels")).is_dir()
    git(fresh, "pull", "-q", str(repo), "main")
    dvc(fresh, "pull")
    assert pulled.heads().commit == second
    again = _clone(repo, tmp_path / "again")
    git(again, "checkout", "-q", "HEAD~1")
    dvc(again, "fetch")
    dvc(again, "checkout")
    assert Database(again / "data" / "labels").heads().commit == first


def test_move_keeps_older_revisions_pullable(dvc_repo, make_db, tmp_path):
    repo = dvc_repo
    labels = make_db("labels", parent=repo)
    first = labels.heads()
    dvc(repo, "add", "labels")
    default_remote(repo, tmp_path / "storage")
    git_commit(repo, "labels")
    # Nothing pushed yet: the move happens first.
    (repo / "data").mkdir()
    dvc(repo, "move", "labels", "data/labels")
    git_commit(repo, "move labels")
    moved = Database(repo / "data" / "labels")
    insert(moved, [(3, "c")])
    second = commit(moved, "after the move")
    dvc(repo, "commit", "-f", "data/labels.dvc")
    git(repo, "commit", "-qam", "labels after the move")

    dvc(repo, "push", "-A")

    old = _clone(repo, tmp_path / "old")
    git(old, "checkout", "-q", "HEAD~2")
    dvc(old, "pull")
    assert Database(old / "labels").heads() == first
    new = _clone(repo, tmp_path / "new")
    dvc(new, "pull")
    assert Database(new / "data" / "labels").heads().commit == second

    # In the project itself too: back to the old revision and pull.
    git(repo, "checkout", "-q", "HEAD~2")
    dvc(repo, "pull")
    assert Database(repo / "labels").heads() == first
