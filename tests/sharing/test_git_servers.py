"""The git servers the tests of Dolt's git remotes run against (tests/git_servers.py),
checked with plain git alone: one push and one clone over git's smart HTTP protocol
and over ssh, on 127.0.0.1. The real `dvc` and `dolt` go through them in
tests/sharing/test_git_transports.py; when those fail, this tells a broken server
from a broken dvc-dolt.

The ssh test needs OpenSSH's sshd (scripts/install-sshd): without it it is
skipped, or fails where ``DVC_DOLT_REQUIRE_SSHD=1`` (CI)."""

from __future__ import annotations

import os
import subprocess

import pytest
from git_servers import GitHttpServer, serve
from helpers import git

TRANSPORTS = ["http", "ssh"]


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


def refs(listing: str) -> dict[str, str]:
    """`git ls-remote`'s output as ref -> commit."""
    return {ref: oid for oid, ref in (line.split("\t") for line in listing.splitlines())}


BRANCHES = 40


@pytest.mark.timeout(120)
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_git_pushes_and_clones(request, transport, git_root, tmp_path):
    server = serve(request, transport)
    name = f"{tmp_path.name}.git"
    url = server.url_for(name)
    git(git_root, "init", "-q", "--bare", "-b", "main", name)
    work = tmp_path / "work"
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    # Over a MiB: git pushes it over HTTP in chunked transfer encoding.
    (work / "blob").write_bytes(os.urandom(3 << 20))
    git(work, "add", "-A")
    git(work, "commit", "-qm", "a big blob")
    # A commit each, in one git process: a fetch of them all wants over 1 KiB
    # of tips, a request git gzips over HTTP.
    stream = "".join(
        f"commit refs/heads/b{i}\ncommitter t <t@t.invalid> 0 +0000\ndata {len(str(i))}\n{i}\n"
        for i in range(BRANCHES)
    )
    subprocess.run(["git", "fast-import", "--quiet"], cwd=work, input=stream, text=True, check=True)
    run_git(work, "push", "-q", url, "--all")

    listed = refs(run_git(tmp_path, "ls-remote", url))
    assert {ref: oid for ref, oid in listed.items() if ref != "HEAD"} == refs(
        git(work, "for-each-ref", "--format=%(objectname)\t%(refname)")
    )
    assert len(listed) == BRANCHES + 2  # HEAD, main and the branches
    run_git(tmp_path, "clone", "-q", "--mirror", url, "mirror")
    mirror = tmp_path / "mirror"
    assert refs(git(mirror, "for-each-ref", "--format=%(objectname)\t%(refname)")) == {
        ref: oid for ref, oid in listed.items() if ref != "HEAD"
    }
    assert git(mirror, "cat-file", "-s", "main:blob").strip() == str(3 << 20)
    if isinstance(server, GitHttpServer):
        log = server.log.read_text()
        assert f"POST /{name}/git-receive-pack Transfer-Encoding=chunked" in log
        assert f"POST /{name}/git-upload-pack Content-Encoding=gzip" in log
