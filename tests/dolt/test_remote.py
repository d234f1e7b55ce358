"""Pins through real Dolt remotes: a file:// remote and dolt sql-server's HTTP remotesapi."""

import pytest
from helpers import commit, dolt, insert

from dvc_dolt.dolt import Database, DoltRemoteError, PinNotFoundError, UnknownCommitError
from dvc_dolt.dolt.remote import (
    _listed_settings,
    clone_at,
    ensure_remote,
    fetch_pin,
    has_pin,
    push_pin,
    push_pins,
    remote_settings,
    remotes,
)


@pytest.fixture(params=["file", "http"])
def remote_url(request, file_remote):
    if request.param == "file":
        return file_remote
    return request.getfixturevalue("http_remote")


def remote_branches(db, remote):
    dolt(db.path, "fetch", remote)
    out = dolt(db.path, "branch", "-r")
    prefix = f"remotes/{remote}/"
    return {line.strip().removeprefix(prefix) for line in out.splitlines() if line.strip()}


def test_ensure_remote_is_idempotent(make_db, tmp_path):
    db = make_db()
    url = (tmp_path / "r").as_uri()
    assert ensure_remote(db, "dvc", url)
    assert not ensure_remote(db, "dvc", url)
    assert remotes(db) == {"dvc": url}
    other = (tmp_path / "r2").as_uri()
    assert ensure_remote(db, "dvc", other)
    assert remotes(db) == {"dvc": other}


def test_dolts_own_remote_list_agrees_with_its_query(make_db, tmp_path):
    # A first push reads the remotes from .dolt/repo_state.json instead of
    # asking dolt: the two must agree, params included.
    db = make_db()
    assert _listed_settings(db) == remote_settings(db) == {}
    dolt(db.path, "remote", "add", "plain", (tmp_path / "r").as_uri())
    dolt(
        db.path,
        "remote",
        "add",
        "--aws-region",
        "eu-west-1",
        "--aws-creds-type",
        "file",
        "s3",
        "aws://[table:bucket]/db",
    )
    assert _listed_settings(db) == remote_settings(db)
    assert _listed_settings(db)["s3"] == (
        "aws://[table:bucket]/db",
        {"aws-region": "eu-west-1", "aws-creds-type": "file"},
    )


@pytest.mark.parametrize(
    "layout",
    [
        '{"head": "refs/heads/main"}',
        '{"remotes": []}',
        '{"remotes": {"r": {"name": "r"}}}',
        '{"remotes": {"r": {"url": 7}}}',
        "not json",
    ],
)
def test_a_remote_list_laid_out_otherwise_is_not_used(tmp_path, layout):
    (tmp_path / ".dolt").mkdir()
    (tmp_path / ".dolt" / "repo_state.json").write_text(layout)
    assert _listed_settings(Database(tmp_path)) is None


def test_push_and_fetch_pin(make_db, tmp_path, remote_url):
    src = make_db("src")
    first = src.heads().commit
    insert(src, [(3, "c")])
    second = commit(src, "second")
    ensure_remote(src, "dvc", remote_url)
    push_pin(src, "dvc", first)
    push_pin(src, "dvc", second)
    push_pin(src, "dvc", second)  # already there: no error, nothing moves
    assert {f"dvc/pin/{first}", f"dvc/pin/{second}"} <= remote_branches(src, "dvc")

    # A database with unrelated history fetches the pin without touching its own state.
    other = make_db("other", rows=[(7, "x")])
    before = other.heads()
    ensure_remote(other, "dvc", remote_url)
    assert not other.has_commit(second)
    fetch_pin(other, "dvc", second)
    assert other.has_commit(second)
    assert other.heads() == before
    assert other.heads().branch == "main"
    other.restore(second)
    assert other.heads().commit == second


def test_pin_survives_branch_rewrite(make_db, remote_url):
    src = make_db("src")
    insert(src, [(3, "c")])
    recorded = commit(src, "recorded")
    ensure_remote(src, "dvc", remote_url)
    push_pin(src, "dvc", recorded)
    # Rewrite history and force-push the branch itself: the pin is a separate ref.
    dolt(src.path, "reset", "--hard", "HEAD~1")
    insert(src, [(9, "rewritten")])
    commit(src, "rewritten")
    dolt(src.path, "push", "--force", "dvc", "main")
    clone = clone_at(remote_url, src.path.parent / "clone", recorded)
    assert clone.heads().commit == recorded


def test_clone_at_commit(make_db, tmp_path, remote_url, count_dolt_processes):
    src = make_db("src")
    first = src.heads()
    insert(src, [(3, "c")])
    second = commit(src, "second")
    ensure_remote(src, "dvc", remote_url)
    push_pin(src, "dvc", first.commit)
    push_pin(src, "dvc", second)
    dest = tmp_path / "nested" / "clone"
    count_dolt_processes.clear()
    db = clone_at(remote_url, dest, first.commit)
    assert [argv[0] for argv in count_dolt_processes] == ["clone", "sql"]
    heads = db.heads()
    assert heads == first
    assert heads.branch == "main"
    assert db.dirty_reasons() == []
    assert remotes(db) == {"origin": remote_url}
    # No local pin branch is left behind for `dolt push` to trip over.
    assert db.branches() == ["main"]


def test_pushing_a_commit_the_database_lacks(make_db, file_remote, count_dolt_processes):
    src = make_db("src")
    held = src.heads().commit
    ensure_remote(src, "dvc", file_remote)
    count_dolt_processes.clear()
    assert push_pins(src, "dvc", [held]) == [held]
    # The commit check costs a process only when the push fails.
    assert [argv[0] for argv in count_dolt_processes] == ["push"]
    lacking = "b" * 32
    with pytest.raises(UnknownCommitError, match=f"does not hold commit\\(s\\) {lacking}"):
        push_pins(src, "dvc", [held, lacking])
    assert remote_branches(src, "dvc") >= {f"dvc/pin/{held}"}
    assert f"dvc/pin/{lacking}" not in remote_branches(src, "dvc")


def test_clones_into_one_directory_run_apart(make_db, tmp_path, file_remote, monkeypatch):
    """dolt outside a database creates and removes ./.dolt/tmp: clones sharing a
    working directory raced (`dvc pull -j` of two databases failed on CI)."""
    import json
    from concurrent.futures import ThreadPoolExecutor

    src = make_db("src")
    head = src.heads().commit
    ensure_remote(src, "dvc", file_remote)
    push_pin(src, "dvc", head)
    parent = tmp_path / "fetched"
    trace = tmp_path / "trace.jsonl"
    monkeypatch.setenv("DVC_DOLT_TRACE", str(trace))
    with ThreadPoolExecutor(4) as pool:
        clones = list(pool.map(lambda i: clone_at(file_remote, parent / f"db{i}", head), range(4)))
    assert [c.heads().commit for c in clones] == [head] * 4
    runs = [json.loads(line) for line in trace.read_text().splitlines()]
    clone_cwds = [run["cwd"] for run in runs if run["argv"][1] == "clone"]
    assert len(set(clone_cwds)) == 4
    assert str(parent) not in clone_cwds
    assert sorted(p.name for p in parent.iterdir()) == ["db0", "db1", "db2", "db3"]


def test_missing_pin_is_reported(make_db, tmp_path, remote_url):
    src = make_db("src")
    ensure_remote(src, "dvc", remote_url)
    push_pin(src, "dvc", src.heads().commit)
    missing = "a" * 32
    with pytest.raises(PinNotFoundError) as info:
        fetch_pin(src, "dvc", missing)
    assert f"commit {missing} of Dolt database '{src.path}' is not on remote 'dvc'" in str(
        info.value
    )
    assert not has_pin(src, "dvc", missing)
    dest = tmp_path / "clone"
    with pytest.raises(PinNotFoundError, match=missing):
        clone_at(remote_url, dest, missing)
    assert not dest.exists()


def test_mistyped_file_remote_does_not_succeed_silently(make_db, tmp_path):
    db = make_db()
    ensure_remote(db, "dvc", (tmp_path / "typo").as_uri())
    with pytest.raises(PinNotFoundError, match="is not on remote 'dvc'"):
        fetch_pin(db, "dvc", "b" * 32)


def test_unreachable_http_remote(make_db, tmp_path):
    db = make_db()
    ensure_remote(db, "dvc", "http://127.0.0.1:1/nobody/nothing")
    with pytest.raises(DoltRemoteError) as info:
        fetch_pin(db, "dvc", "c" * 32)
    message = str(info.value)
    assert "connection refused" in message
    assert "Fetching" not in message
    assert "\n" not in message


def test_credentials_in_urls_are_never_shown(make_db):
    db = make_db()
    ensure_remote(db, "dvc", "http://alice:s3cret@127.0.0.1:1/db")
    with pytest.raises(DoltRemoteError) as info:
        push_pin(db, "dvc", db.heads().commit)
    text = " ".join([str(info.value), " ".join(info.value.exec_args), info.value.stderr])
    assert "s3cret" not in text


@pytest.mark.parametrize("name", ["dash-name", "space name", "ünï"])
def test_clone_into_awkward_names(make_db, tmp_path, file_remote, name):
    src = make_db("src")
    ensure_remote(src, "dvc", file_remote)
    push_pin(src, "dvc", src.heads().commit)
    db = clone_at(file_remote, tmp_path / name, src.heads().commit)
    assert isinstance(db, Database)
    assert db.heads() == src.heads()
