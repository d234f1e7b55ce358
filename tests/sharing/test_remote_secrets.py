"""Credentials of a Dolt remote stay hidden, and `dvc -v` shows every dolt command
dvc-dolt runs. A real `dolt sql-server` on 127.0.0.1 that checks its users."""

from __future__ import annotations

import re
import subprocess

import pytest
from helpers import (
    DoltRemoteServer,
    default_remote,
    dolt,
    dvc,
    error_lines,
    git,
    git_commit,
    serving,
    track,
)

from dvc_dolt.dolt import Database

PASSWORD = "s3cret-Pa55"


@pytest.fixture(scope="module")
def dolt_server(tmp_path_factory, dolt_root):
    """This module's own server: the users and databases it creates must not show
    up in other tests (test_sharing expects a server without 'labels')."""
    yield from serving(DoltRemoteServer(tmp_path_factory.mktemp("secrets-server")))


@pytest.fixture
def alice(dolt_server):
    """A user of the server, who may push and clone."""
    dolt(
        dolt_server.root,
        "--host", "127.0.0.1", "--port", str(dolt_server.sql_port), "--no-tls",
        "-u", "root", "-p", "",
        "sql", "-q",
        f"create user if not exists alice@'%' identified by '{PASSWORD}';"
        " grant all on *.* to alice@'%'",
    )  # fmt: skip
    return "alice"


def _hub_repo(repo, make_db, dolt_server, url: str) -> Database:
    labels = track(repo, make_db, "labels")
    dolt_server.create_database("labels")
    default_remote(repo, url, "hub")
    git_commit(repo, "labels on the hub")
    return labels


def _shown(proc) -> str:
    return proc.stdout + proc.stderr


def test_url_credentials_authenticate_and_never_show(
    dvc_repo, make_db, dolt_server, alice, tmp_path, dolt_trace
):
    url = f"dolt://{alice}:{PASSWORD}@127.0.0.1:{dolt_server.api_port}"
    labels = _hub_repo(dvc_repo, make_db, dolt_server, url)
    trace = dolt_trace.path  # every command's dolt processes, one after the other
    env = dolt_trace.env
    proc = dvc(dvc_repo, "push", "-v", env=env)
    assert "Pushed Dolt database 'labels' to remote 'hub': 1 new commit" in proc.stdout
    # -v shows each dolt command, its argv and its time; never the password.
    assert re.search(r"DEBUG: running dolt push --user alice dvc-hub \S+:refs/heads/", proc.stdout)
    assert re.search(r"DEBUG: dolt push: exit 0 in \d+\.\d{3}s", proc.stdout)
    assert PASSWORD not in _shown(proc)
    assert PASSWORD not in trace.read_text()
    assert PASSWORD not in (labels.path / ".dolt" / "repo_state.json").read_text()

    fresh = tmp_path / "fresh"
    git(tmp_path, "clone", "-q", str(dvc_repo), str(fresh))
    for args in (["status", "-c", "-v"], ["pull", "-v"], ["status", "-c", "-v"]):
        proc = dvc(fresh, *args, env=env)
        assert PASSWORD not in _shown(proc)
        assert "DEBUG: running dolt " in proc.stdout
    assert "in sync" in proc.stdout
    pulled = Database(fresh / "labels")
    assert pulled.heads() == labels.heads()
    assert PASSWORD not in (pulled.path / ".dolt" / "repo_state.json").read_text()
    assert PASSWORD not in trace.read_text()


def test_wrong_password_is_refused_and_not_shown(dvc_repo, make_db, dolt_server, alice):
    wrong = "wr0ng-Pa55"
    url = f"dolt://{alice}:{wrong}@127.0.0.1:{dolt_server.api_port}"
    _hub_repo(dvc_repo, make_db, dolt_server, url)
    proc = dvc(dvc_repo, "push", ok=False)
    assert len(error_lines(proc)) == 1
    assert "Access denied for user 'alice'" in proc.stderr
    assert wrong not in _shown(proc)


def test_password_in_the_local_config(dvc_repo, make_db, dolt_server, alice, tmp_path):
    """As for DVC's http remotes: `dvc remote modify --local hub password ...`."""
    url = f"dolt://{alice}@127.0.0.1:{dolt_server.api_port}"
    labels = _hub_repo(dvc_repo, make_db, dolt_server, url)
    dvc(dvc_repo, "remote", "modify", "--local", "hub", "password", PASSWORD)
    proc = dvc(dvc_repo, "push", "-v")
    assert "Pushed Dolt database 'labels' to remote 'hub': 1 new commit" in proc.stdout
    assert PASSWORD not in _shown(proc)
    assert PASSWORD not in (dvc_repo / ".dvc" / "config").read_text()
    assert "in sync" in dvc(dvc_repo, "status", "-c").stdout
    assert labels.heads().commit


@pytest.fixture
def real_dolt_argvs(monkeypatch, dolt_bin):
    """The argv (after ``dolt``) each dolt process started in this process really had:
    not the trace's (``$DVC_DOLT_TRACE``, which counts processes everywhere else), since
    that shows a password redacted, as `dvc -v` does."""
    calls = []

    # subprocess.run starts its process through subprocess.Popen too.
    class SpyingPopen(subprocess.Popen):
        def __init__(self, args, *a, **kw):
            if args and args[0] == dolt_bin.path:
                calls.append(list(args[1:]))
            super().__init__(args, *a, **kw)

    monkeypatch.setattr(subprocess, "Popen", SpyingPopen)
    return calls


def test_passwords_never_reach_a_dolt_argv(
    dvc_repo, make_db, dolt_server, alice, monkeypatch, real_dolt_argvs
):
    """What `ps` would show: every dolt process dvc-dolt starts, in process."""
    from dvc.cli import main

    url = f"dolt://{alice}:{PASSWORD}@127.0.0.1:{dolt_server.api_port}"
    _hub_repo(dvc_repo, make_db, dolt_server, url)
    monkeypatch.chdir(dvc_repo)
    monkeypatch.setenv("DVC_NO_ANALYTICS", "1")
    real_dolt_argvs.clear()
    assert main(["push"]) == 0
    assert main(["status", "-c"]) == 0
    ran = [" ".join(argv) for argv in real_dolt_argvs]
    assert any(argv.startswith("push --user alice ") for argv in ran)
    assert any(argv.startswith("fetch --user alice ") for argv in ran)
    assert all(PASSWORD not in argv for argv in ran)


def test_quiet_hides_dolt_commands(dvc_repo, make_db, dolt_server, alice):
    url = f"dolt://{alice}:{PASSWORD}@127.0.0.1:{dolt_server.api_port}"
    _hub_repo(dvc_repo, make_db, dolt_server, url)
    assert "running dolt" not in _shown(dvc(dvc_repo, "push"))
    assert _shown(dvc(dvc_repo, "status", "-c", "-q")) == ""
