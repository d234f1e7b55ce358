"""The git servers the tests of Dolt's git remotes run against (tests/git_servers.py):
plain git and the real dolt fetch from and push to a bare repository over git's
smart HTTP protocol and over ssh, on 127.0.0.1.

The ssh tests need OpenSSH's sshd (scripts/install-sshd): without it they are
skipped, or fail where ``DVC_DOLT_REQUIRE_SSHD=1`` (CI)."""

from __future__ import annotations

import os
import subprocess
import threading
from pathlib import Path

import pytest
from git_servers import GitHttpServer, GitSshServer, find_sshd
from helpers import commit as dolt_commit
from helpers import dolt, git, insert, serving

REQUIRE_SSHD = "DVC_DOLT_REQUIRE_SSHD"
TRANSPORTS = ["http", "ssh"]


@pytest.fixture(scope="module")
def git_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where both servers find their bare repositories."""
    return tmp_path_factory.mktemp("git-root")


@pytest.fixture(scope="module")
def http_server(git_root: Path):
    yield from serving(GitHttpServer(git_root))


@pytest.fixture(scope="module")
def ssh_server(git_root: Path, tmp_path_factory: pytest.TempPathFactory):
    yield from serving(GitSshServer(git_root, tmp_path_factory.mktemp("sshd"), find_sshd()))


def serve(request: pytest.FixtureRequest, transport: str) -> GitHttpServer | GitSshServer:
    """The server for ``transport``, what git and dolt need to reach it set in the
    environment. Called from the test itself: no sshd is then a failure (or a
    skip) of the test, not an error of a fixture."""
    if transport == "ssh" and find_sshd() is None:
        reason = "the git+ssh tests need OpenSSH's sshd: run scripts/install-sshd"
        if os.environ.get(REQUIRE_SSHD) == "1":
            pytest.fail(f"{reason} (${REQUIRE_SSHD}=1)")
        pytest.skip(reason)
    server = request.getfixturevalue(f"{transport}_server")
    monkeypatch = request.getfixturevalue("monkeypatch")
    for key, value in getattr(server, "env", {}).items():
        monkeypatch.setenv(key, value)
    # Dolt 2.x would also force-push a branch of its own (as dvc-dolt does:
    # dvc_dolt/dolt/git_remote.py).
    monkeypatch.setenv("DOLT_REMOTE_INFO_BRANCH", "")
    return server


def run_git(cwd: str | os.PathLike[str], *args: str) -> str:
    """`git <args>` over the network: its output, or an error that shows git's."""
    proc = subprocess.run(
        ["git", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    if proc.returncode:
        raise AssertionError(f"git {' '.join(args)} exited {proc.returncode}:\n{proc.stderr}")
    return proc.stdout


def bare_repo(root: Path, name: str, seed: Path) -> None:
    """Bare repository ``name`` under ``root`` with one commit on main (Dolt
    pushes only to a git repository with a branch), pushed from ``seed``."""
    git(root, "init", "-q", "--bare", "-b", "main", name)
    seed.mkdir()
    git(seed, "init", "-q", "-b", "main")
    (seed / "README").write_text("dolt data lives in refs/dolt/data\n")
    git(seed, "add", "-A")
    git(seed, "commit", "-qm", "initial commit")
    git(seed, "push", "-q", str(root / name), "main")


def refs(listing: str) -> dict[str, str]:
    """`git ls-remote`'s output as ref -> commit."""
    return {ref: oid for oid, ref in (line.split("\t") for line in listing.splitlines())}


def rows(path: Path) -> str:
    return dolt(path, "sql", "-r", "csv", "-q", "select id, v from t order by id")


@pytest.mark.timeout(120)
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_git_pushes_and_clones(request, transport, git_root, tmp_path):
    server = serve(request, transport)
    name = f"{tmp_path.name}.git"
    git(git_root, "init", "-q", "--bare", "-b", "main", name)
    work = tmp_path / "work"
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    # Over a MiB: git pushes it over HTTP in chunked transfer encoding.
    (work / "blob").write_bytes(os.urandom(3 << 20))
    git(work, "add", "-A")
    git(work, "commit", "-qm", "a big blob")
    run_git(work, "push", "-q", server.url_for(name), "main")

    assert refs(run_git(tmp_path, "ls-remote", server.url_for(name)))["refs/heads/main"] == (
        git(work, "rev-parse", "HEAD").strip()
    )
    run_git(tmp_path, "clone", "-q", server.url_for(name), "clone")
    assert (tmp_path / "clone" / "blob").read_bytes() == (work / "blob").read_bytes()
    if isinstance(server, GitHttpServer):
        assert f"POST /{name}/git-receive-pack Transfer-Encoding=chunked" in (
            server.log.read_text()
        )


@pytest.mark.timeout(180)
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_concurrent_pushes_then_a_gzipped_fetch(request, transport, git_root, tmp_path):
    server = serve(request, transport)
    name = f"{tmp_path.name}.git"
    bare_repo(git_root, name, tmp_path / "seed")
    url = server.url_for(name)
    pushers, branches = 8, 6
    clones = []
    for i in range(pushers):
        clone = tmp_path / f"clone{i}"
        git(tmp_path, "clone", "-q", str(git_root / name), clone.name)  # locally: quicker
        for j in range(branches):
            git(clone, "checkout", "-q", "-b", f"b{i}-{j}", "main")
            (clone / "file").write_text(f"{i} {j}\n")
            git(clone, "add", "-A")
            git(clone, "commit", "-qm", f"branch {i}-{j}")
        clones.append(clone)

    errors: list[BaseException] = []
    start = threading.Barrier(pushers)

    def push(i: int) -> None:
        try:
            start.wait(timeout=60)
            run_git(clones[i], "push", "-q", url, *(f"b{i}-{j}" for j in range(branches)))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=push, args=(i,)) for i in range(pushers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors

    listed = refs(run_git(tmp_path, "ls-remote", url))
    assert {ref for ref in listed if ref.startswith("refs/heads/b")} == {
        f"refs/heads/b{i}-{j}" for i in range(pushers) for j in range(branches)
    }
    # One want per branch tip: a request over 1 KiB, which git gzips over HTTP.
    run_git(tmp_path, "clone", "-q", "--mirror", url, "mirror")
    assert refs(git(tmp_path / "mirror", "for-each-ref", "--format=%(objectname)\t%(refname)")) == {
        ref: oid for ref, oid in listed.items() if ref != "HEAD"
    }
    if isinstance(server, GitHttpServer):
        assert f"POST /{name}/git-upload-pack Content-Encoding=gzip" in server.log.read_text()


@pytest.mark.timeout(180)
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_dolt_pushes_and_clones(request, transport, git_root, tmp_path, make_db):
    server = serve(request, transport)
    name = f"{tmp_path.name}.git"
    bare_repo(git_root, name, tmp_path / "seed")
    url = f"git+{server.url_for(name)}"
    db = make_db("db", rows=[(1, "a"), (2, "b")])
    dolt(db.path, "remote", "add", "--ref", "refs/dolt/data", "origin", url)
    dolt(db.path, "push", "origin", "main")

    listed = refs(run_git(tmp_path, "ls-remote", server.url_for(name)))
    assert "refs/dolt/data" in listed
    assert "refs/heads/main" in listed  # the git branch stays as it was
    dolt(tmp_path, "clone", "--ref", "refs/dolt/data", url, "clone")
    clone = tmp_path / "clone"
    assert rows(clone) == "id,v\n1,a\n2,b\n"

    # A second push, fetched into the clone: an update of refs/dolt/data.
    insert(db, [(3, "c")])
    dolt_commit(db, "a third row")
    dolt(db.path, "push", "origin", "main")
    dolt(clone, "pull", "origin", "main")
    assert rows(clone) == "id,v\n1,a\n2,b\n3,c\n"
    assert (
        refs(run_git(tmp_path, "ls-remote", server.url_for(name)))["refs/dolt/data"]
        != (listed["refs/dolt/data"])
    )
