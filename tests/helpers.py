"""Helpers for tests that drive the real dolt binary."""

from __future__ import annotations

import functools
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import ClassVar

from dvc_dolt.dolt import Database, find_dolt
from dvc_dolt.dolt.runner import dolt_env, quote_string
from dvc_dolt.dolt.trace import ENV_TRACE

GLOBAL_CONFIG = {
    "user.name": "dvc-dolt tests",
    "user.email": "tests@dvc-dolt.invalid",
    "metrics.disabled": "true",
    "versioncheck.disabled": "true",
}


def require_extra(module: str, extra: str):
    """The module an optional extra brings: skipped where the extra is not installed,
    but a failure in CI, which installs every extra (a skip there would hide tests)."""
    import importlib

    import pytest

    if os.environ.get("CI", "").lower() in ("", "0", "false"):
        return pytest.importorskip(module, reason=f"the {extra} extra is not installed")
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        pytest.fail(f"CI installs every extra, but {module} ({extra}) is missing: {exc}")


def dolt(cwd: str | os.PathLike[str], *args: str, check: bool = True) -> str:
    """Run the real dolt; stdout. For test setup, where failures should be loud."""
    proc = subprocess.run(
        [find_dolt().path, *args],
        cwd=cwd,
        env=dolt_env(),
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"dolt {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def has_archive_command() -> bool:
    """Whether the dolt under test has ``dolt archive``. Dolt 2.1.8 removed it:
    ``dolt gc --archive-level=1`` writes archives instead."""
    return _has_archive_command(find_dolt().path)


@functools.cache
def _has_archive_command(path: str) -> bool:
    # Asked once per dolt: `--help` touches no database, and an unknown
    # command exits non-zero ("Unknown Command archive").
    proc = subprocess.run(
        [path, "archive", "--help"],
        env=dolt_env(),
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    return proc.returncode == 0 and "dolt archive" in proc.stdout


class DbFactory:
    """Makes real Dolt databases under a test's tmp dir."""

    def __init__(self, base: Path) -> None:
        self.base = base

    def __call__(
        self,
        name: str = "db",
        rows: list[tuple[int, str | None]] | None = None,
        table: str = "t",
        parent: Path | None = None,
    ) -> Database:
        """A database with ``table(id int primary key, v text)`` holding ``rows``, committed."""
        path = (parent or self.base) / name
        path.mkdir(parents=True)
        dolt(path, "init", "-b", "main")
        db = Database(path)
        if rows is None:
            rows = [(1, "a"), (2, "b")]
        sql(db, f"create table `{table}` (id int primary key, v text)")
        if rows:
            insert(db, rows, table)
        commit(db, "initial data")
        return db


def sql(db: Database, query: str) -> str:
    return dolt(db.path, "sql", "-q", query)


def insert(db: Database, rows: list[tuple[int, str | None]], table: str = "t") -> None:
    values = ", ".join(f"({i}, {'NULL' if v is None else quote_string(v)})" for i, v in rows)
    sql(db, f"insert into `{table}` values {values}")


def commit(db: Database, message: str = "change") -> str:
    dolt(db.path, "add", "-A")
    dolt(db.path, "commit", "-m", message)
    return db.heads().commit


def two_commits(make_db) -> tuple[Database, str, str]:
    """A database whose main has two commits: (db, first, second)."""
    db = make_db()
    first = db.heads().commit
    insert(db, [(3, "c")])
    second = commit(db, "second")
    return db, first, second


def conflicting_branches(db: Database) -> None:
    """main and other both change row 1 of t: merging other conflicts."""
    dolt(db.path, "checkout", "-b", "other")
    sql(db, "update t set v = 'theirs' where id = 1")
    commit(db, "theirs")
    dolt(db.path, "checkout", "main")
    sql(db, "update t set v = 'ours' where id = 1")
    commit(db, "ours")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"dolt sql-server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"dolt sql-server did not open port {port} within {timeout}s")


def serving(server):
    """Start ``server``, yield it, stop it however the tests end: a server fixture's body."""
    server.start()
    try:
        yield server
    finally:
        server.stop()


class DoltRemoteServer:
    """``dolt sql-server`` serving its databases as Dolt remotes over HTTP."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.sql_port = free_port()
        self.api_port = free_port()
        self.log = root.parent / f"{root.name}.log"
        self.proc: subprocess.Popen | None = None
        self._count = 0

    def start(self) -> None:
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [
                    find_dolt().path,
                    "sql-server",
                    "-H",
                    "127.0.0.1",
                    "-P",
                    str(self.sql_port),
                    "--remotesapi-port",
                    str(self.api_port),
                ],
                cwd=self.root,
                env=dolt_env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        wait_for_port(self.sql_port, self.proc)
        wait_for_port(self.api_port, self.proc)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def new_database(self, prefix: str = "remote") -> str:
        """Create an empty database on the server; its remote URL."""
        self._count += 1
        return self.create_database(f"{prefix}{self._count}")

    def create_database(self, name: str) -> str:
        """Create database ``name`` on the server (if new); its remote URL."""
        dolt(
            self.root,
            "--host", "127.0.0.1", "--port", str(self.sql_port), "--no-tls",
            "-u", "root", "-p", "",
            "sql", "-q", f"create database if not exists `{name}`",
        )  # fmt: skip
        return self.url(name)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.api_port}/{name}"


# -- driving the real `dvc` command ------------------------------------------

DVC = os.path.join(os.path.dirname(sys.executable), "dvc")


def dvc(cwd: str | os.PathLike[str], *args: str, ok: bool | None = True, env: dict | None = None):
    """Run the plain `dvc` command of this environment (the .pth loads dvc-dolt)."""
    proc = subprocess.run(
        [DVC, *args],
        cwd=cwd,
        env={**os.environ, "DVC_NO_ANALYTICS": "1", **(env or {})},
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    if ok and proc.returncode != 0:
        raise AssertionError(
            f"dvc {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
        )
    if ok is False and proc.returncode == 0:
        raise AssertionError(f"dvc {' '.join(args)} succeeded but should not:\n{proc.stdout}")
    return proc


class DoltTrace:
    """The dolt processes dvc-dolt starts, as ``$DVC_DOLT_TRACE`` lists them: the
    one way the tests count them. It sees every dolt process dvc-dolt starts, the
    version probe too, whether in this process (the ``count_dolt_processes``
    fixture sets the variable) or in a `dvc` command run with ``env=trace.env``
    (or through :meth:`dvc`). Each entry is a process's argv after ``dolt``, as
    `dvc -v` shows it (a password redacted); it compares equal to such a list."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def env(self) -> dict[str, str]:
        return {ENV_TRACE: str(self.path)}

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)

    @property
    def argvs(self) -> list[list[str]]:
        if not self.path.exists():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line)["argv"][1:] for line in lines]

    def commands(self) -> list[str]:
        """The dolt subcommand of each process: 'sql', 'push', 'version'..."""
        return [argv[0] for argv in self.argvs]

    def dvc(self, cwd: str | os.PathLike[str], *args: str, env: dict | None = None, **kwargs):
        """`dvc <args>` traced from a cleared trace: its completed process."""
        self.clear()
        return dvc(cwd, *args, env={**(env or {}), **self.env}, **kwargs)

    def __iter__(self):
        return iter(self.argvs)

    def __len__(self) -> int:
        return len(self.argvs)

    def __eq__(self, other: object) -> bool:
        return self.argvs == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"DoltTrace({self.argvs!r})"


def git(cwd: str | os.PathLike[str], *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True
    ).stdout


def git_refs(bare: str | os.PathLike[str]) -> dict[str, str]:
    """Ref name -> object, as git repository ``bare`` has them."""
    lines = git(bare, "for-each-ref", "--format=%(refname) %(objectname)").splitlines()
    return dict(line.split() for line in lines)


def table_rows(db_path: str | os.PathLike[str], table: str = "t") -> list[list]:
    """The rows of ``table`` (by id), as lists of values."""
    out = dolt(db_path, "sql", "-r", "json", "-q", f"select * from `{table}` order by id")
    return [list(r.values()) for r in json.loads(out or "{}").get("rows", [])]


def git_commit(repo: str | os.PathLike[str], message: str) -> str:
    """`git add -A` and `git commit -qm <message>` in ``repo``: the set-up that
    records a project's state in git."""
    git(repo, "add", "-A")
    return git(repo, "commit", "-qm", message)


def default_remote(repo: str | os.PathLike[str], url, name: str = "storage") -> None:
    """`dvc remote add -d <name> <url>`: the project's default DVC remote (``url`` a
    local path or a URL)."""
    dvc(repo, "remote", "add", "-d", name, str(url))


def track(repo: Path, make_db, name: str, *, git_message: str | None = None, **db_args) -> Database:
    """Database ``name`` made in ``repo`` (``make_db``'s ``rows`` and ``table`` as
    given) and `dvc add`-ed; committed to git with ``git_message``, when given."""
    db = make_db(name, parent=repo, **db_args)
    dvc(repo, "add", name)
    if git_message is not None:
        git_commit(repo, git_message)
    return db


# A stage of the experiment tests: labels (table t) scaled by params.yaml's
# `scale`, saved as table scores of database scores.
SCALE = """\
from dvc_dolt import api

scale = int(open("params.yaml").read().split(":")[1])
frame = api.read("labels", "t")
frame["score"] = frame["id"] * scale
api.save(frame[["id", "score"]], "scores", "scores", primary_key="id",
         message=f"scores at scale {scale}")
"""


# Counts the rows of table `train` of database `labels` with dolt itself, so
# the stage reads exactly that table (and records how often it ran).
COUNT = """\
import json, os, subprocess
dolt = os.environ.get("DVC_DOLT_DOLT", "dolt")
out = subprocess.run([dolt, "sql", "-r", "json", "-q", "select count(*) as n from train"],
                     cwd="labels", capture_output=True, text=True, check=True).stdout
json.dump({"rows": json.loads(out)["rows"][0]["n"]}, open("count.json", "w"))
open("runs.log", "a").write("ran\\n")  # not an output: DVC leaves it alone
"""


def new_project(path: Path) -> Path:
    """A fresh git + DVC project at ``path``."""
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    dvc(path, "init", "-q")
    git(path, "commit", "-qm", "init dvc")
    return path


# -- DVC's experiment queue ----------------------------------------------------


def queue_states(repo) -> dict[str, str]:
    """Experiment name -> state, as `dvc queue status` shows them."""
    states = {}
    for line in dvc(repo, "queue", "status").stdout.splitlines()[1:]:
        fields = line.split()
        # Task  Name  Created  Status: the name may be missing.
        if len(fields) >= 4 and fields[-1] in ("Queued", "Running", "Success", "Failed"):
            states[fields[1]] = fields[-1]
    return states


def wait_for_queue(repo, names, limit=400.0):
    """Until every named experiment has finished: a bounded wait, never a timing assertion."""
    deadline = time.monotonic() + limit
    while True:
        states = queue_states(repo)
        if all(states.get(name) in ("Success", "Failed") for name in names):
            return states
        if time.monotonic() > deadline:
            logs = "".join(dvc(repo, "queue", "logs", n, ok=None).stdout for n in names)
            raise AssertionError(f"queue never finished: {states}\n{logs}")
        time.sleep(1)


def survives_gc(db: Database, commit: str) -> bool:
    """Whether ``commit`` is still in the database after `dolt gc`, which keeps
    only what a branch or tag reaches."""
    dolt(db.path, "gc", "--full")
    query = f"select dolt_hashof('{commit}') as h"
    return commit in dolt(db.path, "sql", "-r", "csv", "-q", query, check=False)


def user_dolt(db: Database, *args: str) -> subprocess.CompletedProcess[str]:
    """One dolt command as a user types it, in the database; never raises on failure."""
    return subprocess.run(
        [find_dolt().path, *args],
        cwd=db.path,
        env=dolt_env(),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
        timeout=120,
    )


def user_round(db: Database, n: int) -> list[str]:
    """One round of what a user types, each its own dolt process: `dolt sql -q
    "insert ..."`, then `dolt add -A && dolt commit -m ...`; the commands that failed."""
    failed = []
    for args in (
        ("sql", "-q", f"insert into t values ({100 + n}, 'round {n}')"),
        ("add", "-A"),
        ("commit", "-m", f"round {n}"),
    ):
        proc = user_dolt(db, *args)
        if proc.returncode:
            failed.append(f"dolt {args[0]}: {proc.stderr.strip() or proc.stdout.strip()}")
    return failed


def lock_held(db: Database) -> bool:
    """Whether some dolt holds the database's lock (``.dolt/noms/LOCK``, an ``flock``)
    right now; probing takes it for an instant. POSIX only."""
    import fcntl

    with open(db.path / ".dolt" / "noms" / "LOCK", "ab") as fobj:
        try:
            fcntl.flock(fobj.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fobj.fileno(), fcntl.LOCK_UN)
        return False


def error_lines(proc) -> list[str]:
    return [line for line in proc.stderr.splitlines() if line.startswith("ERROR:")]


# The DVC extension for VS Code offers to retry with -f only when stderr matches
# Prompt.TRY_FORCE (extension/src/cli/dvc/output.ts): this release's and an older one's.
FORCE_PROMPTS = (
    re.compile(r"Use\s['`](-f|--force).*?['`]\sto\sforce\."),
    re.compile(r"Use\s['`]-f.*?['`]\sto\sforce\."),
)


def offers_force(proc) -> bool:
    """Whether the failed command's message ends with DVC's sentence that clients key on."""
    lines = proc.stderr.rstrip().splitlines()
    return bool(lines) and all(prompt.search(lines[-1]) for prompt in FORCE_PROMPTS)


class MotoServer:
    """moto's S3 + DynamoDB server on 127.0.0.1 (an IP: Dolt's S3 client then uses
    path-style URLs, which moto needs)."""

    REGION = "us-east-1"
    CREDENTIALS: ClassVar[dict[str, str]] = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }

    def __init__(self, log: Path) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.proc: subprocess.Popen | None = None
        self._count = 0

    def start(self) -> None:
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        wait_for_port(self.port, self.proc)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)

    def client(self, service: str):
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=self.REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def new_bucket_and_table(self) -> tuple[str, str]:
        """A fresh bucket and a DynamoDB table keyed as Dolt needs (string `db`)."""
        self._count += 1
        bucket, table = f"bucket{self._count}", f"dolt-manifests-{self._count}"
        self.client("s3").create_bucket(Bucket=bucket)
        dynamodb = self.client("dynamodb")
        dynamodb.create_table(
            TableName=table,
            AttributeDefinitions=[{"AttributeName": "db", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "db", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
        return bucket, table

    def keys(self, bucket: str) -> list[str]:
        pages = self.client("s3").get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return [obj["Key"] for page in pages for obj in page.get("Contents", [])]


class FakeGcsServer:
    """fake-gcs-server (scripts/install-fake-gcs-server) on 127.0.0.1."""

    def __init__(self, binary: str, log: Path) -> None:
        self.binary = binary
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.proc: subprocess.Popen | None = None
        self._count = 0

    def start(self) -> None:
        # Dolt reads objects at /<bucket>/<object>, which the server answers
        # only for requests to its public host.
        argv = [
            self.binary,
            "-scheme", "http",
            "-host", "127.0.0.1",
            "-port", str(self.port),
            "-backend", "memory",
            "-public-host", f"127.0.0.1:{self.port}",
            "-log-level", "warn",
        ]  # fmt: skip
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        wait_for_port(self.port, self.proc)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)

    def new_bucket(self) -> str:
        import json
        import urllib.request

        self._count += 1
        name = f"bucket{self._count}"
        request = urllib.request.Request(
            f"{self.endpoint}/storage/v1/b?project=test",
            data=json.dumps({"name": name}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30):
            pass
        return name

    def names(self, bucket: str) -> list[str]:
        import json
        import urllib.request

        url = f"{self.endpoint}/storage/v1/b/{bucket}/o"
        with urllib.request.urlopen(url, timeout=30) as response:
            return [item["name"] for item in json.load(response).get("items", [])]


def dolt_children(pgid: int, dolt_command: str, match: str = "") -> list[int]:
    """Pids of `dolt <dolt_command>` processes in process group ``pgid`` (whose
    argv holds ``match``, when given)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        # Field 5 of /proc/<pid>/stat (after the parenthesised name) is the pgid.
        if int(stat.rsplit(")", 1)[1].split()[2]) != pgid:
            continue
        if len(argv) > 1 and argv[1].decode() == dolt_command and match.encode() in b" ".join(argv):
            found.append(int(entry.name))
    return found


def kill_at_dolt(repo, args, dolt_command: str, env=None, match: str = "") -> bool:
    """Run `dvc <args>`; as soon as it runs `dolt <dolt_command>` (argv holding
    ``match``), freeze that dolt and SIGKILL the whole process group. True when
    the kill landed while that dolt ran; False when dvc ended first."""
    proc = subprocess.Popen(
        [DVC, *args],
        cwd=repo,
        env={**os.environ, "DVC_NO_ANALYTICS": "1", **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 240
        while proc.poll() is None and time.monotonic() < deadline:
            pids = dolt_children(proc.pid, dolt_command, match)
            if pids:
                for pid in pids:
                    os.kill(pid, signal.SIGSTOP)
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                return True
            time.sleep(0.002)
        return False
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
