"""Fixtures of the sharing tests: git repositories served on 127.0.0.1 over
smart HTTP and ssh (tests/git_servers.py), one of each per test module."""

from __future__ import annotations

from pathlib import Path

import pytest
from git_servers import GitHttpServer, GitSshServer, find_sshd
from helpers import serving


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
