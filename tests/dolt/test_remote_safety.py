"""The Dolt remote layer under concurrency and failure: clones of other processes,
commits that cannot be asked about, remotes asked without downloading, and
remote settings that change."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from helpers import commit, dolt, insert

from dvc_dolt.dolt import Database, DoltCommandError, DoltTimeoutError
from dvc_dolt.dolt.remote import (
    CloneExistsError,
    PinProbe,
    clone_at,
    ensure_remote,
    has_pins,
    push_pin,
    remote_named_for,
    remote_settings,
)


@pytest.fixture
def pushed(make_db, file_remote):
    """A database whose two commits are pinned on a file:// remote."""
    src = make_db("src")
    first = src.heads().commit
    insert(src, [(3, "c")])
    second = commit(src, "second")
    ensure_remote(src, "dvc", file_remote)
    push_pin(src, "dvc", first)
    push_pin(src, "dvc", second)
    return src, first, second


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_clone_never_removes_a_clone_in_flight(pushed, tmp_path, file_remote):
    _, first, _ = pushed
    dest = tmp_path / "fetched" / "labels"
    dest.parent.mkdir()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        live = dest.parent / f".labels.dvc-dolt-clone-{sleeper.pid}-abcd"
        dead = dest.parent / f".labels.dvc-dolt-clone-{_dead_pid()}-efgh"
        for scratch in (live, dead):
            (scratch / "db" / ".dolt").mkdir(parents=True)
        clone_at(file_remote, dest, first)
        assert live.is_dir()
        assert not dead.exists()
    finally:
        sleeper.kill()
        sleeper.wait()
    assert Database(dest).heads().commit == first


_CLONE = """
import sys
from dvc_dolt.dolt.remote import CloneExistsError, clone_at
try:
    clone_at(sys.argv[1], sys.argv[2], sys.argv[3])
except CloneExistsError:
    print("exists")
else:
    print("cloned")
"""


def test_processes_cloning_to_one_place(pushed, tmp_path, file_remote):
    """Of processes cloning one database to one place, one wins; the others
    are told it exists, never fail on each other's files."""
    _, first, _ = pushed
    for round_ in range(3):
        dest = tmp_path / f"round{round_}" / "labels"
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", _CLONE, file_remote, str(dest), first],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(3)
        ]
        results = [p.communicate(timeout=600) for p in procs]
        assert all(p.returncode == 0 for p in procs), [err for _, err in results]
        assert sorted(out.strip() for out, _ in results).count("cloned") >= 1
        assert Database(dest).heads().commit == first
        assert [p.name for p in dest.parent.iterdir()] == ["labels"]


def test_a_second_clone_to_an_existing_place_is_told(pushed, tmp_path, file_remote):
    _, first, _ = pushed
    clone_at(file_remote, tmp_path / "labels", first)
    with pytest.raises(CloneExistsError):
        clone_at(file_remote, tmp_path / "labels", first)


def test_has_commit_tells_missing_from_could_not_ask(pushed, monkeypatch):
    src, first, _ = pushed
    assert src.has_commit(first)
    assert not src.has_commit("a" * 32)
    monkeypatch.setenv("DVC_DOLT_TIMEOUT", "0.001")
    with pytest.raises(DoltTimeoutError):
        src.has_commit(first)


def test_has_commit_raises_for_a_damaged_database(pushed):
    src, first, _ = pushed
    manifest = src.path / ".dolt" / "noms" / "manifest"
    manifest.write_text("not a manifest")
    with pytest.raises(DoltCommandError, match="corrupt manifest"):
        src.has_commit(first)


def test_asking_the_remote_downloads_nothing(pushed, make_db, file_remote):
    _, first, second = pushed
    other = make_db("other", rows=[(7, "x")])
    ensure_remote(other, "dvc", file_remote)
    noms = sorted(p.name for p in (other.path / ".dolt" / "noms").iterdir())
    assert has_pins(other, "dvc", [first, second])
    assert not has_pins(other, "dvc", [first, "b" * 32])
    assert not other.has_commit(second)
    assert "remotes/dvc" not in dolt(other.path, "branch", "-a")
    assert sorted(p.name for p in (other.path / ".dolt" / "noms").iterdir()) == noms


def test_probe_from_nowhere(pushed, tmp_path, file_remote):
    _, first, second = pushed
    missing = "c" * 32
    with PinProbe() as probe:
        assert probe.holds(file_remote, [first, second])
        assert probe.missing(file_remote, [second, missing, first, "d" * 32]) == [
            missing,
            "d" * 32,
        ]
        # A mistyped local remote is not created by asking it.
        typo = tmp_path / "typo"
        assert probe.missing(typo.as_uri(), [first]) == [first]
        assert not typo.exists()
        scratch = probe._dir
    assert not scratch.exists()


def test_changed_params_replace_the_remote(make_db, tmp_path):
    db = make_db()
    url = "aws://[table:bucket]/dolt/db"
    assert ensure_remote(db, "dvc", url, ["--aws-region", "us-east-1"])
    assert not ensure_remote(db, "dvc", url, ["--aws-region", "us-east-1"])
    assert ensure_remote(db, "dvc", url, ["--aws-region", "eu-west-1"])
    assert remote_settings(db)["dvc"] == (url, {"aws-region": "eu-west-1"})
    # Found by URL under another name: its params follow too.
    params = ["--aws-region", "ap-south-1", "--aws-creds-profile", "team"]
    assert remote_named_for(db, url, "dvc-other", params) == "dvc"
    expected = {"aws-region": "ap-south-1", "aws-creds-profile": "team"}
    assert remote_settings(db)["dvc"] == (url, expected)
    # Back to no params at all.
    assert ensure_remote(db, "dvc", url)
    assert remote_settings(db)["dvc"] == (url, {})
    assert json.loads(json.dumps(remote_settings(db)))  # plain data


def test_credentials_never_reach_the_database_config(make_db):
    db = make_db()
    ensure_remote(db, "dvc", "http://alice:s3cret@127.0.0.1:1/db")
    assert remote_settings(db)["dvc"][0] == "http://127.0.0.1:1/db"
    assert "s3cret" not in (db.path / ".dolt" / "repo_state.json").read_text()
