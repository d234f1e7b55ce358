"""The same behaviour in process, through DVC's ``Repo`` API and ``dvc.cli.main``, on
DVC's own ``dvc.testing`` fixtures (``tmp_dir``, ``scm``, ``dvc``), as DVC's plugins
are tested."""

import pytest
from dvc.cli import main
from dvc.exceptions import DvcException
from dvc.testing.fixtures import dvc, make_tmp_dir, scm, tmp_dir  # noqa: F401
from helpers import commit, insert

from dvc_dolt.dolt import Database


@pytest.fixture(autouse=True)
def _no_analytics(monkeypatch):
    monkeypatch.setenv("DVC_NO_ANALYTICS", "1")


def test_add_status_commit_through_the_repo_api(tmp_dir, scm, dvc, make_db):  # noqa: F811
    db = make_db("labels", parent=tmp_dir)
    (stage,) = dvc.add("labels")
    assert stage.outs[0].hash_info.value == db.heads().checksum
    # Recorded by its heads only: not one file of the database went into the cache.
    assert [p for p in (tmp_dir / ".dvc" / "cache").rglob("*") if p.is_file()] == []
    assert dvc.status() == {}

    insert(db, [(9, "z")])
    commit(db, "relabel")
    assert dvc.status() == {"labels.dvc": [{"changed outs": {"labels": "modified"}}]}
    dvc.commit("labels.dvc", force=True)
    assert dvc.status() == {}
    assert "labels" in (tmp_dir / "labels.dvc").read_text()


def test_dirty_database_is_refused_through_the_repo_api(tmp_dir, scm, dvc, make_db):  # noqa: F811
    db = make_db("labels", parent=tmp_dir)
    insert(db, [(9, "z")])
    with pytest.raises(DvcException, match=r"labels.*uncommitted"):
        dvc.add("labels")
    assert not (tmp_dir / "labels.dvc").exists()
    assert not (tmp_dir / ".gitignore").exists()


def test_checkout_through_main_in_process(tmp_dir, scm, dvc, make_db):  # noqa: F811
    db = make_db("labels", parent=tmp_dir)
    assert main(["add", "labels"]) == 0
    scm.add(["labels.dvc", ".gitignore"])
    scm.commit("labels v1")
    recorded = db.heads()
    insert(db, [(9, "z")])
    newer = commit(db, "v2")
    assert main(["commit", "-f", "labels.dvc"]) == 0

    scm.checkout("HEAD", force=True)  # labels.dvc back to v1
    assert main(["checkout"]) == 0
    assert Database(tmp_dir / "labels").heads() == recorded
    # The commit checkout moved away from is kept on a branch.
    assert any(newer in b for b in db.branches())
