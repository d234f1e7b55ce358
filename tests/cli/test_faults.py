"""Sharing under faults: kill -9 mid-transfer, then again; two pushers at once."""

import json
import os
import signal
import subprocess
import time

import pytest
from helpers import DVC, commit, dvc, git, insert

from dvc_dolt.dolt import Database


@pytest.fixture
def pushed_repo(dvc_repo, make_db, tmp_path):
    repo = dvc_repo
    rows = [(i, f"label-{i}") for i in range(2000)]
    make_db("labels", parent=repo, rows=rows)
    dvc(repo, "add", "labels")
    dvc(repo, "remote", "add", "-d", "storage", str(tmp_path / "storage"))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "labels")
    return repo


def kill_during(repo, args, dolt_command, tmp_path):
    """Start `dvc <args>`; SIGKILL it (and its dolt) once it runs `dolt <dolt_command>`.

    DVC_DOLT_TRACE points at a FIFO, so each dolt process dvc-dolt starts is
    announced here first, and the kill lands while that command runs.
    """
    fifo = tmp_path / f"trace-{dolt_command}.fifo"
    os.mkfifo(fifo)
    proc = subprocess.Popen(
        [DVC, *args],
        cwd=repo,
        env={**os.environ, "DVC_DOLT_TRACE": str(fifo), "DVC_NO_ANALYTICS": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    seen = []
    try:
        while True:
            with open(fifo) as trace:
                line = trace.readline()
            if not line:
                continue
            argv = json.loads(line)["argv"]
            seen.append(argv[1])
            if argv[1] == dolt_command:
                break
        time.sleep(0.3)  # let dolt get going; the test asserts nothing about time
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert dolt_command in seen
    return proc.returncode


def test_kill_during_push_then_push_again(pushed_repo, tmp_path):
    repo = pushed_repo
    assert kill_during(repo, ["push"], "push", tmp_path) == -signal.SIGKILL
    dvc(repo, "push")
    fresh = tmp_path / "fresh"
    git(tmp_path, "clone", "-q", str(repo), str(fresh))
    dvc(fresh, "pull")
    assert Database(fresh / "labels").heads() == Database(repo / "labels").heads()


def test_kill_during_pull_then_pull_again(pushed_repo, tmp_path):
    repo = pushed_repo
    dvc(repo, "push")
    fresh = tmp_path / "fresh"
    git(tmp_path, "clone", "-q", str(repo), str(fresh))
    assert kill_during(fresh, ["pull"], "clone", tmp_path) == -signal.SIGKILL
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
    results = [(p.wait(), p.stderr.read()) for p in procs]
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
