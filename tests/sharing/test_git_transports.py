"""The project's own git repository as the DVC remote of its databases, served
over ssh and git's smart HTTP protocol on 127.0.0.1 (tests/git_servers.py), with
the real `dvc`, `git` and `dolt`: the round trip of a project, pushes from two
clones at once, and a push killed halfway.

The same over git+file: tests/sharing/test_git_remotes.py. The ssh tests need
OpenSSH's sshd (scripts/install-sshd): without it they are skipped, or fail
where ``DVC_DOLT_REQUIRE_SSHD=1`` (CI). Pushes over ssh cost seconds each: the
tests make few."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from git_servers import serve
from helpers import (
    DVC,
    commit,
    default_remote,
    dolt,
    dvc,
    git,
    git_commit,
    git_refs,
    insert,
    table_rows,
    track,
)

from dvc_dolt.dolt import Database, find_dolt
from dvc_dolt.dolt.runner import dolt_env
from dvc_dolt.dvc.layout import git_ref


def served_origin(server, git_root: Path, repo: Path, name: str) -> str:
    """Bare repository ``name`` on ``server``: ``repo``'s git remote ``origin``,
    holding its main (Dolt pushes only to a repository with a branch). Its URL."""
    git(git_root, "init", "-q", "--bare", "-b", "main", name)
    url = server.url_for(name)
    git(repo, "remote", "add", "origin", url)
    git(repo, "push", "-q", "origin", "main")
    return url


def head(db_path: Path) -> str:
    return Database(db_path).heads().commit


def start_dvc(cwd: Path, *args: str, env: dict | None = None, **popen_args) -> subprocess.Popen:
    """`dvc <args>` started, as helpers.dvc runs it."""
    return subprocess.Popen(
        [DVC, *args], cwd=cwd, env={**os.environ, "DVC_NO_ANALYTICS": "1", **(env or {})},
        stdin=subprocess.DEVNULL, **popen_args,
    )  # fmt: skip


@pytest.mark.timeout(180)
@pytest.mark.parametrize("transport", ["http", "ssh"])
def test_project_round_trip(request, transport, git_root, dvc_repo, make_db, tmp_path):
    server = serve(request, transport)
    bare = git_root / f"{tmp_path.name}.git"
    url = served_origin(server, git_root, dvc_repo, bare.name)
    default_remote(dvc_repo, "git+remote://origin", "origin")
    db = track(dvc_repo, make_db, "labels", git_message="labels")
    first = head(db.path)

    push = dvc(dvc_repo, "push")
    assert "Pushed Dolt database 'labels' to remote 'origin': 1 new commit" in push.stdout
    git(dvc_repo, "push", "-q", "origin", "main")
    on_server = git_refs(bare)
    assert git_ref("labels") in on_server
    # Dolt 2.x's info branch is off: the branches are the project's only.
    assert [r for r in on_server if r.startswith("refs/heads/")] == ["refs/heads/main"]

    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", url, clone.name)
    assert git_ref("labels") in git(clone, "ls-remote", "origin")  # there, but
    assert "refs/dolt/" not in git(clone, "for-each-ref")  # a plain clone fetched none of it
    pulled = dvc(clone, "pull")
    assert "Fetched Dolt database 'labels' from remote 'origin'" in pulled.stdout
    assert table_rows(clone / "labels") == [[1, "a"], [2, "b"]]
    assert head(clone / "labels") == first

    # One new row: status -c sees the remote lacks it.
    insert(db, [(3, "c")])
    third = commit(db, "third")
    dvc(dvc_repo, "commit", "-f", "labels")
    status = dvc(dvc_repo, "status", "-c", "--json")
    assert json.loads(status.stdout) == {"labels": "new"}

    # It goes, with a new database, through the same repository named as users
    # copy it, which dvc-dolt rewrites: over HTTP without git+, over ssh as
    # user@host:path (no port there: the server's ssh config and
    # GIT_SSH_COMMAND give it).
    second = f"{server.user}@127.0.0.1:{bare}" if transport == "ssh" else url
    dvc(dvc_repo, "remote", "add", "second", second)
    track(dvc_repo, make_db, "extra", rows=[(7, "x")])
    push = dvc(dvc_repo, "push", "-r", "second")
    assert "Pushed Dolt database 'labels' to remote 'second': 1 new commit" in push.stdout
    assert "Pushed Dolt database 'extra' to remote 'second': 1 new commit" in push.stdout
    assert git_ref("extra") in git_refs(bare)
    git_commit(dvc_repo, "three rows, and extra")
    git(dvc_repo, "push", "-q", "origin", "main")
    # Through origin, the same repository: everything is there.
    assert dvc(dvc_repo, "status", "-c").stdout.strip() == "Cache and remote 'origin' are in sync."

    git(clone, "pull", "-q", "origin", "main")
    dvc(clone, "pull")
    assert table_rows(clone / "labels") == [[1, "a"], [2, "b"], [3, "c"]]
    assert head(clone / "labels") == third
    assert table_rows(clone / "extra") == [[7, "x"]]


@pytest.mark.timeout(180)
def test_concurrent_pushes_from_two_clones(request, git_root, dvc_repo, make_db, tmp_path):
    server = serve(request, "http")
    url = served_origin(server, git_root, dvc_repo, f"{tmp_path.name}.git")
    default_remote(dvc_repo, "git+remote://origin", "origin")
    track(dvc_repo, make_db, "labels", git_message="labels")
    dvc(dvc_repo, "push")
    git(dvc_repo, "push", "-q", "origin", "main")

    new_rows = {"a": [10, "a"], "b": [20, "b"]}
    clones, recorded = {}, {}
    for who, row in new_rows.items():
        clones[who] = clone = tmp_path / f"clone-{who}"
        git(tmp_path, "clone", "-q", url, clone.name)
        dvc(clone, "pull")
        db = Database(clone / "labels")
        insert(db, [tuple(row)])
        recorded[who] = commit(db, f"row of {who}")
        dvc(clone, "commit", "-f", "labels")
        git(clone, "checkout", "-q", "-b", who)
        git_commit(clone, f"labels of {who}")

    # Both at once, to one ref (refs/dolt/labels): Dolt updates it with
    # --force-with-lease and, when the other push moved it first, tries again.
    procs = {
        who: start_dvc(clone, "push", text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for who, clone in clones.items()
    }
    for who, proc in procs.items():
        out, err = proc.communicate(timeout=150)
        assert proc.returncode == 0, f"{who}: dvc push exited {proc.returncode}:\n{out}\n{err}"
        assert "Pushed Dolt database 'labels' to remote 'origin': 1 new commit" in out, err
    for who, clone in clones.items():
        git(clone, "push", "-q", "origin", who)

    third = tmp_path / "third"
    git(tmp_path, "clone", "-q", url, third.name)
    for who, row in new_rows.items():
        git(third, "checkout", "-q", who)
        dvc(third, "pull")
        assert head(third / "labels") == recorded[who]
        assert table_rows(third / "labels") == [[1, "a"], [2, "b"], row]


def family(root: int) -> dict[int, tuple[int, list[str]]]:
    """pid -> (process group, argv) of ``root`` and its descendants (Linux: /proc)."""
    procs = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            argv = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        # After the parenthesised name: state, ppid, pgid.
        _, ppid, pgid = stat.rsplit(")", 1)[1].split()[:3]
        procs[int(entry.name)] = (int(ppid), int(pgid), [a for a in argv if a])
    found, todo = {}, [root]
    while todo:
        pid = todo.pop()
        if pid in procs:
            found[pid] = procs[pid][1:]
            todo += [child for child, (ppid, *_) in procs.items() if ppid == pid]
    return found


def uploading(procs: dict[int, tuple[int, list[str]]]) -> bool:
    """Whether Dolt's `git push` of the database runs."""
    return any(
        argv and Path(argv[0]).name == "git" and "push" in argv[1:3] for _, argv in procs.values()
    )


def pushing(procs: dict[int, tuple[int, list[str]]]) -> bool:
    return any(
        argv and Path(argv[0]).name == "dolt" and "push" in argv[1:] for _, argv in procs.values()
    )


def kill_all(procs: dict[int, tuple[int, list[str]]]) -> None:
    """SIGKILL to every process group of ``procs``: Dolt 2.x starts each git in
    a group of its own, which would outlive a kill of the `dvc` group alone."""
    for pgid in {pgid for pgid, _ in procs.values()}:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)


def run_dolt(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`dolt <args>` in ``cwd``, whatever its exit status."""
    return subprocess.run(
        [find_dolt().path, *args], cwd=cwd, env=dolt_env(), capture_output=True, text=True,
        check=False, stdin=subprocess.DEVNULL, timeout=120,
    )  # fmt: skip


ROWS = 50_000


@pytest.mark.timeout(240)
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_push_killed_halfway_then_run_again(request, git_root, dvc_repo, make_db, tmp_path):
    server = serve(request, "http")
    url = served_origin(server, git_root, dvc_repo, f"{tmp_path.name}.git")
    default_remote(dvc_repo, "git+remote://origin", "origin")
    # Random-looking text: a few MiB Dolt takes seconds to push.
    data = tmp_path / "big.csv"
    with open(data, "w", newline="") as fobj:
        out = csv.writer(fobj)
        out.writerow(["id", "v"])
        out.writerows((i, os.urandom(24).hex()) for i in range(ROWS))
    db = make_db("big", parent=dvc_repo, rows=[])
    dolt(db.path, "table", "import", "-u", "t", str(data))
    recorded = commit(db, f"{ROWS} rows")
    dvc(dvc_repo, "add", "big")
    git_commit(dvc_repo, "big")
    git(dvc_repo, "push", "-q", "origin", "main")

    # What it leaves in its temporary directory (a killed dvc-dolt cannot
    # remove its views of the database) stays in the test's.
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    proc = start_dvc(
        dvc_repo, "push", env={"TMPDIR": str(scratch)}, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    # Killed, dvc, dolt and git alike, once Dolt uploads the database (its `git
    # push`; should a Dolt upload otherwise, once its push ran for a while).
    # The kill may land anywhere, even after the push finished: what follows
    # must hold wherever it landed.
    pushing_since, landed = None, "after the push ended"
    while proc.poll() is None:
        procs = family(proc.pid)
        if pushing(procs):
            pushing_since = pushing_since or time.monotonic()
        if uploading(procs) or (pushing_since and time.monotonic() - pushing_since > 5):
            kill_all(procs)
            landed = "while " + ", ".join(" ".join(argv[:2]) for _, argv in procs.values())
            break
        time.sleep(0.01)
    proc.wait()
    print(f"the kill landed {landed}")  # shown when the test fails

    dvc(dvc_repo, "push")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", url, clone.name)
    dvc(clone, "pull")
    assert head(clone / "big") == recorded
    count = dolt(clone / "big", "sql", "-r", "csv", "-q", "select count(*) from t")
    assert count.split() == ["count(*)", str(ROWS)]
    if run_dolt(clone, "fsck", "--help").returncode == 0:  # 1.83.2 and 2.3.1 have it
        for path in (clone / "big", db.path):
            fsck = run_dolt(path, "fsck")
            assert fsck.returncode == 0, f"{path}:\n{fsck.stdout}{fsck.stderr}"
            assert "No problems found." in fsck.stdout, f"{path}:\n{fsck.stdout}"
