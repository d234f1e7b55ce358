"""`dvc import`, `dvc get` and `dvc update` of a Dolt database another project tracks:
the commit that revision of the source project recorded, cloned through Dolt from
the source project's DVC remote."""

from __future__ import annotations

import inspect

import pytest
import yaml
from helpers import (
    commit,
    default_remote,
    dolt,
    dvc,
    error_lines,
    git,
    git_commit,
    insert,
    new_project,
    offers_force,
    track,
)

from dvc_dolt.dolt import Database

pytestmark = pytest.mark.timeout(300)


def record(source, message: str, rows) -> str:
    """Commit ``rows`` into the source's labels, record it, commit to git, push; the commit."""
    labels = Database(source / "labels")
    insert(labels, rows)
    new = commit(labels, message)
    dvc(source, "commit", "-f", "labels.dvc")
    git(source, "commit", "-qam", message)
    dvc(source, "push")
    return new


def entry(project, dvcfile: str) -> dict:
    return yaml.safe_load((project / dvcfile).read_text())


def cached_files(project) -> list:
    cache = project / ".dvc" / "cache"
    return [p for p in cache.rglob("*") if p.is_file()] if cache.exists() else []


@pytest.fixture
def user(tmp_path):
    return new_project(tmp_path / "user")


def test_import_clones_the_commit_the_source_recorded(pushed_repo, user, tmp_path):
    source = pushed_repo
    recorded = Database(source / "labels").heads()
    # The source's database moves on; that commit is neither recorded nor pushed.
    workspace = Database(source / "labels")
    insert(workspace, [(3, "unrecorded")])
    commit(workspace, "unrecorded")

    (user / "data").mkdir()  # DVC wants the .dvc file's directory to exist
    dvc(user, "import", str(source), "labels", "-o", "data/labels")

    imported = Database(user / "data" / "labels")
    assert imported.heads() == recorded
    assert imported.heads().branch == "main"
    assert imported.dirty_reasons() == []
    stage = entry(user, "data/labels.dvc")
    repo = stage["deps"][0]["repo"]
    assert repo["url"] == str(source)
    assert repo["rev_lock"] == git(source, "rev-parse", "HEAD").strip()
    assert stage["outs"][0]["checksum"] == recorded.checksum
    # A normal database: not in DVC's cache, and git-ignored.
    assert cached_files(user) == []
    assert git(user, "check-ignore", "data/labels").strip() == "data/labels"
    assert dvc(user, "status").stdout.strip() == "Data and pipelines are up to date."
    # Its origin is the source's Dolt remote: plain dolt works in it.
    origin = (tmp_path / "storage" / "dolt" / "labels").as_uri()
    assert dolt(imported.path, "remote", "-v").split()[:2] == ["origin", origin]


def test_status_push_and_pull_of_an_import_in_a_fresh_clone(pushed_repo, user, tmp_path):
    source = pushed_repo
    recorded = Database(source / "labels").heads()
    dvc(user, "import", str(source), "labels")
    git_commit(user, "import labels")
    # Like DVC's own imports, it is never pushed to the importing project's remote.
    default_remote(user, tmp_path / "mine", "mine")
    dvc(user, "push")
    assert not (tmp_path / "mine" / "dolt").exists()

    imported = Database(user / "labels")
    insert(imported, [(7, "local")])
    assert "modified" in dvc(user, "status").stdout

    fresh = tmp_path / "fresh"
    git(tmp_path, "clone", "-q", str(user), str(fresh))
    proc = dvc(fresh, "pull")
    assert ["A", "labels/"] in [line.split() for line in proc.stdout.splitlines()]
    assert Database(fresh / "labels").heads() == recorded
    assert dvc(fresh, "status").stdout.strip() == "Data and pipelines are up to date."


def test_update_moves_the_import_to_the_newer_recorded_commit(pushed_repo, user):
    source = pushed_repo
    dvc(user, "import", str(source), "labels")
    git_commit(user, "import labels")

    newer = record(source, "more labels", [(3, "c")])
    dvc(user, "update", "labels.dvc")

    imported = Database(user / "labels")
    assert imported.heads().commit == newer
    assert imported.dirty_reasons() == []
    stage = entry(user, "labels.dvc")
    assert stage["deps"][0]["repo"]["rev_lock"] == git(source, "rev-parse", "HEAD").strip()
    assert stage["outs"][0]["checksum"] == imported.heads().checksum
    assert dvc(user, "status").stdout.strip() == "Data and pipelines are up to date."


def test_update_refuses_local_commits_unless_forced_and_keeps_them(pushed_repo, user):
    source = pushed_repo
    dvc(user, "import", str(source), "labels")
    before = (user / "labels.dvc").read_text()
    imported = Database(user / "labels")
    insert(imported, [(8, "mine")])
    mine = commit(imported, "my own commit")
    newer = record(source, "more labels", [(3, "c")])

    proc = dvc(user, "update", "labels.dvc", ok=False)
    (line,) = error_lines(proc)
    for words in ("'labels'", mine, "dvc update --force"):
        assert words in line
    assert offers_force(proc)
    assert imported.heads().commit == mine
    assert (user / "labels.dvc").read_text() == before

    dvc(user, "update", "--force", "labels.dvc")
    assert imported.heads().commit == newer
    assert f"dvc/kept/{mine}" in imported.branches()
    assert imported.is_ancestor(mine, f"dvc/kept/{mine}")


def test_import_at_an_older_tag(pushed_repo, user):
    source = pushed_repo
    first = Database(source / "labels").heads().commit
    git(source, "tag", "v1")
    record(source, "more labels", [(3, "c")])

    dvc(user, "import", "--rev", "v1", str(source), "labels")

    assert Database(user / "labels").heads().commit == first
    repo = entry(user, "labels.dvc")["deps"][0]["repo"]
    assert repo["rev"] == "v1"
    assert repo["rev_lock"] == git(source, "rev-parse", "v1").strip()


def test_get_gives_a_plain_clone_at_the_recorded_commit(pushed_repo, tmp_path):
    source = pushed_repo
    recorded = Database(source / "labels").heads()
    workspace = Database(source / "labels")
    insert(workspace, [(3, "unrecorded")])
    commit(workspace, "unrecorded")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    dvc(elsewhere, "get", str(source), "labels", "-o", "got")

    got = Database(elsewhere / "got")
    assert got.heads() == recorded
    assert got.heads().branch == "main"
    assert got.dirty_reasons() == []
    assert sorted(p.name for p in elsewhere.iterdir()) == ["got"]
    # DVC would put it inside the directory `got`, here a database: refused.
    proc = dvc(elsewhere, "get", str(source), "labels", "-o", "got", ok=False)
    (line,) = error_lines(proc)
    assert "inside Dolt database 'got'" in line
    assert not (elsewhere / "got" / "labels").exists()


def test_import_from_a_git_url(pushed_repo, user, tmp_path):
    source = pushed_repo
    recorded = Database(source / "labels").heads()
    # The source's config names its remote by an absolute path, which the
    # clone DVC makes of the bare repository resolves to the same place.
    assert str(tmp_path / "storage") in (source / ".dvc" / "config").read_text()
    bare = tmp_path / "source.git"
    git(tmp_path, "clone", "-q", "--bare", str(source), str(bare))

    dvc(user, "import", bare.as_uri(), "labels")

    assert Database(user / "labels").heads() == recorded
    assert entry(user, "labels.dvc")["deps"][0]["repo"]["url"] == bare.as_uri()
    git_commit(user, "import labels")
    fresh = tmp_path / "fresh"
    git(tmp_path, "clone", "-q", str(user), str(fresh))
    dvc(fresh, "pull")
    assert Database(fresh / "labels").heads() == recorded


def test_a_commit_the_source_never_pushed_is_one_error(pushed_repo, user, tmp_path):
    source = pushed_repo
    labels = Database(source / "labels")
    insert(labels, [(3, "c")])
    unpushed = commit(labels, "not pushed")
    dvc(source, "commit", "-f", "labels.dvc")
    git(source, "commit", "-qam", "record without pushing")

    proc = dvc(user, "import", str(source), "labels", ok=False)

    (line,) = error_lines(proc)
    for words in ("'labels'", unpushed, "'storage'", "run `dvc push` in the source project"):
        assert words in line
    assert not (user / "labels").exists()
    assert not (user / "labels.dvc").exists()


def test_a_source_without_a_remote_is_one_error(dvc_repo, make_db, user):
    source = dvc_repo
    track(source, make_db, "labels", git_message="labels")

    proc = dvc(user, "import", str(source), "labels", ok=False)

    (line,) = error_lines(proc)
    for words in ("'labels'", "in the source project", "dvc remote add -d", "dvc push"):
        assert words in line
    assert not (user / "labels").exists()
    assert not (user / "labels.dvc").exists()


def test_the_dvc_internal_an_import_reads_keeps_its_shape():
    # Not a patch point, so patches.check does not see it: CI runs this on the
    # oldest and newest DVC dvc-dolt supports.
    from dvc.dependency.repo import RepoDependency

    assert list(inspect.signature(RepoDependency._make_fs).parameters) == [
        "self",
        "rev",
        "locked",
    ]
    # imports.owner_of: the subrepo that holds a path (it falls back to the
    # root project when these change).
    from dvc.fs.dvc import _DVCFileSystem

    assert list(inspect.signature(_DVCFileSystem._get_key_from_relative).parameters) == [
        "self",
        "path",
    ]
    assert list(inspect.signature(_DVCFileSystem._get_subrepo_info).parameters) == [
        "self",
        "key",
    ]


def test_import_of_a_database_a_pipeline_writes(exp_repo, user, tmp_path):
    source = exp_repo  # `scores` is recorded in dvc.lock by stage `score`
    default_remote(source, tmp_path / "storage")
    git(source, "commit", "-qam", "remote")
    dvc(source, "push")
    scores = Database(source / "scores")
    recorded = scores.heads()
    dolt(scores.path, "sql", "-q", "insert into scores values (1000, 1)")
    commit(scores, "unrecorded")

    dvc(user, "import", str(source), "scores")

    assert Database(user / "scores").heads() == recorded


def test_a_record_the_source_has_not_committed_to_git_is_one_error(
    dvc_repo, make_db, user, tmp_path
):
    source = dvc_repo
    make_db("labels", parent=source)
    default_remote(source, tmp_path / "storage")
    dvc(source, "add", "labels")
    dvc(source, "push")  # pushed, but labels.dvc is not in git

    proc = dvc(user, "import", str(source), "labels", ok=False)

    (line,) = error_lines(proc)
    assert "does not record Dolt database 'labels'" in line
    assert "commit its record" in line
    assert not (user / "labels").exists()


def test_update_refuses_uncommitted_work_unless_forced(pushed_repo, user):
    source = pushed_repo
    dvc(user, "import", str(source), "labels")
    imported = Database(user / "labels")
    insert(imported, [(9, "uncommitted")])
    newer = record(source, "more labels", [(3, "c")])

    proc = dvc(user, "update", "labels.dvc", ok=False)
    (line,) = error_lines(proc)
    assert "uncommitted work" in line
    assert offers_force(proc)
    assert imported.dirty_reasons() != []

    dvc(user, "update", "--force", "labels.dvc")
    assert imported.heads().commit == newer
    assert imported.dirty_reasons() == []


def test_import_force_never_overwrites_a_database(pushed_repo, user, make_db):
    source = pushed_repo
    mine = make_db("labels", rows=[(5, "mine")], parent=user)
    before = mine.heads()

    proc = dvc(user, "import", "--force", str(source), "labels", ok=False)

    (line,) = error_lines(proc)
    assert "this import did not make" in line
    assert mine.heads() == before
    assert not (user / "labels.dvc").exists()


def test_import_no_download_records_the_commit_and_pull_clones_it(pushed_repo, user):
    source = pushed_repo
    recorded = Database(source / "labels").heads()
    proc = dvc(user, "import", "--no-download", str(source), "labels")
    assert "Traceback" not in proc.stderr

    # Recorded, not cloned: nothing on disk, nothing in DVC's cache.
    assert not (user / "labels").exists()
    assert cached_files(user) == []
    stage = entry(user, "labels.dvc")
    assert stage["deps"][0]["repo"]["rev_lock"] == git(source, "rev-parse", "HEAD").strip()
    assert stage["outs"][0]["checksum"] == recorded.checksum
    assert git(user, "check-ignore", "labels").strip() == "labels"
    assert "deleted" in dvc(user, "status").stdout

    git_commit(user, "import labels, not downloaded")
    dvc(user, "pull")
    assert Database(user / "labels").heads() == recorded
    assert dvc(user, "status").stdout.strip() == "Data and pipelines are up to date."


def test_update_no_download_records_the_newer_commit(pushed_repo, user):
    source = pushed_repo
    dvc(user, "import", str(source), "labels")
    imported = Database(user / "labels")
    before = imported.heads()

    newer = record(source, "more labels", [(3, "c")])
    dvc(user, "update", "--no-download", "labels.dvc")

    # The database stays where it was; the record moves to the source's new commit.
    assert imported.heads() == before
    stage = entry(user, "labels.dvc")
    assert stage["deps"][0]["repo"]["rev_lock"] == git(source, "rev-parse", "HEAD").strip()
    assert newer in stage["outs"][0]["checksum"]
    assert "modified" in dvc(user, "status").stdout
    dvc(user, "pull")
    assert imported.heads().commit == newer
    assert dvc(user, "status").stdout.strip() == "Data and pipelines are up to date."


@pytest.fixture
def monorepo(tmp_path, make_db):
    """A git repository whose DVC project `registry/` (a subrepo) tracks and pushed `labels`."""
    mono = tmp_path / "mono"
    mono.mkdir()
    git(mono, "init", "-q", "-b", "main")
    (mono / "README").write_text("a monorepo\n")
    sub = mono / "registry"
    sub.mkdir()
    dvc(sub, "init", "--subdir", "-q")
    track(sub, make_db, "labels")
    default_remote(sub, tmp_path / "storage")
    git_commit(mono, "registry")
    dvc(sub, "push")
    return mono


def test_import_and_get_from_a_subrepo(monorepo, user, tmp_path):
    recorded = Database(monorepo / "registry" / "labels").heads()
    dvc(user, "import", str(monorepo), "registry/labels")
    imported = Database(user / "labels")
    assert imported.heads() == recorded
    assert entry(user, "labels.dvc")["outs"][0]["checksum"] == recorded.checksum
    assert dvc(user, "status").stdout.strip() == "Data and pipelines are up to date."

    dvc(user, "get", str(monorepo), "registry/labels", "-o", "copy")
    assert Database(user / "copy").heads().commit == recorded.commit

    git_commit(user, "import from the subrepo")
    fresh = tmp_path / "fresh"
    git(tmp_path, "clone", "-q", str(user), str(fresh))
    dvc(fresh, "pull")
    assert Database(fresh / "labels").heads() == recorded
