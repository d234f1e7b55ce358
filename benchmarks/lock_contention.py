"""A user's dolt writes while dvc-dolt reads the same database (issue #20, item 8).

A loop of user commands (`dolt sql -q "insert ..."`, `dolt add -A`, `dolt commit
-m ...`, each its own process, back to back as `&&` runs them) goes on while a
thread reads the database as `dvc data status` does on a heads-cache miss
(Database.inspect_tables, one dolt process), over and over, as the VS Code
extension does while files change. Counted: user commands that failed, and of
those how many because dolt had opened the database read-only ("database is
read only": another process held .dolt/noms/LOCK).

Each size runs twice, on fresh copies of one database: "today" reads open
the database as plain dolt does (DVC_DOLT_LOCKFREE_READS=0) and "views"
reads go through read-only views (dvc_dolt.dolt.readonly), the default.

Databases: "small" (one table, 2 rows) and "large": 1,000,000 rows of an int
id and an 8-byte random hex payload in a longtext column, loaded by `dolt table
import`. Dolt 1.x stores each such value as its own chunk: ~150 MB, a 29 MB
journal index, ~0.5 s per dolt process. Dolt 2.x keeps short text inline
(28 MB, fast reads): --import-dolt PATH builds the databases with another
dolt (e.g. 1.83.2) to run 2.x against the slow layout.

    DVC_DOLT_DOLT=... python benchmarks/lock_contention.py [--rounds 40]
        [--sizes small,large] [--import-dolt PATH]

Needs dolt and a Python with dvc-dolt installed. Not run in CI.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench import setup_identity  # this folder's: a private dolt config, as the tests use

from dvc_dolt.dolt import Database, DoltError, find_dolt
from dvc_dolt.dolt.readonly import ENV_SWITCH, lock_free

LARGE_ROWS = 1_000_000
SCHEMA = "create table t (id int primary key, payload longtext)"
# What dolt says when it opened the database read-only and then had to write.
BUSY_WORDS = ("read only", "locked by another dolt process")


def dolt(cwd: Path, *args: str, binary: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [binary or find_dolt().path, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
        env=dict(os.environ, DOLT_DISABLE_EVENT_FLUSH="1"),
    )


def checked(cwd: Path, *args: str, binary: str | None = None) -> str:
    proc = dolt(cwd, *args, binary=binary)
    if proc.returncode:
        raise SystemExit(f"dolt {' '.join(args)} failed: {proc.stderr.strip()}")
    return proc.stdout


def new_table(path: Path, binary: str) -> None:
    path.mkdir()
    checked(path, "init", "-b", "main", binary=binary)
    checked(path, "sql", "-q", SCHEMA, binary=binary)


def make_small(path: Path, binary: str) -> None:
    new_table(path, binary)
    checked(path, "sql", "-q", "insert into t values (1, 'a'), (2, 'b')", binary=binary)
    checked(path, "add", "-A", binary=binary)
    checked(path, "commit", "-m", "two rows", binary=binary)


def make_large(path: Path, binary: str) -> None:
    new_table(path, binary)
    data = path.parent / "large.csv"
    with open(data, "w") as fobj:
        fobj.write("id,payload\n")
        for i in range(LARGE_ROWS):
            fobj.write(f"{i},{os.urandom(8).hex()}\n")
    checked(path, "table", "import", "-u", "t", str(data), binary=binary)
    data.unlink()
    checked(path, "add", "-A", binary=binary)
    checked(path, "commit", "-m", f"{LARGE_ROWS} rows", binary=binary)


def describe(path: Path) -> str:
    size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    times = []
    for _ in range(3):
        started = time.monotonic()
        checked(path, "sql", "-q", "select 1")
        times.append(time.monotonic() - started)
    shown = f"{size / 1e6:.0f} MB" if size >= 1e6 else f"{size / 1e3:.0f} KB"
    return f"{shown}, `dolt sql -q 'select 1'` {statistics.median(times):.2f} s"


@dataclass
class Outcome:
    seconds: float = 0.0
    commands: int = 0
    failed: list[str] = field(default_factory=list)
    reads: list[float] = field(default_factory=list)
    read_errors: list[str] = field(default_factory=list)

    @property
    def busy(self) -> int:
        return sum(any(w in msg for w in BUSY_WORDS) for msg in self.failed)

    def line(self) -> str:
        read = statistics.median(self.reads) if self.reads else float("nan")
        return (
            f"{len(self.failed)}/{self.commands} user commands failed ({self.busy} read-only)"
            f" in {self.seconds:.0f} s; {len(self.reads)} reads (median {read:.2f} s),"
            f" {len(self.read_errors)} failed"
        )


def read_loop(path: Path, stop: threading.Event, outcome: Outcome) -> None:
    db = Database(path)
    # As `dvc status`, `data status` and `diff` read (dvc_dolt.dvc.items.reading.read_only).
    with lock_free():
        while not stop.is_set():
            started = time.monotonic()
            try:
                db.inspect_tables()
            except DoltError as exc:
                outcome.read_errors.append(str(exc))
            else:
                outcome.reads.append(time.monotonic() - started)


def contend(path: Path, rounds: int, views: bool) -> Outcome:
    """The user's loop against repeated reads; what failed."""
    os.environ[ENV_SWITCH] = "1" if views else "0"
    outcome = Outcome()
    stop = threading.Event()
    reader = threading.Thread(target=read_loop, args=(path, stop, outcome), daemon=True)
    reader.start()
    started = time.monotonic()
    try:
        for i in range(rounds):
            for args in (
                ("sql", "-q", f"insert into t values ({LARGE_ROWS + i}, 'round {i}')"),
                ("add", "-A"),
                ("commit", "-m", f"round {i}"),
            ):
                proc = dolt(path, *args)
                outcome.commands += 1
                if proc.returncode:
                    said = (proc.stderr.strip() or proc.stdout.strip()).splitlines()
                    outcome.failed.append(f"dolt {args[0]}: {said[-1] if said else '?'}")
    finally:
        outcome.seconds = time.monotonic() - started
        stop.set()
        reader.join()
        os.environ.pop(ENV_SWITCH, None)
    return outcome


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--sizes", default="small,large")
    parser.add_argument("--import-dolt", help="build the databases with this dolt")
    args = parser.parse_args()
    sizes = [s for s in args.sizes.split(",") if s]
    builders = {"small": make_small, "large": make_large}
    dolt_bin = find_dolt()
    print(f"dolt {dolt_bin.version_string} ({dolt_bin.path}), {args.rounds} rounds of 3 commands")
    with tempfile.TemporaryDirectory(prefix="dvc-dolt-contention-") as tmp:
        base = Path(tmp)
        setup_identity(base)
        for size in sizes:
            template = base / f"{size}-template" / "db"
            template.parent.mkdir()
            builders[size](template, args.import_dolt or dolt_bin.path)
            print(f"\n{size}: {describe(template)}")
            for views in (False, True):
                work = base / f"{size}-{'views' if views else 'today'}" / "db"
                shutil.copytree(template.parent, work.parent)
                outcome = contend(work, args.rounds, views)
                print(f"  {'views' if views else 'today'}: {outcome.line()}")
                for message in sorted(set(outcome.failed))[:3]:
                    print(f"    {message}")
                for message in sorted(set(outcome.read_errors))[:3]:
                    print(f"    read: {message}")
                shutil.rmtree(work.parent)
            shutil.rmtree(template.parent)
    return 0


if __name__ == "__main__":
    sys.exit(main())
