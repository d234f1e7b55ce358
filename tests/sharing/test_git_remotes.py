"""A git repository as the DVC remote of databases: the project's own origin,
by path (``git+file``), with real `dvc`, `git` and `dolt`.

Over ssh and smart HTTP: tests/sharing/test_git_transports.py.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from helpers import (
    DoltTrace,
    commit,
    default_remote,
    dolt,
    dvc,
    git,
    git_commit,
    git_refs,
    insert,
    sql,
    table_rows,
    track,
)

from dvc_dolt.dolt import Database
from dvc_dolt.dvc.layout import database_key, git_ref
from dvc_dolt.dvc.plug.remotes import _GIT_SCHEMES, _may_be_git
from dvc_dolt.dvc.sharing.git_remotes import SCHEMES, git_url_of

pytestmark = pytest.mark.timeout(300)


def with_origin(repo: Path) -> Path:
    """A bare repository beside ``repo``, its git remote ``origin``, holding main."""
    origin = repo.parent / "origin.git"
    git(repo.parent, "init", "-q", "--bare", "-b", "main", str(origin))
    git(repo, "remote", "add", "origin", str(origin))
    git(repo, "push", "-q", "origin", "main")
    return origin


def has_git_object(db_path: Path, sha: str) -> bool:
    """Whether the database's git remote cache holds git object ``sha``."""
    caches = (db_path / ".dolt" / "git-remote-cache").glob("*/repo.git")
    return any(
        subprocess.run(["git", "--git-dir", str(c), "cat-file", "-e", sha]).returncode == 0
        for c in caches
    )


def clone_project(origin: Path, where: Path) -> Path:
    git(where.parent, "clone", "-q", str(origin), str(where))
    return where


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("git+ssh://git@example.com/org/repo.git", "git+ssh://git@example.com/org/repo.git"),
        ("GIT+HTTPS://example.com/x.git", "git+https://example.com/x.git"),
        ("git@github.com:org/repo.git", "git+ssh://git@github.com/./org/repo.git"),
        ("git@host:/abs/repo.git", "git+ssh://git@host/abs/repo.git"),
        ("https://github.com/org/repo.git", "git+https://github.com/org/repo.git"),
        ("https://github.com/org/repo.git/", "git+https://github.com/org/repo.git/"),
        ("git+remote://origin", "git+remote://origin"),
        ("https://example.com/dvc-storage", None),
        ("s3://bucket/path", None),
        ("/local/path/repo.git", None),
        ("relative:with-colon", None),
    ],
)
def test_which_urls_name_a_git_remote(url, expected):
    assert git_url_of(url) == expected
    # The config patch's cheap first look lets every git URL through.
    assert _may_be_git(url) or expected is None


def test_the_config_patch_knows_every_git_scheme():
    assert set(_GIT_SCHEMES) == set(SCHEMES)


def test_git_remote_urls_are_kept_as_written_in_the_config(dvc_repo):
    urls = {
        "a": "git+file:///srv/git/project.git",
        "b": "git@github.com:org/repo.git",
        "c": "git+remote://origin",
        "d": "https://example.com/org/repo.git",
    }
    for name, url in urls.items():
        dvc(dvc_repo, "remote", "add", name, url)
    listed = dict(line.split() for line in dvc(dvc_repo, "remote", "list").stdout.splitlines())
    # DVC would otherwise take them for paths relative to .dvc/ (../git+file:/srv/...).
    assert listed == urls
    config = (dvc_repo / ".dvc" / "config").read_text()
    for url in urls.values():
        assert f"url = {url}\n" in config


def test_the_projects_own_origin_holds_its_databases(dvc_repo, make_db, tmp_path):
    origin = with_origin(dvc_repo)
    default_remote(dvc_repo, "git+remote://origin", "origin")
    db = track(dvc_repo, make_db, "labels", git_message="labels")
    first = db.heads().commit

    push = dvc(dvc_repo, "push")
    assert "Pushed Dolt database 'labels' to remote 'origin': 1 new commit" in push.stdout
    git(dvc_repo, "push", "-q", "origin", "main")
    on_origin = git_refs(origin)
    assert git_ref(database_key("labels")) in on_origin
    # Dolt 2.x's info branch is off: a plain clone gets branches, nothing of Dolt.
    assert sorted(r for r in on_origin if r.startswith("refs/heads/")) == ["refs/heads/main"]
    trace = DoltTrace(tmp_path / "trace.jsonl")
    status = trace.dvc(dvc_repo, "status", "-c")
    assert status.stdout.strip() == "Cache and remote 'origin' are in sync."
    # Asked from the database itself, whose git cache holds the ref already: no
    # throwaway database downloads it all again.
    assert "fetch" in trace.commands()
    assert "init" not in trace.commands()
    lines = trace.path.read_text().splitlines()
    assert {json.loads(line)["cwd"] for line in lines} == {str(dvc_repo / "labels")}

    clone = clone_project(origin, tmp_path / "clone")
    assert not any("dolt" in r for r in git(clone, "for-each-ref").split())
    objects = git(clone, "count-objects", "-v")
    pulled = dvc(clone, "pull")
    assert "Fetched Dolt database 'labels' from remote 'origin'" in pulled.stdout
    assert table_rows(clone / "labels") == [[1, "a"], [2, "b"]]
    assert Database(clone / "labels").heads().commit == first
    assert dvc(clone, "status").stdout.strip() == "Data and pipelines are up to date."
    assert git(clone, "count-objects", "-v") == objects  # no Dolt data in git's own store

    # `dvc dolt gc --git-cache` deletes Dolt's second copy; the next pull refills it.
    cache = clone / "labels" / ".dolt" / "git-remote-cache"
    assert cache.is_dir()
    dry = dvc(clone, "dolt", "gc", "--git-cache", "--dry-run").stdout
    assert "Would delete the git remote cache of Dolt database 'labels'" in dry
    assert cache.is_dir()
    done = dvc(clone, "dolt", "gc", "--git-cache").stdout
    assert "Deleted the git remote cache of Dolt database 'labels'" in done
    assert not cache.exists()
    assert not list((clone / "labels" / ".dolt").glob("*deleting*"))

    # A new commit: status -c sees the remote lacks it, push sends it.
    insert(db, [(3, "c")])
    commit(db, "third")
    dvc(dvc_repo, "commit", "-f", "labels")
    status = dvc(dvc_repo, "status", "-c", "--json")
    assert json.loads(status.stdout) == {"labels": "new"}
    data = dvc(dvc_repo, "data", "status", "--not-in-remote", "--json")
    assert "labels/" in json.loads(data.stdout).get("not_in_remote", [])
    dvc(dvc_repo, "push")
    # The push ran in a view of the database, and kept Dolt's copy of the ref in
    # the database itself: the next push fetches only what is new there.
    assert has_git_object(db.path, git_refs(origin)[git_ref("labels")])
    data = dvc(dvc_repo, "data", "status", "--not-in-remote", "--json")
    assert "labels/" not in json.loads(data.stdout).get("not_in_remote", [])
    git_commit(dvc_repo, "three rows")
    git(dvc_repo, "push", "-q", "origin", "main")
    git(clone, "pull", "-q", "origin", "main")
    dvc(clone, "pull")
    assert table_rows(clone / "labels") == [[1, "a"], [2, "b"], [3, "c"]]
    assert cache.is_dir()


def test_two_databases_live_under_refs_of_their_own(dvc_repo, make_db, tmp_path):
    origin = with_origin(dvc_repo)
    default_remote(dvc_repo, "git+remote://origin", "origin")
    track(dvc_repo, make_db, "data/labels", rows=[(1, "x")])
    track(dvc_repo, make_db, "data-labels", rows=[(2, "y")], git_message="two")
    dvc(dvc_repo, "push")
    git(dvc_repo, "push", "-q", "origin", "main")
    on_origin = git_refs(origin)
    assert {git_ref("data--labels"), git_ref("data-2dlabels")} <= set(on_origin)

    clone = clone_project(origin, tmp_path / "clone")
    dvc(clone, "pull", "data-labels.dvc")
    assert table_rows(clone / "data-labels") == [[2, "y"]]
    assert not (clone / "data" / "labels").exists()
    # The clone fetched its own ref only.
    cache = clone / "data-labels" / ".dolt" / "git-remote-cache"
    fetched = git(next(p for p in cache.rglob("HEAD")).parent, "for-each-ref").strip()
    assert "data--labels" not in fetched


def test_files_go_elsewhere_and_databases_to_git(dvc_repo, make_db, tmp_path):
    origin = with_origin(dvc_repo)
    files = tmp_path / "files-remote"
    default_remote(dvc_repo, str(files), "files")
    dvc(dvc_repo, "remote", "add", "origin", "git+remote://origin")
    dvc(dvc_repo, "config", "dolt.remote", "origin")
    (dvc_repo / "model.bin").write_bytes(b"weights")
    dvc(dvc_repo, "add", "model.bin")
    track(dvc_repo, make_db, "labels", git_message="both")

    push = dvc(dvc_repo, "push")
    assert "Pushed Dolt database 'labels' to remote 'origin'" in push.stdout
    assert git_ref("labels") in git_refs(origin)
    assert any(p.is_file() for p in files.rglob("*"))  # the file went to its remote
    assert not (files / "dolt").exists()  # and the database did not

    # A file sent to the git remote itself is one clear error.
    proc = dvc(dvc_repo, "push", "-r", "origin", "model.bin", ok=False)
    errors = [line for line in proc.stderr.splitlines() if line.startswith("ERROR")]
    assert len(errors) == 1, proc.stderr
    assert "git remotes hold Dolt databases only" in errors[0]
    assert "Traceback" not in proc.stderr


def test_pins_keep_recorded_commits_after_the_database_history_is_rewritten(
    dvc_repo, make_db, tmp_path
):
    origin = with_origin(dvc_repo)
    default_remote(dvc_repo, "git+remote://origin", "origin")
    db = track(dvc_repo, make_db, "labels", rows=[(1, "old")], git_message="old")
    old_rev = git(dvc_repo, "rev-parse", "HEAD").strip()
    old = db.heads().commit
    dvc(dvc_repo, "push")
    # Rewrite the database's history: main no longer reaches the old commit.
    sql(db, "delete from t")
    insert(db, [(9, "new")])
    dolt(db.path, "add", "-A")
    dolt(db.path, "commit", "--amend", "-m", "rewritten")
    assert "initial data" not in dolt(db.path, "log", "--oneline")
    dvc(dvc_repo, "commit", "-f", "labels")
    git_commit(dvc_repo, "rewritten")
    dvc(dvc_repo, "push")
    git(dvc_repo, "push", "-q", "origin", "main")

    clone = clone_project(origin, tmp_path / "clone")
    dvc(clone, "pull")
    assert table_rows(clone / "labels") == [[9, "new"]]
    git(clone, "checkout", "-q", old_rev)
    dvc(clone, "pull")  # fetches the old commit by its pin, then checks it out
    assert table_rows(clone / "labels") == [[1, "old"]]
    assert Database(clone / "labels").heads().commit == old


@pytest.mark.parametrize("where", ["dvc remote", "git remote"])
def test_a_password_in_a_git_url_is_refused_and_never_shown(dvc_repo, make_db, where):
    url = "https://user:s3cret@127.0.0.1:9/x.git"
    if where == "git remote":  # e.g. a CI token in the clone's origin URL
        git(dvc_repo, "remote", "add", "origin", url)
        url = "git+remote://origin"
    default_remote(dvc_repo, url, "origin")
    track(dvc_repo, make_db, "labels", git_message="labels")
    proc = dvc(dvc_repo, "push", "-v", ok=False)
    assert "credential helper" in proc.stderr
    assert "s3cret" not in proc.stderr + proc.stdout


def test_a_missing_git_remote_is_one_clear_error(dvc_repo, make_db):
    default_remote(dvc_repo, "git+remote://upstream", "origin")
    track(dvc_repo, make_db, "labels", git_message="labels")
    proc = dvc(dvc_repo, "push", ok=False)
    errors = [line for line in proc.stderr.splitlines() if line.startswith("ERROR")]
    assert len(errors) == 1, proc.stderr
    assert "git remote add upstream <url>" in proc.stderr


def test_a_first_push_bigger_than_a_git_host_takes_is_announced(dvc_repo, make_db):
    with_origin(dvc_repo)
    default_remote(dvc_repo, "git+remote://origin", "origin")
    track(dvc_repo, make_db, "labels", git_message="labels")
    limit = {"DVC_DOLT_GIT_PUSH_LIMIT": "1000"}  # bytes: any database is bigger
    first = dvc(dvc_repo, "push", env=limit)
    warnings = [line for line in first.stderr.splitlines() if line.startswith("WARNING")]
    assert len(warnings) == 1, first.stderr
    assert "Dolt database 'labels' holds" in warnings[0]
    assert "GitHub: 2 GiB" in warnings[0]
    assert "Pushed Dolt database 'labels'" in first.stdout  # it went on
    # Later pushes send only what is new: nothing more is said.
    assert "WARNING" not in dvc(dvc_repo, "push", env=limit).stderr


def test_import_brings_a_database_from_the_registrys_own_git_repository(
    dvc_repo, make_db, tmp_path
):
    registry = dvc_repo
    origin = with_origin(registry)
    default_remote(registry, "git+remote://origin", "origin")
    labels = track(registry, make_db, "labels", git_message="labels")
    dvc(registry, "push")
    git(registry, "push", "-q", "origin", "main")
    recorded = labels.heads().commit

    user = tmp_path / "user"
    user.mkdir()
    git(user, "init", "-q", "-b", "main")
    dvc(user, "init", "-q")
    # No DVC remote here: the database comes from the registry's git repository.
    dvc(user, "import", str(origin), "labels")
    assert Database(user / "labels").heads().commit == recorded
    dvc(user, "get", str(origin), "labels", "-o", "copy")
    assert table_rows(user / "copy") == [[1, "a"], [2, "b"]]

    # The registry moves on; update brings the new recorded commit.
    insert(labels, [(3, "c")])
    newer = commit(labels, "third")
    dvc(registry, "commit", "-f", "labels")
    git_commit(registry, "three rows")
    dvc(registry, "push")
    git(registry, "push", "-q", "origin", "main")
    dvc(user, "update", "labels.dvc")
    assert Database(user / "labels").heads().commit == newer

    # A fresh clone of the user's project pulls it from the registry's repository.
    git_commit(user, "imported")
    clone = tmp_path / "user-clone"
    git(tmp_path, "clone", "-q", str(user), str(clone))
    dvc(clone, "pull")
    assert table_rows(clone / "labels") == [[1, "a"], [2, "b"], [3, "c"]]


def test_a_git_repository_without_a_branch_gets_a_hint(dvc_repo, make_db):
    origin = dvc_repo.parent / "origin.git"
    git(dvc_repo.parent, "init", "-q", "--bare", str(origin))
    git(dvc_repo, "remote", "add", "origin", str(origin))
    default_remote(dvc_repo, "git+remote://origin", "origin")
    track(dvc_repo, make_db, "labels", git_message="labels")
    proc = dvc(dvc_repo, "push", ok=False)
    assert "git push <remote> main" in proc.stderr
    assert "Traceback" not in proc.stderr
    git(dvc_repo, "push", "-q", "origin", "main")
    dvc(dvc_repo, "push")  # and then it goes
    assert git_ref("labels") in git_refs(origin)


def test_a_ref_holding_another_databases_history_is_refused(dvc_repo, make_db, tmp_path):
    origin = with_origin(dvc_repo)
    default_remote(dvc_repo, "git+remote://origin", "origin")
    track(dvc_repo, make_db, "labels", git_message="labels")
    dvc(dvc_repo, "push")
    git(dvc_repo, "push", "-q", "origin", "main")
    before = git_refs(origin)[git_ref("labels")]

    # Another project, sharing the repository, with its own database at the same path.
    other = clone_project(origin, tmp_path / "other")
    dvc(other, "remove", "labels.dvc")
    make_db("labels", parent=other, rows=[(7, "other")])
    dvc(other, "add", "labels")
    proc = dvc(other, "push", ok=False)
    assert "refs/dolt/labels there holds another database's history" in proc.stderr
    assert "git push <remote> :refs/dolt/labels" in proc.stderr
    assert git_refs(origin)[git_ref("labels")] == before  # nothing was pushed

    # A clone of the same database pushes there as its own.
    teammate = clone_project(origin, tmp_path / "teammate")
    dvc(teammate, "pull")
    fresh = Database(teammate / "labels")
    dolt(fresh.path, "remote", "remove", "origin")  # as if it came another way
    insert(fresh, [(3, "c")])
    commit(fresh, "third")
    dvc(teammate, "commit", "-f", "labels")
    assert "Pushed Dolt database 'labels'" in dvc(teammate, "push").stdout


def test_a_compacted_databases_first_push_copies_its_files(dvc_repo, make_db, tmp_path):
    origin = with_origin(dvc_repo)
    default_remote(dvc_repo, "git+remote://origin", "origin")
    db = make_db("labels", parent=dvc_repo, rows=[(i, f"label-{i}") for i in range(300)])
    dvc(dvc_repo, "add", "labels", env={"DVC_DOLT_COMPACT": "always"})
    git_commit(dvc_repo, "labels")
    git(dvc_repo, "push", "-q", "origin", "main")

    trace = DoltTrace(tmp_path / "trace.jsonl")
    proc = trace.dvc(dvc_repo, "push", "-v")
    assert "the remote lacks it, copying its files" in proc.stderr + proc.stdout
    assert "Pushed Dolt database 'labels' to remote 'origin': 1 new commit" in proc.stdout
    assert "push" not in trace.commands()  # table files, not a walk of chunks
    assert dvc(dvc_repo, "status", "-c").stdout.strip() == "Cache and remote 'origin' are in sync."

    clone = clone_project(origin, tmp_path / "clone")
    dvc(clone, "pull")
    assert Database(clone / "labels").heads() == db.heads()
    # Only pins there: the copy's branch main was deleted.
    dolt(clone / "labels", "fetch", "origin", "main", check=False)
    assert "remotes/origin/main" not in dolt(clone / "labels", "branch", "-a")
