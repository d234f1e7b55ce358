"""Sharing under faults: kill -9 mid-transfer, then again; two pushers at once."""

import json
import os
import select
import signal
import subprocess
import time
from collections.abc import Iterator

import pytest
from helpers import (
    DVC,
    DoltRemoteServer,
    commit,
    default_remote,
    dolt_children,
    dvc,
    git,
    git_commit,
    insert,
    track,
)

from dvc_dolt.dolt import Database

# How long a test waits for dvc to start the dolt process it kills.
TRACE_TIMEOUT = 120


@pytest.fixture
def stallable_server(tmp_path):
    """A private HTTP Dolt remote the test can freeze (SIGSTOP) mid-transfer."""
    root = tmp_path / "stallable-server"
    root.mkdir()
    server = DoltRemoteServer(root)
    server.start()
    try:
        yield server
    finally:
        server.proc.send_signal(signal.SIGCONT)
        server.stop()


@pytest.fixture
def pushed_repo(dvc_repo, make_db, stallable_server):
    repo = dvc_repo
    rows = [(i, f"label-{i}") for i in range(2000)]
    track(repo, make_db, "labels", rows=rows)
    stallable_server.create_database("labels")
    url = f"dolt://127.0.0.1:{stallable_server.api_port}"
    default_remote(repo, url, "hub")
    git_commit(repo, "labels")
    return repo


def _read_trace(fd: int, proc: subprocess.Popen, deadline: float) -> Iterator[dict]:
    """Entries of the trace FIFO as dvc-dolt writes them, until ``proc`` ends or time is up."""
    pending = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        chunk = os.read(fd, 65536) if ready else b""
        if not chunk:
            # No writer yet, or none any more: wait for dvc-dolt's next dolt process.
            if proc.poll() is not None:
                return
            time.sleep(0.05)
            continue
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            yield json.loads(line)
    raise AssertionError(f"no dolt process of interest within {TRACE_TIMEOUT}s")


def kill_during(repo, args, dolt_command, server, tmp_path):
    """Run `dvc <args>`; SIGKILL it and its dolt while `dolt <dolt_command>` transfers.

    DVC_DOLT_TRACE points at a FIFO, so each dolt process dvc-dolt starts is
    announced here before it runs. On that announcement the remote server is
    frozen, so the transfer cannot finish before the kill lands, however fast
    the machine. The FIFO is held open for reading (non-blocking) the whole
    time, so neither side can block on the other.
    """
    fifo = tmp_path / f"trace-{dolt_command}.fifo"
    os.mkfifo(fifo)
    fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    proc = subprocess.Popen(
        [DVC, *args],
        cwd=repo,
        env={**os.environ, "DVC_DOLT_TRACE": str(fifo), "DVC_NO_ANALYTICS": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    seen = []
    deadline = time.monotonic() + TRACE_TIMEOUT
    try:
        for entry in _read_trace(fd, proc, deadline):
            seen.append(entry["argv"][1])
            if seen[-1] == dolt_command:
                server.proc.send_signal(signal.SIGSTOP)
                break
        while (
            proc.poll() is None
            and time.monotonic() < deadline
            and not dolt_children(proc.pid, dolt_command)
        ):
            time.sleep(0.05)
        killed_mid_transfer = bool(dolt_children(proc.pid, dolt_command))
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        os.close(fd)
        server.proc.send_signal(signal.SIGCONT)
    assert dolt_command in seen, f"dvc {' '.join(args)} ran no `dolt {dolt_command}`: {seen}"
    # The kill must have landed while dolt was moving data, not before or after.
    assert killed_mid_transfer, f"`dolt {dolt_command}` was not running when killed"


def test_kill_during_push_then_push_again(pushed_repo, stallable_server, tmp_path):
    repo = pushed_repo
    kill_during(repo, ["push"], "push", stallable_server, tmp_path)
    dvc(repo, "push")
    fresh = tmp_path / "fresh"
    git(tmp_path, "clone", "-q", str(repo), str(fresh))
    dvc(fresh, "pull")
    assert Database(fresh / "labels").heads() == Database(repo / "labels").heads()


def test_kill_during_pull_then_pull_again(pushed_repo, stallable_server, tmp_path):
    repo = pushed_repo
    dvc(repo, "push")
    fresh = tmp_path / "fresh"
    git(tmp_path, "clone", "-q", str(repo), str(fresh))
    kill_during(fresh, ["pull"], "clone", stallable_server, tmp_path)
    assert not (fresh / "labels").exists()  # nothing half-made in the workspace
    dvc(fresh, "pull")
    pulled = Database(fresh / "labels")
    assert pulled.heads() == Database(repo / "labels").heads()
    assert pulled.dirty_reasons() == []
    assert dvc(fresh, "status").stdout.strip() == "Data and pipelines are up to date."


def test_two_clones_push_the_same_database_at_once(pushed_repo, tmp_path):
    repo = pushed_repo
    dvc(repo, "push")
    clones = []
    for name in ("alice", "bob"):
        path = tmp_path / name
        git(tmp_path, "clone", "-q", str(repo), str(path))
        dvc(path, "pull")
        db = Database(path / "labels")
        insert(db, [(10_000 + len(clones), name)])
        commit(db, f"{name}'s labels")
        dvc(path, "commit", "-f", "labels.dvc")
        git(path, "commit", "-qam", f"{name}'s labels")
        clones.append(path)

    procs = [
        subprocess.Popen(
            [DVC, "push"],
            cwd=path,
            env={**os.environ, "DVC_NO_ANALYTICS": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for path in clones
    ]
    results = [(p.communicate()[1], p.returncode)[::-1] for p in procs]
    for (code, err), path in zip(results, clones):
        if code != 0:
            # A lost race is a clear, retryable error, and a retry succeeds.
            assert err.startswith("ERROR: failed to push"), err
            assert "Traceback" not in err
            dvc(path, "push")

    for path in clones:
        fresh = tmp_path / f"{path.name}-fresh"
        git(tmp_path, "clone", "-q", str(path), str(fresh))
        dvc(fresh, "pull")
        assert Database(fresh / "labels").heads() == Database(path / "labels").heads()
