"""dvc-dolt against plain DVC, side by side in one run, on the same databases.

    python benchmarks/bench.py [--rows 10000,1000000] [--random] [--repeat 5] [--s3]
    python benchmarks/bench.py --wide-gb 1.15 --template /tmp/bench-template [--s3]

Plain DVC (DVC_DOLT_DISABLE=1) tracks the database directory as files: it
md5s `.dolt/` and copies it into its cache. dvc-dolt hashes three heads.
Both start from the same database, as `dolt table import` left it (its data
all in Dolt's chunk journal), which is where users start.

Each side runs the same round of commands --repeat times, on a fresh copy of
the database and a fresh, empty remote each time, the sides taking turns;
each figure is the median over the rounds. A round: `dolt sql -q "select 1"`
in the database (the journal tax: what any dolt process pays to open it),
`dvc add`, the first `dvc push` (to an empty remote), `dvc status` with
nothing changed, a 1-row dolt commit, `dvc status`, `dvc commit`, `dvc
checkout` to the previous version and back, the journal tax again, `dvc push`
after the 1-row commit, a stage that reads one table (`-d db/<table>`; plain
DVC: `-d db`) after a commit to another table, and `dvc pull` in a fresh git
clone. "first day" is `dvc add` + the first `dvc push` + `dvc checkout` to the
previous version, summed per round. Ratios are plain DVC / dvc-dolt: higher
is better for dvc-dolt.

The dvc-dolt side runs once per --compact policy (default `unset,off`):
`unset` leaves DVC_DOLT_COMPACT out of the environment (dvc-dolt's default
policy), `off`/`auto`/`always` set it. "dolt procs" counts the dolt processes
dvc-dolt started (DVC_DOLT_TRACE) and names their subcommands; a `gc` among
them is a compaction, its time taken from when the trace showed it to the
next dolt process or the command's end.

Data (--rows sizes):
  default    a narrow table (id, label, score), compressible;
  --random   (id, payload text) with an 8-byte random hex payload per row:
             incompressible, and Dolt 1.x stores each text value as its own
             chunk (1M rows: ~150 MB in .dolt, ~125 MB journal, ~29 MB
             journal.idx on dolt 1.83.2);
  --wide-gb  instead of --rows: ~1 KB rows of random text (1.15: 1M rows,
             1.17 GB), imported 100,000 rows at a time.
All are written by `dolt table import` and committed. --template DIR keeps
the built databases (one folder per kind, size and dolt version, beside a
`dolt gc`'d copy) for the next run, and --prepare only builds them; --state
imported,gc also runs the rounds on the gc'd copy (default: imported; with
--wide-gb, imported,gc).

Remote: a local folder (file://), or with --s3 a bucket on a moto server
(S3 + DynamoDB on 127.0.0.1, tests/helpers.py's MotoServer; a new server each
round), dvc-dolt's Dolt remote on it through the `dolt_dynamodb_table` option.
With file://, a raw `dolt push` of the same database to an empty folder is
timed once as a reference.

--wait-idle pytest waits before each round while a test run is going on
(for at most --wait-max seconds in all) and runs a round it overlapped again
(up to --redo times); the notes say how many rounds other work overlapped.

dvc_dolt is byte-compiled first, as pip does when it installs a wheel (DVC's
own modules were, at their install).

Plain DVC needs ~4 copies of the database on disk at once (the workspace,
its cache, and its remote holding two versions of the journal file).

Needs dolt (see README; DVC_DOLT_DOLT picks one) and a Python with dvc-dolt
installed (moto for --s3: the test extra). Not run in CI. Put a snapshot of
the code under test first on PYTHONPATH to measure it rather than the
working tree; the header says which dvc_dolt ran.
"""

from __future__ import annotations

import argparse
import base64
import compileall
import contextlib
import csv
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from dvc_dolt.dolt import find_dolt

DVC = os.path.join(os.path.dirname(sys.executable), "dvc")
PLAIN = {"DVC_DOLT_DISABLE": "1"}
ENV_COMPACT = "DVC_DOLT_COMPACT"
TESTS = Path(__file__).resolve().parent.parent / "tests"
GB = 1e9
MB = 1e6
# Rows per CSV chunk of the wide database (~100 MB of CSV on disk at a time).
CHUNK_ROWS = 100_000
# A wide row: 1024 characters of random text; 1M of them make ~1.15 GB in Dolt.
WIDE_ROW_GB = 1.15e-6
# Bytes in .dolt per row, to check free disk before building.
ROW_BYTES = {"narrow": 40, "random": 160, "wide": 1150}
TEMPLATE_INFO = "template.json"
# Room for dvc's and dolt's own files next to the copies of the database.
MARGIN = 0.5 * GB
JOURNAL_NAME = "v" * 32
# The first stored procedure a dolt query calls.
CALL = re.compile(r"^\s*call\s+(dolt_\w+)\(", re.IGNORECASE)
# `dolt sql -q "select 1"` runs per journal-tax figure (their median).
TAX_RUNS = 3


class Failed(SystemExit):
    pass


def run_output(cmd: Sequence[str], cwd: Path, env: Optional[dict] = None) -> tuple[float, str]:
    """Seconds the command took, and what it printed (stdout and stderr)."""
    # Each command starts with nothing left to write back: the gigabytes the
    # command before wrote would otherwise be flushed in this one's time.
    os.sync()
    start = time.perf_counter()
    proc = subprocess.run(
        list(cmd),
        cwd=cwd,
        env={**os.environ, "DVC_NO_ANALYTICS": "1", **(env or {})},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    seconds = time.perf_counter() - start
    if proc.returncode:
        raise Failed(f"{' '.join(cmd)} failed in {cwd}:\n{proc.stdout}{proc.stderr}")
    return seconds, proc.stdout + proc.stderr


def run(cmd: Sequence[str], cwd: Path, env: Optional[dict] = None) -> float:
    return run_output(cmd, cwd, env)[0]


def median_of(repeat: int, fn: Callable[[], float]) -> float:
    return statistics.median(fn() for _ in range(repeat))


def dolt(cwd: Path, *args: str) -> float:
    return run([find_dolt().path, *args], cwd)


def git(cwd: Path, *args: str) -> None:
    run(["git", *args], cwd)


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def journal_sizes(db: Path) -> tuple[int, int]:
    """Bytes in the chunk journal (and oldgen's) and in its index, journal.idx."""
    noms = db / ".dolt" / "noms"
    sizes = []
    for name in (JOURNAL_NAME, "journal.idx"):
        files = (store / name for store in (noms, noms / "oldgen"))
        sizes.append(sum(f.stat().st_size for f in files if f.is_file()))
    return sizes[0], sizes[1]


def journal_tax(db: Path, runs: int = TAX_RUNS) -> float:
    """The median time of `dolt sql -q "select 1"` in ``db``: what any dolt process
    pays to open the database."""
    return median_of(runs, lambda: dolt(db, "sql", "-q", "select 1"))


# -- databases ------------------------------------------------------------------


@dataclass(frozen=True)
class Data:
    """A kind of database: its table, and the column the 1-row commit changes."""

    kind: str
    table: str
    column: str
    what: str


DATA = {
    "narrow": Data("narrow", "labels", "label", "narrow rows (id, label, score), compressible"),
    "random": Data(
        "random", "labels", "payload", "rows (id, payload text) of 8 random bytes in hex"
    ),
    "wide": Data("wide", "texts", "label", "~1 KB rows of random text (id, label, body)"),
}


def make_narrow(path: Path, rows: int) -> None:
    """A narrow table `labels` (id, label, score), its types inferred by the import."""
    dolt(path, "init", "-b", "main")
    data = path.parent / f"{path.name}.csv"
    with open(data, "w", newline="") as fobj:
        writer = csv.writer(fobj)
        writer.writerow(["id", "label", "score"])
        for i in range(rows):
            writer.writerow([i, f"label-{i % 10}", i * 0.5])
    dolt(path, "table", "import", "-c", "--pk", "id", "labels", str(data))
    data.unlink()


def make_random(path: Path, rows: int) -> None:
    """A table `labels` (id int, payload text) of incompressible 8-byte payloads.

    A schema of our own: `import -c` would infer a varchar, which Dolt keeps
    inline; a text value is a chunk of its own in Dolt 1.x, as in many real
    tables with text columns."""
    dolt(path, "init", "-b", "main")
    dolt(path, "sql", "-q", "create table labels (id int primary key, payload text)")
    data = path.parent / f"{path.name}.csv"
    with open(data, "w", newline="") as fobj:
        fobj.write("id,payload\n")
        for i in range(rows):
            fobj.write(f"{i},{os.urandom(8).hex()}\n")
    dolt(path, "table", "import", "-u", "labels", str(data))
    data.unlink()


def make_wide(path: Path, rows: int) -> None:
    """A table `texts` (id, label, body) of ~1 KB random rows, imported CSV chunk
    by CSV chunk, so that only one chunk is on disk at a time."""
    dolt(path, "init", "-b", "main")
    # A schema of our own: `import -c` would infer a varchar too short for the text.
    dolt(path, "sql", "-q", "create table texts (id int primary key, label varchar(32), body text)")
    data = path.parent / f"{path.name}.csv"
    try:
        for first in range(0, rows, CHUNK_ROWS):
            with open(data, "w", newline="") as fobj:
                writer = csv.writer(fobj)
                writer.writerow(["id", "label", "body"])
                for i in range(first, min(rows, first + CHUNK_ROWS)):
                    body = base64.b64encode(os.urandom(768)).decode()
                    writer.writerow([i, f"label-{i % 10}", body])
            dolt(path, "table", "import", "-u", "texts", str(data))
    finally:
        data.unlink(missing_ok=True)


BUILDERS = {"narrow": make_narrow, "random": make_random, "wide": make_wide}


def prepare_template(root: Path, kind: str, rows: int) -> tuple[Path, dict]:
    """``<folder>/imported`` (as `dolt table import` left it, committed) and
    ``<folder>/gc`` (the same after `dolt gc`), built when absent; the folder
    (one per kind, size and dolt version, under ``root``) and its description."""
    version = find_dolt().version_string
    folder = root / f"{kind}-{rows}-dolt{version}"
    info_path = folder / TEMPLATE_INFO
    info = json.loads(info_path.read_text()) if info_path.exists() else {}
    imported, compacted = folder / "imported", folder / "gc"
    if not info:
        check_space(root, 2.3 * rows * ROW_BYTES[kind] + 200 * MB, f"building {folder}")
        remove(folder)
        imported.mkdir(parents=True)
        started = time.perf_counter()
        BUILDERS[kind](imported, rows)
        dolt(imported, "add", "-A")
        dolt(imported, "commit", "-m", f"{rows} {kind} rows")
        info = {
            "kind": kind,
            "rows": rows,
            "dolt": version,
            "build_s": time.perf_counter() - started,
        }
        info_path.write_text(json.dumps(info))
        print(f"built {imported} in {info['build_s']:.0f}s", flush=True)
    if "gc_s" not in info:
        remove(compacted)
        scratch = folder / "gc.tmp"
        remove(scratch)
        shutil.copytree(imported, scratch, symlinks=True)
        info["gc_s"] = dolt(scratch, "gc")
        scratch.rename(compacted)
        info_path.write_text(json.dumps(info))
        print(f"compacted a copy into {compacted} in {info['gc_s']:.0f}s", flush=True)
    for db in (imported, compacted):
        info[f"{db.name}_bytes"] = dir_size(db / ".dolt")
        info[f"{db.name}_journal"], info[f"{db.name}_idx"] = journal_sizes(db)
    return folder, info


def check_space(where: Path, need: float, what: str) -> None:
    where.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(where).free
    if free < need:
        raise Failed(
            f"not enough free disk for {what}: it needs ~{need / GB:.1f} GB in {where},"
            f" {free / GB:.1f} GB are free (free some space, or point TMPDIR elsewhere)"
        )


def change_one_row(db: Path, data: Data) -> None:
    dolt(db, "sql", "-q", f"update `{data.table}` set `{data.column}` = 'changed' where id = 1")
    dolt(db, "commit", "-am", "one row")


# -- measuring ------------------------------------------------------------------


@dataclass
class Proc:
    """A dolt process dvc-dolt started: its subcommand, and when the trace showed
    it and the next one (or the command's end), seconds from the command's start."""

    name: str
    start: float
    end: float = 0.0

    @property
    def seconds(self) -> float:
        return self.end - self.start


def subcommand(argv: list[str]) -> str:
    """`sql`, `gc`, `backup sync-url`, ...: the first words of a dolt argv that
    are not options (argv[0] is dolt itself); `sql:dolt_backup` for a query that
    starts with `call dolt_backup(...)`."""
    words = [a for a in argv[1:] if not a.startswith("-")]
    called = next((m.group(1) for w in words for m in [CALL.search(w)] if m), None)
    if called:
        return f"{words[0]}:{called}"
    if words and words[0] in ("backup", "remote") and len(words) > 1:
        return " ".join(words[:2])
    return words[0] if words else "?"


class Trace:
    """The dolt processes dvc-dolt starts, through DVC_DOLT_TRACE; a thread
    stamps each line of the trace as it appears (every 20 ms)."""

    POLL = 0.02

    def __init__(self, path: Path) -> None:
        self.path = path

    def watch(self, fn: Callable[[], float]) -> tuple[float, list[Proc]]:
        self.path.write_bytes(b"")
        procs: list[Proc] = []
        stop = threading.Event()
        started = time.perf_counter()

        def poll() -> None:
            offset, pending = 0, b""
            while True:
                last = stop.is_set()
                with open(self.path, "rb") as fobj:
                    fobj.seek(offset)
                    chunk = fobj.read()
                offset += len(chunk)
                pending += chunk
                now = time.perf_counter() - started
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    if line.strip():
                        argv = json.loads(line)["argv"]
                        if procs:
                            procs[-1].end = now
                        procs.append(Proc(subcommand(argv), now))
                if last:
                    return
                stop.wait(self.POLL)

        watcher = threading.Thread(target=poll, daemon=True)
        os.environ["DVC_DOLT_TRACE"] = str(self.path)
        watcher.start()
        try:
            result = fn()
        finally:
            end = time.perf_counter() - started
            del os.environ["DVC_DOLT_TRACE"]
            stop.set()
            watcher.join()
        if procs:
            procs[-1].end = end
        return result, procs


class Idle:
    """Other work on the machine: processes whose command line holds one of
    ``words`` (a test run: `pytest`). Rounds wait for none to run, and a round
    that one overlapped is run again (up to ``redo`` times)."""

    def __init__(self, words: list[str], limit: float, redo: int) -> None:
        self.words, self.limit, self.redo = words, limit, redo
        self.waited = 0.0
        self._seen = threading.Event()
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def others(self) -> bool:
        if not self.words:
            return False
        me = os.getpid()
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit() or int(entry.name) == me:
                continue
            try:
                cmd = Path(entry.path, "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except (OSError, UnicodeDecodeError):
                continue
            if any(word in cmd for word in self.words):
                return True
        return False

    def wait(self) -> None:
        """Until no other work runs, for at most ``limit`` seconds in all."""
        started = time.perf_counter()
        said = False
        while self.waited + time.perf_counter() - started < self.limit and self.others():
            if not said:
                print(f"    waiting for {'/'.join(self.words)} to end...", flush=True)
                said = True
            time.sleep(5)
        self.waited += time.perf_counter() - started

    def __enter__(self) -> Idle:
        self._seen.clear()
        self._stop.clear()

        def watch() -> None:
            while not self._stop.is_set():
                if self.others():
                    self._seen.set()
                self._stop.wait(1.0)

        self._thread = threading.Thread(target=watch, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()

    @property
    def overlapped(self) -> bool:
        return self._seen.is_set()


def new_repo(base: Path, name: str, template: Path) -> Path:
    repo = base / name
    remove(repo)
    repo.mkdir()
    git(repo, "init", "-q")
    run([DVC, "init", "-q"], repo)
    shutil.copytree(template, repo / "db", symlinks=True)
    return repo


def cache_bytes(repo: Path) -> int:
    cache = repo / ".dvc" / "cache"
    return dir_size(cache) if cache.exists() else 0


# -- remotes --------------------------------------------------------------------


class FileRemote:
    """A DVC remote in a local folder (dvc-dolt: a file:// Dolt remote in it)."""

    kind = "file://"

    def __init__(self, path: Path) -> None:
        self.path = path

    def add(self, repo: Path, env: Optional[dict]) -> None:
        run([DVC, "remote", "add", "-d", "store", str(self.path)], repo, env)

    def size(self) -> int:
        return dir_size(self.path) if self.path.exists() else 0

    def close(self) -> None:
        remove(self.path)


class S3Remote:
    """A DVC remote in a fresh bucket of a moto server (dvc-dolt: Dolt's aws://
    remote in the same bucket, its manifests in a DynamoDB table)."""

    kind = "S3 (moto)"

    def __init__(self, server) -> None:
        self.server = server
        self.bucket, self.table = server.new_bucket_and_table()

    def add(self, repo: Path, env: Optional[dict]) -> None:
        run([DVC, "remote", "add", "-d", "store", f"s3://{self.bucket}/store"], repo, env)
        run([DVC, "remote", "modify", "store", "endpointurl", self.server.endpoint], repo, env)
        run([DVC, "remote", "modify", "store", "region", self.server.REGION], repo, env)
        if env is None or "DVC_DOLT_DISABLE" not in env:
            run([DVC, "remote", "modify", "store", "dolt_dynamodb_table", self.table], repo, env)

    def size(self) -> int:
        pages = self.server.client("s3").get_paginator("list_objects_v2")
        return sum(
            obj["Size"]
            for page in pages.paginate(Bucket=self.bucket)
            for obj in page.get("Contents", [])
        )

    def close(self) -> None:
        pass


def s3_environment(base: Path) -> None:
    """moto's credentials, and no AWS configuration of the user's (as the tests' s3 fixture)."""
    from helpers import MotoServer  # tests/helpers.py

    os.environ.update(MotoServer.CREDENTIALS)
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_REGION"):
        os.environ.pop(key, None)
    os.environ["AWS_CONFIG_FILE"] = str(base / "no-aws-config")
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = str(base / "no-aws-credentials")


@contextlib.contextmanager
def remote_for(s3: bool, base: Path, name: str) -> Iterator[FileRemote | S3Remote]:
    """An empty remote for one round: a folder, or a bucket on a new moto server."""
    if not s3:
        remote = FileRemote(base / f"{name}-remote")
        try:
            yield remote
        finally:
            remote.close()
        return
    from helpers import MotoServer, serving  # tests/helpers.py

    with contextlib.contextmanager(serving)(MotoServer(base / f"{name}-moto.log")) as server:
        yield S3Remote(server)


# -- one round of one side ------------------------------------------------------


@dataclass(frozen=True)
class Side:
    """Plain DVC, or dvc-dolt under one DVC_DOLT_COMPACT policy."""

    key: str
    label: str
    env: dict
    ext: bool


def sides_for(policies: list[str], only: str) -> list[Side]:
    out = []
    if only in ("plain", "both"):
        out.append(Side("plain", "plain DVC", dict(PLAIN), False))
    if only in ("ext", "both"):
        for policy in policies:
            env = {} if policy == "unset" else {ENV_COMPACT: policy}
            label = "dvc-dolt" if policy == "unset" else f"COMPACT={policy}"
            out.append(Side(policy, label, env, True))
    return out


TAX_BEFORE = "`dolt sql 'select 1'` before day one"
TAX_AFTER = "`dolt sql 'select 1'` after add,push,checkouts"
ADD = "dvc add db"
FIRST_PUSH = "dvc push (first)"
STATUS_NOOP = "dvc status, nothing changed"
STATUS_CHANGED = "dvc status after a 1-row commit"
COMMIT = "dvc commit after a 1-row commit"
CHECKOUT_PREV = "dvc checkout to the previous version"
CHECKOUT_BACK = "dvc checkout back to the latest"
PUSH_CHANGED = "dvc push after a 1-row commit"
PULL = "dvc pull in a fresh clone"
FIRST_DAY = "first day: add + first push + checkout"
# A stage reading one table of the database (dvc-dolt: `-d db/<table>`; plain
# DVC can only depend on the whole directory, `-d db`), and a second table
# `notes` that another commit changes.
TABLE_STATUS = "stage reading 1 table: dvc status, no change"
TABLE_STATUS_OTHER = "...dvc status after a commit to another table"
TABLE_REPRO_OTHER = "...dvc repro -s after a commit to another table"
RAW_PUSH = "raw `dolt push` (first, file://)"
CACHE_MB = "bytes in .dvc/cache (MB)"
FIRST_PUSH_MB = "bytes on the remote after the first push (MB)"
PUSH_CHANGED_MB = "bytes pushed after a 1-row commit (MB)"

ROWS = [
    TAX_BEFORE,
    ADD,
    FIRST_PUSH,
    STATUS_NOOP,
    STATUS_CHANGED,
    COMMIT,
    CHECKOUT_PREV,
    CHECKOUT_BACK,
    TAX_AFTER,
    FIRST_DAY,
    PUSH_CHANGED,
    TABLE_STATUS,
    TABLE_STATUS_OTHER,
    TABLE_REPRO_OTHER,
    PULL,
    RAW_PUSH,
    CACHE_MB,
    FIRST_PUSH_MB,
    PUSH_CHANGED_MB,
]
# dvc commands a target holds for (all but the first push: its own target).
COMMANDS = [
    ADD,
    STATUS_NOOP,
    STATUS_CHANGED,
    COMMIT,
    CHECKOUT_PREV,
    CHECKOUT_BACK,
    PUSH_CHANGED,
    TABLE_STATUS,
    TABLE_STATUS_OTHER,
    TABLE_REPRO_OTHER,
    PULL,
]
NOT_TIMES = {CACHE_MB, FIRST_PUSH_MB, PUSH_CHANGED_MB}


@dataclass
class Round:
    """One side's figures in one round: seconds (MB for the bytes rows), the dolt
    processes of each dvc command, and what dvc-dolt said about compacting."""

    figures: dict[str, float] = field(default_factory=dict)
    procs: dict[str, list[Proc]] = field(default_factory=dict)
    said: list[str] = field(default_factory=list)
    # Other work (Idle) ran during the round; tries it took.
    busy: bool = False
    tries: int = 1


def one_round(
    base: Path, side: Side, template: Path, data: Data, s3: bool, raw_push: bool, trace: Trace
) -> Round:
    """Every figure of one side in one round, deleting each copy of the database as
    soon as its figure is taken."""
    out = Round()
    repo = new_repo(base, side.key, template)
    db = repo / "db"
    env = side.env

    def measure(what: str, args: list[str], cwd: Path = repo) -> None:
        def once() -> float:
            seconds, said = run_output([DVC, *args], cwd, env)
            out.said.extend(
                line.strip()
                for line in said.splitlines()
                if any(w in line.lower() for w in ("compact", "journal", "gc"))
            )
            return seconds

        if side.ext:
            out.figures[what], out.procs[what] = trace.watch(once)
        else:
            out.figures[what] = once()

    if raw_push:
        # The same database to the same kind of place, by dolt alone.
        raw = base / f"{side.key}-raw-remote"
        dolt(db, "remote", "add", "bench-raw", raw.as_uri())
        out.figures[RAW_PUSH] = dolt(db, "push", "bench-raw", "main")
        dolt(db, "remote", "remove", "bench-raw")
        remove(raw)

    with remote_for(s3, base, side.key) as remote:
        out.figures[TAX_BEFORE] = journal_tax(db)
        measure(ADD, ["add", "db"])
        remote.add(repo, env)
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", "v1")
        measure(FIRST_PUSH, ["push"])
        out.figures[FIRST_PUSH_MB] = remote.size() / MB
        measure(STATUS_NOOP, ["status"])
        change_one_row(db, data)
        measure(STATUS_CHANGED, ["status"])
        measure(COMMIT, ["commit", "-f", "db.dvc"])
        git(repo, "commit", "-qam", "v2")
        git(repo, "checkout", "-q", "HEAD~1", "--", "db.dvc")
        measure(CHECKOUT_PREV, ["checkout", "--force"])
        git(repo, "checkout", "-q", "HEAD", "--", "db.dvc")
        measure(CHECKOUT_BACK, ["checkout", "--force"])
        out.figures[TAX_AFTER] = journal_tax(db)
        out.figures[FIRST_DAY] = sum(out.figures[w] for w in (ADD, FIRST_PUSH, CHECKOUT_PREV))
        out.figures[CACHE_MB] = cache_bytes(repo) / MB
        # Plain DVC's cache holds both versions of the journal file: drop the old
        # one (no figure needs it any more) before the remote gets its second copy.
        run([DVC, "gc", "-w", "-f"], repo, env)
        before = remote.size()
        measure(PUSH_CHANGED, ["push"])
        out.figures[PUSH_CHANGED_MB] = (remote.size() - before) / MB
        dep = f"db/{data.table}" if side.ext else "db"
        dolt(db, "sql", "-q", "create table notes (id int primary key, note text)")
        dolt(db, "add", "notes")
        dolt(db, "commit", "-m", "a notes table")
        run([DVC, "commit", "-f", "db.dvc"], repo, env)
        run([DVC, "stage", "add", "-n", "use", "-d", dep, "-o", "used.txt", "echo ok > used.txt"],
            repo, env)  # fmt: skip
        run([DVC, "repro", "-s", "use"], repo, env)
        measure(TABLE_STATUS, ["status", "use"])
        dolt(db, "sql", "-q", "insert into notes values (1, 'a note')")
        dolt(db, "commit", "-am", "a note")
        measure(TABLE_STATUS_OTHER, ["status", "use"])
        measure(TABLE_REPRO_OTHER, ["repro", "-s", "use"])
        # The clone needs only the git history and the remote.
        remove(db)
        remove(repo / ".dvc" / "cache")
        clone = base / f"{side.key}-clone"
        git(base, "clone", "-q", str(repo), str(clone))
        measure(PULL, ["pull"], cwd=clone)
        for path in (clone, repo):
            remove(path)
    return out


# -- a section: all rounds of all sides on one database ---------------------------


@dataclass
class Section:
    title: str
    sides: list[Side]
    rounds: dict[str, list[Round]]
    notes: list[str] = field(default_factory=list)

    def value(self, side: str, what: str) -> Optional[float]:
        values = [r.figures[what] for r in self.rounds.get(side, []) if what in r.figures]
        return statistics.median(values) if values else None


def procs_text(rounds: list[Round], what: str) -> str:
    """`2 (sql gc)`, or the distinct ones of several rounds: `1 (sql) / 2 (sql gc)`."""
    seen: list[str] = []
    for r in rounds:
        if what not in r.procs:
            continue
        procs = r.procs[what]
        text = f"{len(procs)}" + (f" ({' '.join(p.name for p in procs)})" if procs else "")
        if text not in seen:
            seen.append(text)
    return " / ".join(seen)


def section(
    base: Path,
    title: str,
    template: Path,
    data: Data,
    sides: list[Side],
    repeat: int,
    s3: bool,
    size_bytes: float,
    idle: Idle,
) -> Section:
    trace = Trace(base / "trace.jsonl")
    rounds: dict[str, list[Round]] = {s.key: [] for s in sides}
    raw_done = s3
    load = os.getloadavg()[0]
    for number in range(repeat):
        for side in sides:
            # Plain DVC at most: the workspace, its cache, a remote with two versions
            # of the journal file. dvc-dolt: the workspace, its remote and its clone.
            copies = 4 if not side.ext else 3
            check_space(
                base,
                copies * size_bytes + MARGIN,
                f"{side.label}'s side ({copies} copies of the database at once, at most)",
            )
            print(f"  round {number + 1}/{repeat}: {side.label}...", flush=True)
            for tries in range(1, idle.redo + 2):
                idle.wait()
                started = time.perf_counter()
                raw = side.ext and not raw_done
                with idle:
                    result = one_round(base, side, template, data, s3, raw, trace)
                result.busy, result.tries = idle.overlapped, tries
                busy = " (other work ran meanwhile)" if result.busy else ""
                print(f"    {time.perf_counter() - started:.0f}s{busy}", flush=True)
                if not result.busy or idle.waited >= idle.limit:
                    break  # (no time left to wait: run on, and count it)
            rounds[side.key].append(result)
            raw_done = raw_done or raw
    # Other work on the machine shows here (2 cores: above ~1 the sides compete).
    notes = [f"load average (1 min) {load:.2f} at the start, {os.getloadavg()[0]:.2f} at the end"]
    if idle.words:
        every = [r for side in sides for r in rounds[side.key]]
        notes.append(
            f"other work ({'/'.join(idle.words)}) overlapped {sum(r.busy for r in every)} of"
            f" {len(every)} rounds kept; {sum(r.tries - 1 for r in every)} rounds run again;"
            f" {idle.waited:.0f}s waited for it so far"
        )
    return Section(title, sides, rounds, notes)


def section_notes(sec: Section) -> list[str]:
    """The compactions, what dvc-dolt said, the first push and the targets."""
    lines = []
    plain = "plain" if "plain" in sec.rounds else None
    for side in sec.sides:
        if not side.ext:
            continue
        gcs = []
        for r in sec.rounds[side.key]:
            for what, procs in r.procs.items():
                gcs += [(what, p.seconds) for p in procs if p.name.endswith("gc")]
        if gcs:
            by: dict[str, list[float]] = {}
            for what, seconds in gcs:
                by.setdefault(what, []).append(seconds)
            for what, times in by.items():
                lines.append(
                    f"{side.label}: `dolt gc` ran in `{what}` in {len(times)} of"
                    f" {len(sec.rounds[side.key])} rounds, ~{statistics.median(times):.2f}s"
                    f" (median; {', '.join(f'{t:.2f}' for t in times)})"
                )
        else:
            lines.append(f"{side.label}: no `dolt gc` in any command")
        said = list(dict.fromkeys(line for r in sec.rounds[side.key] for line in r.said))
        for line in said[:4]:
            lines.append(f"{side.label} said: {line}")
    raw = None
    for side in sec.sides:
        if side.ext and sec.value(side.key, RAW_PUSH) is not None:
            raw = sec.value(side.key, RAW_PUSH)
    for side in sec.sides:
        if not side.ext:
            continue
        push = sec.value(side.key, FIRST_PUSH)
        if push is None:
            continue
        parts = [f"{side.label}: first push {push:.2f}s"]
        if plain:
            plain_push = sec.value(plain, FIRST_PUSH)
            parts.append(f"{push / plain_push:.2f}x plain DVC's {plain_push:.2f}s (target <= 2x)")
        if raw:
            parts.append(f"{push / raw:.2f}x a raw `dolt push` ({raw:.2f}s)")
        lines.append("; ".join(parts))
    if not plain:
        return lines
    lines.append("")
    lines.append("targets:")
    off = next((s for s in sec.sides if s.ext and s.key == "off"), None)
    for side in sec.sides:
        if not side.ext:
            continue
        misses = []
        for what in COMMANDS:
            p, e = sec.value(plain, what), sec.value(side.key, what)
            if p is not None and e and p / e < 0.97:
                misses.append(f"{what} {p / e:.2f}x")
        verdict = "all >= 0.97x" if not misses else "below 0.97x: " + "; ".join(misses)
        lines.append(f"  {side.label}: every command but the first push: {verdict}")
        push, plain_push = sec.value(side.key, FIRST_PUSH), sec.value(plain, FIRST_PUSH)
        if push and plain_push:
            ok = "holds" if push <= 2 * plain_push else "MISSED"
            lines.append(
                f"  {side.label}: first push {push / plain_push:.2f}x plain DVC's (<= 2x): {ok}"
            )
        if off and side is not off:
            day, day_off = sec.value(side.key, FIRST_DAY), sec.value(off.key, FIRST_DAY)
            ok = "holds" if day <= day_off else "MISSED"
            lines.append(
                f"  {side.label}: first day {day:.2f}s vs {day_off:.2f}s with"
                f" {ENV_COMPACT}=off (not slower): {ok}"
            )
    return lines


def print_section(sec: Section) -> None:
    print(f"\n{sec.title}")
    plain = "plain" if "plain" in sec.rounds else None
    width = max(len(w) for w in ROWS)
    wide = {
        s.key: max([len("dolt procs")] + [len(procs_text(sec.rounds[s.key], w)) for w in ROWS])
        for s in sec.sides
        if s.ext
    }
    header = f"{'':{width}}"
    for side in sec.sides:
        header += f"  {side.label:>12}"
        if side.ext:
            header += f"  {'ratio':>6}  {'dolt procs':<{wide[side.key]}}"
    print(header.rstrip())
    for what in ROWS:
        values = {s.key: sec.value(s.key, what) for s in sec.sides}
        if all(v is None for v in values.values()):
            continue
        line = f"{what:{width}}"
        for side in sec.sides:
            v = values[side.key]
            if what in NOT_TIMES:
                cell = f"{v:11.3f} " if v is not None else f"{'-':>11} "
            else:
                cell = f"{v:11.2f}s" if v is not None else f"{'-':>11} "
            line += f"  {cell}"
            if side.ext:
                p = values.get(plain) if plain else None
                ratio = f"{p / v:5.2f}x" if p is not None and v else f"{'-':>6}"
                procs = procs_text(sec.rounds[side.key], what)
                line += f"  {ratio:>6}  {procs:<{wide[side.key]}}"
        print(line.rstrip())
    for line in sec.notes:
        print(line)


# -- main -----------------------------------------------------------------------


def setup_identity(base: Path) -> None:
    os.environ.setdefault("DOLT_ROOT_PATH", str(base / "dolt-home"))
    Path(os.environ["DOLT_ROOT_PATH"]).mkdir(exist_ok=True)
    for key, value in {
        "user.name": "bench",
        "user.email": "bench@dvc-dolt.invalid",
        "metrics.disabled": "true",
        "versioncheck.disabled": "true",
    }.items():
        dolt(base, "config", "--global", "--add", key, value)
    for var in ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"):
        os.environ.setdefault(var, "bench")
    for var in ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"):
        os.environ.setdefault(var, "bench@dvc-dolt.invalid")


def describe_code(base: Path) -> str:
    """Which dvc_dolt the dvc commands import, its git commit and DVC's version."""
    probe = (
        "import dvc, dvc_dolt, os;"
        "print(os.path.dirname(os.path.dirname(dvc_dolt.__file__)), dvc.__version__)"
    )
    _, said = run_output([sys.executable, "-c", probe], base)
    where, dvc_version = said.split()
    # As pip does when it installs a wheel; an editable checkout under
    # PYTHONDONTWRITEBYTECODE would otherwise compile dvc_dolt at every command
    # (~0.08 s), a cost plain DVC, compiled at its install, never pays.
    compileall.compile_dir(os.path.join(where, "dvc_dolt"), quiet=1)
    commit = subprocess.run(
        ["git", "-C", where, "log", "-1", "--format=%h %s"], capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", where, "status", "--porcelain", "--", "dvc_dolt"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    code = f"dvc_dolt from {where}"
    if commit:
        code += f" at {commit[:80]}" + (" (+ uncommitted changes in dvc_dolt/)" if dirty else "")
    return f"{code}; DVC {dvc_version}; Python {sys.version.split()[0]}"


def journal_line(state: str, info: dict, db: Path, repeat: int) -> str:
    total, journal, idx = (info[f"{state}_{what}"] / MB for what in ("bytes", "journal", "idx"))
    return (
        f"{state + ':':10} {total:8.1f} MB in .dolt, journal {journal:7.1f} MB, journal.idx"
        f" {idx:5.1f} MB; `dolt sql -q 'select 1'` {journal_tax(db, max(repeat, TAX_RUNS)):.2f}s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", default="10000,1000000", help="comma-separated sizes")
    parser.add_argument(
        "--random",
        action="store_true",
        help="with --rows: (id, payload text) rows of 8 random bytes, incompressible",
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--wide-gb",
        type=float,
        help="instead of --rows: a database of ~1 KB rows of this many GB (1.15: 1M rows)",
    )
    parser.add_argument(
        "--template", type=Path, help="keep the built databases in this directory and reuse them"
    )
    parser.add_argument(
        "--state",
        help="imported (as `dolt table import` left it), gc (after `dolt gc`) or imported,gc"
        " (default: imported; with --wide-gb imported,gc)",
    )
    parser.add_argument(
        "--s3", action="store_true", help="the remote on S3 (a moto server on 127.0.0.1)"
    )
    parser.add_argument(
        "--compact",
        default="unset,off",
        help=f"{ENV_COMPACT} policies of the dvc-dolt side, each its own column: unset (the"
        " default policy), off, auto, always (default: unset,off)",
    )
    parser.add_argument("--only", choices=("plain", "ext", "both"), default="both")
    parser.add_argument(
        "--wait-idle",
        default="",
        metavar="WORDS",
        help="comma-separated words (e.g. pytest): before each round wait while a process"
        " whose command line holds one runs, and run a round it overlapped again",
    )
    parser.add_argument(
        "--wait-max", type=float, default=1200, help="with --wait-idle: seconds to wait in all"
    )
    parser.add_argument(
        "--redo", type=int, default=2, help="with --wait-idle: times to run a round again"
    )
    parser.add_argument(
        "--prepare",
        action="store_true",
        help="only build the databases (into --template) and show their journal tax",
    )
    args = parser.parse_args()
    states = (args.state or ("imported,gc" if args.wide_gb else "imported")).split(",")
    if not set(states) <= {"imported", "gc"}:
        parser.error("--state takes imported, gc or imported,gc")
    policies = args.compact.split(",")
    if not set(policies) <= {"unset", "off", "auto", "always"}:
        parser.error("--compact takes unset, off, auto, always, comma-separated")
    if args.random and args.wide_gb:
        parser.error("--random goes with --rows")
    if ENV_COMPACT in os.environ:
        print(f"(ignoring {ENV_COMPACT}={os.environ.pop(ENV_COMPACT)} of the environment:"
              " --compact sets it)")  # fmt: skip
    sides = sides_for(policies, args.only)
    idle = Idle([w for w in args.wait_idle.split(",") if w], args.wait_max, args.redo)

    with tempfile.TemporaryDirectory(prefix="dvc-dolt-bench-") as tmp:
        base = Path(tmp)
        setup_identity(base)
        # As installed from a wheel: byte-compiled once, not at every command
        # (with PYTHONDONTWRITEBYTECODE, DVC and dvc-dolt compile at each run).
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        os.environ["PYTHONPYCACHEPREFIX"] = str(base / "pycache")
        if args.s3:
            sys.path.insert(0, str(TESTS))
            s3_environment(base)
        binary = find_dolt()
        kind = "wide" if args.wide_gb else "random" if args.random else "narrow"
        data = DATA[kind]
        remote_kind = S3Remote.kind if args.s3 else FileRemote.kind
        header = [
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; dolt"
            f" {binary.version_string} ({binary.path}); {describe_code(base)}",
            f"data: {data.what}; remote: {remote_kind}; median of {args.repeat} rounds;"
            f" ratio = plain DVC / dvc-dolt (higher is better for dvc-dolt)",
            "dvc-dolt sides: "
            + ", ".join(
                f"{s.label} ({ENV_COMPACT} unset: the default policy)"
                if s.key == "unset"
                else f"{s.label} ({ENV_COMPACT}={s.key})"
                for s in sides
                if s.ext
            ),
        ]
        for line in header:
            print(line, flush=True)
        start_plain = median_of(args.repeat, lambda: run([DVC, "--version"], base, PLAIN))
        start_ext = median_of(args.repeat, lambda: run([DVC, "--version"], base))
        startup = (
            f"start-up: `dvc --version` {start_plain:.2f}s plain DVC, {start_ext:.2f}s dvc-dolt"
        )
        root = (args.template or base / "template").absolute()
        sizes = (
            [round(args.wide_gb / WIDE_ROW_GB)]
            if args.wide_gb
            else [int(r) for r in args.rows.split(",")]
        )
        sections: list[Section] = []
        for rows in sizes:
            folder, info = prepare_template(root, kind, rows)
            journal = [
                journal_line(state, info, folder / state, args.repeat)
                for state in ("imported", "gc")
            ]
            journal.append(
                f"`dolt gc` of the template: {info['gc_s']:.1f}s"
                f" (built in {info['build_s']:.0f}s; {folder})"
            )
            if args.prepare:
                print("\n".join(journal), flush=True)
                continue
            for state in states:
                how = "as `dolt table import` left it" if state == "imported" else "after `dolt gc`"
                title = (
                    f"{rows:,} {kind} rows, {info[f'{state}_bytes'] / MB:.0f} MB, {how};"
                    f" remote {remote_kind}"
                )
                print(title, flush=True)
                sec = section(
                    base,
                    title,
                    folder / state,
                    data,
                    sides,
                    args.repeat,
                    args.s3,
                    info[f"{state}_bytes"],
                    idle,
                )
                sec.notes += ["", "journal tax of the template, median of runs:", *journal]
                sec.notes += ["", *section_notes(sec)]
                sections.append(sec)

    print()
    for line in header:
        print(line)
    print(startup)
    for sec in sections:
        print_section(sec)
    return 0


if __name__ == "__main__":
    sys.exit(main())
