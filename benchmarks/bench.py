"""dvc-dolt against plain DVC, side by side in one run, on the same databases.

    python benchmarks/bench.py [--rows 10000,1000000] [--repeat 5]
    python benchmarks/bench.py --wide-gb 1.15 --template /tmp/bench-template

Plain DVC (DVC_DOLT_DISABLE=1) tracks the database directory as files: it
md5s `.dolt/` and copies it into its cache. dvc-dolt hashes three heads.
Each figure is the median of --repeat runs where repeated, else one run;
ratios are plain DVC / dvc-dolt, so higher is better for dvc-dolt. "dolt
procs" counts the dolt processes dvc-dolt started (DVC_DOLT_TRACE).

--wide-gb builds a database of that size (1.15: 1M rows of ~1 KB of random
text, written by `dolt table import` in chunks) and runs the comparison twice:
with the database as the import left it, its data all in Dolt's chunk
journal, and after `dolt gc` (what `dvc dolt gc` runs). It also measures the
journal's cost (one `dolt sql`, the heads query) and compares dvc-dolt's first
push with a raw `dolt push` of the same database to a `file://` remote.
Building takes minutes: --template DIR keeps the built databases for the next
run. Plain DVC needs ~4 copies of the database on disk at once (the
workspace, its cache, and its remote holding two versions of the journal
file); each copy is deleted as soon as no figure needs it.

Needs dolt (see README) and a Python with dvc-dolt installed. Not run in CI.
"""

from __future__ import annotations

import argparse
import base64
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Callable, Optional

from dvc_dolt.dolt import Database, find_dolt
from dvc_dolt.dolt.journal import gc as dolt_gc
from dvc_dolt.dolt.journal import journal_bytes

DVC = os.path.join(os.path.dirname(sys.executable), "dvc")
PLAIN = {"DVC_DOLT_DISABLE": "1"}
GB = 1e9
# Rows per CSV chunk of the wide database (~100 MB of CSV on disk at a time).
CHUNK_ROWS = 100_000
# A wide row: 1024 characters of random text; 1M of them make ~1.15 GB in Dolt.
WIDE_ROW_GB = 1.15e-6
TEMPLATE_INFO = "template.json"
# Room for dvc's and dolt's own files next to the copies of the database.
MARGIN = 0.5 * GB


class Failed(SystemExit):
    pass


def run(cmd: Sequence[str], cwd: Path, env: Optional[dict] = None) -> float:
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
        check=False,
    )
    if proc.returncode:
        raise Failed(f"{' '.join(cmd)} failed in {cwd}:\n{proc.stdout}{proc.stderr}")
    return time.perf_counter() - start


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


# -- databases ------------------------------------------------------------------


def make_database(path: Path, rows: int) -> str:
    """A narrow table `labels` (id, label, score); the table's name."""
    path.mkdir(parents=True)
    dolt(path, "init", "-b", "main")
    data = path.parent / f"{path.name}.csv"
    with open(data, "w", newline="") as fobj:
        writer = csv.writer(fobj)
        writer.writerow(["id", "label", "score"])
        for i in range(rows):
            writer.writerow([i, f"label-{i % 10}", i * 0.5])
    dolt(path, "table", "import", "-c", "--pk", "id", "labels", str(data))
    data.unlink()
    dolt(path, "add", "-A")
    dolt(path, "commit", "-m", f"{rows} rows")
    return "labels"


def make_wide_database(path: Path, rows: int) -> str:
    """A table `texts` (id, label, body) of ~1 KB random rows; the table's name.

    Imported CSV chunk by CSV chunk, so that only one chunk is on disk at a time.
    """
    path.mkdir(parents=True)
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
    dolt(path, "add", "-A")
    dolt(path, "commit", "-m", f"{rows} wide rows")
    return "texts"


def prepare_template(folder: Path, rows: int) -> dict:
    """``folder/imported`` (as `dolt table import` left it) and ``folder/gc`` (the
    same after `dolt gc`), built when absent; their description."""
    info_path = folder / TEMPLATE_INFO
    info = json.loads(info_path.read_text()) if info_path.exists() else {}
    if info and info.get("rows") != rows:
        raise Failed(
            f"{folder} holds a {info.get('rows'):,}-row database, not {rows:,} rows:"
            " pick another --template directory or delete that one"
        )
    imported, compacted = folder / "imported", folder / "gc"
    if not info:
        need = 2.3 * rows * WIDE_ROW_GB * GB + CHUNK_ROWS * 1100
        check_space(folder.parent, need, "building the template (it and its gc'd copy)")
        remove(imported)
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        table = make_wide_database(imported, rows)
        info = {"rows": rows, "table": table, "build_s": time.perf_counter() - started}
        info_path.write_text(json.dumps(info))
        print(f"built {imported} in {info['build_s']:.0f}s", flush=True)
    if "gc_s" not in info:
        remove(compacted)
        scratch = folder / "gc.tmp"
        remove(scratch)
        shutil.copytree(imported, scratch, symlinks=True)
        info["gc_journal_bytes"] = journal_bytes(scratch)
        info["gc_s"] = dolt_gc(Database(scratch))
        scratch.rename(compacted)
        info_path.write_text(json.dumps(info))
        print(f"compacted a copy into {compacted} in {info['gc_s']:.0f}s", flush=True)
    for db in (imported, compacted):
        info[f"{db.name}_bytes"] = dir_size(db / ".dolt")
    return info


def check_space(where: Path, need: float, what: str) -> None:
    where.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(where).free
    if free < need:
        raise Failed(
            f"not enough free disk for {what}: it needs ~{need / GB:.1f} GB in {where},"
            f" {free / GB:.1f} GB are free (free some space, or point TMPDIR elsewhere)"
        )


def change_one_row(db: Path, table: str) -> None:
    dolt(db, "sql", "-q", f"update `{table}` set label = 'changed' where id = 1")
    dolt(db, "commit", "-am", "one row")


# -- measuring ------------------------------------------------------------------


class Trace:
    """Counts dolt processes through DVC_DOLT_TRACE."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def count(self, fn: Callable[[], float]) -> tuple[float, int]:
        self.path.write_text("")
        os.environ["DVC_DOLT_TRACE"] = str(self.path)
        try:
            result = fn()
        finally:
            del os.environ["DVC_DOLT_TRACE"]
        return result, len(self.path.read_text().splitlines())


def heads_seconds(db: Path) -> float:
    start = time.perf_counter()
    Database(db).heads()
    return time.perf_counter() - start


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


# A stage reading one table of the database (dvc-dolt: `-d db/<table>`; plain
# DVC can only depend on the whole directory, `-d db`), and a second table
# `notes` that another commit changes.
TABLE_STATUS = "stage reading 1 table: dvc status, nothing changed"
TABLE_STATUS_OTHER = "...dvc status after a commit to another table"
TABLE_REPRO_OTHER = "...dvc repro -s after a commit to another table"

# A side's figures: what -> (seconds or MB, dolt processes: "2" per run, or "1 in 5"
# runs of a repeated command; None where not counted).
Figures = dict[str, tuple[float, Optional[str]]]

ROWS = [
    "dvc add db",
    "dvc push (first)",
    "dvc status, nothing changed",
    "dvc status after a 1-row commit",
    "dvc commit after a 1-row commit",
    "dvc push after a 1-row commit",
    "dvc checkout to the previous version",
    "dvc checkout back to the latest",
    "dvc pull in a fresh clone",
    TABLE_STATUS,
    TABLE_STATUS_OTHER,
    TABLE_REPRO_OTHER,
    "dvc dolt gc",
    "raw `dolt push` (first, file://)",
    "bytes in .dvc/cache (MB)",
    "bytes pushed after a 1-row commit (MB)",
]


def side(
    base: Path, name: str, template: Path, table: str, ext: bool, repeat: int, trace: Trace
) -> Figures:
    """Every figure of one side (plain DVC or dvc-dolt), deleting each copy of the
    database as soon as its figure is taken."""
    env = None if ext else PLAIN
    out: Figures = {}
    repo = new_repo(base, name, template)
    db = repo / "db"

    def measure(what: str, args: list[str], times: int = 1, cwd: Path = repo) -> None:
        def once() -> float:
            return median_of(times, lambda: run([DVC, *args], cwd, env))

        if ext:
            seconds, procs = trace.count(once)
            out[what] = (seconds, f"{procs}" if times == 1 else f"{procs} in {times} runs")
        else:
            out[what] = (once(), None)

    if ext:
        # The same database to the same kind of place, by dolt alone.
        raw = base / f"{name}-raw-remote"
        dolt(db, "remote", "add", "bench-raw", raw.as_uri())
        out["raw `dolt push` (first, file://)"] = (dolt(db, "push", "bench-raw", "main"), None)
        dolt(db, "remote", "remove", "bench-raw")
        remove(raw)

    measure("dvc add db", ["add", "db"])
    remote = base / f"{name}-remote"
    run([DVC, "remote", "add", "-d", "store", str(remote)], repo, PLAIN)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "v1")
    measure("dvc push (first)", ["push"])
    measure("dvc status, nothing changed", ["status"], repeat)
    change_one_row(db, table)
    measure("dvc status after a 1-row commit", ["status"])
    measure("dvc commit after a 1-row commit", ["commit", "-f", "db.dvc"])
    git(repo, "commit", "-qam", "v2")
    git(repo, "checkout", "-q", "HEAD~1", "--", "db.dvc")
    measure("dvc checkout to the previous version", ["checkout", "--force"])
    git(repo, "checkout", "-q", "HEAD", "--", "db.dvc")
    measure("dvc checkout back to the latest", ["checkout", "--force"])
    out["bytes in .dvc/cache (MB)"] = (cache_bytes(repo) / 1e6, None)
    # Plain DVC's cache holds both versions of the journal file: drop the old one
    # (no figure needs it any more) before the remote gets its second copy.
    run([DVC, "gc", "-w", "-f"], repo, PLAIN)
    before = dir_size(remote)
    measure("dvc push after a 1-row commit", ["push"])
    out["bytes pushed after a 1-row commit (MB)"] = ((dir_size(remote) - before) / 1e6, None)
    dep = f"db/{table}" if ext else "db"
    dolt(db, "sql", "-q", "create table notes (id int primary key, note text)")
    dolt(db, "add", "notes")
    dolt(db, "commit", "-m", "a notes table")
    run([DVC, "commit", "-f", "db.dvc"], repo, env)
    run([DVC, "stage", "add", "-n", "use", "-d", dep, "-o", "used.txt", "echo ok > used.txt"],
        repo, env)  # fmt: skip
    run([DVC, "repro", "-s", "use"], repo, env)
    measure(TABLE_STATUS, ["status", "use"], repeat)
    dolt(db, "sql", "-q", "insert into notes values (1, 'a note')")
    dolt(db, "commit", "-am", "a note")
    measure(TABLE_STATUS_OTHER, ["status", "use"])
    measure(TABLE_REPRO_OTHER, ["repro", "-s", "use"])
    if ext:
        measure("dvc dolt gc", ["dolt", "gc", "db"])
    # The clone needs only the git history and the remote.
    remove(db)
    remove(repo / ".dvc" / "cache")
    clone = base / f"{name}-clone"
    git(base, "clone", "-q", str(repo), str(clone))
    measure("dvc pull in a fresh clone", ["pull"], cwd=clone)
    for path in (clone, remote, repo):
        remove(path)
    return out


def section(
    base: Path, template: Path, table: str, repeat: int, only: str, size_gb: float
) -> tuple[list[tuple[str, Optional[float], Optional[float], str]], str]:
    """Table rows of both sides, and the first-push comparison line."""
    trace = Trace(base / "trace.jsonl")
    sides: dict[str, Figures] = {"plain": {}, "ext": {}}
    for kind in ("plain", "ext"):
        if only not in (kind, "both"):
            continue
        # Plain DVC at most: the workspace, its cache, and a remote with two versions
        # of the journal file. dvc-dolt: the workspace, its remote and its clone.
        copies = 4 if kind == "plain" else 3
        who = "plain DVC" if kind == "plain" else "dvc-dolt"
        check_space(
            base,
            copies * size_gb * GB + MARGIN,
            f"{who}'s side ({copies} copies of the database at once, at most)",
        )
        print(f"  running the {kind} side...", flush=True)
        sides[kind] = side(base, kind, template, table, kind == "ext", repeat, trace)
    rows = []
    for what in ROWS:
        p, e = sides["plain"].get(what), sides["ext"].get(what)
        if p is None and e is None:
            continue
        procs = "" if e is None or e[1] is None else e[1]
        rows.append((what, p and p[0], e and e[0], procs))
    ext = sides["ext"]
    note = ""
    if "dvc push (first)" in ext:
        dvc_push = ext["dvc push (first)"][0]
        raw = ext["raw `dolt push` (first, file://)"][0]
        note = (
            f"first push: dvc push {dvc_push:.2f}s / raw dolt push {raw:.2f}s"
            f" = {dvc_push / raw:.2f}x (target <= 1.1x)"
        )
    return rows, note


def journal_report(template: Path, info: dict, repeat: int) -> list[str]:
    lines = []
    for state in ("imported", "gc"):
        db = template / state
        one = median_of(repeat, lambda db=db: dolt(db, "sql", "-q", "select 1"))
        heads = median_of(repeat, lambda db=db: heads_seconds(db))
        journal = journal_bytes(db)
        lines.append(
            f"{state + ':':10} {info[f'{state}_bytes'] / GB:5.2f} GB in .dolt,"
            f" journal {(journal or 0) / GB:5.2f} GB;"
            f" `dolt sql -q 'select 1'` {one:.2f}s, heads query {heads:.2f}s"
        )
    lines.append(
        f"dolt gc, when the template was built: {info['gc_s']:.0f}s for a"
        f" {info['gc_journal_bytes'] / GB:.2f} GB journal"
        f" ({info['gc_s'] / (info['gc_journal_bytes'] / GB):.0f} s/GB; this run's: `dvc dolt gc`"
        " below)"
    )
    return lines


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


def print_table(results: dict[str, list], notes: dict[str, list[str]]) -> None:
    width = max(len(r[0]) for rows in results.values() for r in rows)
    for title, rows in results.items():
        print(f"\n{title}")
        print(f"{'':{width}}  {'plain DVC':>10}  {'dvc-dolt':>10}  {'ratio':>7}  dolt procs")
        for name, p, e, procs in rows:
            unit = " " if "MB" in name else "s"
            d = 4 if "MB" in name else 2
            cells = [f"{v:>9.{d}f}{unit}" if v is not None else f"{'-':>10}" for v in (p, e)]
            ratio = f"{p / e:6.1f}x" if p is not None and e else "      -"
            print(f"{name:{width}}  {cells[0]}  {cells[1]}  {ratio:>7}  {procs}")
        for line in notes.get(title, []):
            print(line)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", default="10000,1000000", help="comma-separated sizes")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--wide-gb",
        type=float,
        help="instead of --rows: a database of ~1 KB rows of this many GB (1.15: 1M rows)",
    )
    parser.add_argument(
        "--template",
        type=Path,
        help="with --wide-gb: keep the built databases in this directory and reuse them",
    )
    parser.add_argument(
        "--state",
        default="imported,gc",
        help="with --wide-gb: imported (as `dolt table import` left it), gc (after `dvc dolt gc`)"
        " or imported,gc (the default)",
    )
    parser.add_argument("--only", choices=("plain", "ext", "both"), default="both")
    args = parser.parse_args()
    states = args.state.split(",")
    if not set(states) <= {"imported", "gc"}:
        parser.error("--state takes imported, gc or imported,gc")
    if (args.template or args.state != "imported,gc") and not args.wide_gb:
        parser.error("--template and --state go with --wide-gb")

    results: dict[str, list] = {}
    notes: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory(prefix="dvc-dolt-bench-") as tmp:
        base = Path(tmp)
        setup_identity(base)
        # As installed from a wheel: byte-compiled once, not at every command
        # (with PYTHONDONTWRITEBYTECODE, DVC and dvc-dolt compile at each run).
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        os.environ["PYTHONPYCACHEPREFIX"] = str(base / "pycache")
        start_plain = median_of(args.repeat, lambda: run([DVC, "--version"], base, PLAIN))
        start_ext = median_of(args.repeat, lambda: run([DVC, "--version"], base))
        results["start-up"] = [("dvc --version", start_plain, start_ext, "0")]
        if args.wide_gb:
            rows = round(args.wide_gb / WIDE_ROW_GB)
            template = args.template or base / "template"
            print(f"template {template}: {rows:,} rows of ~1 KB", flush=True)
            info = prepare_template(template.absolute(), rows)
            size = info["imported_bytes"] / GB
            notes["start-up"] = ["", "journal (Dolt's chunk journal, median of --repeat):"]
            notes["start-up"] += journal_report(template, info, args.repeat)
            for state in states:
                title = (
                    f"{size:.2f} GB, {rows:,} rows, as `dolt table import` left it"
                    if state == "imported"
                    else f"{size:.2f} GB, {rows:,} rows, after `dvc dolt gc`"
                    f" ({info['gc_bytes'] / GB:.2f} GB)"
                )
                print(title, flush=True)
                results[title], note = section(
                    base, template / state, info["table"], args.repeat, args.only, size
                )
                notes[title] = [note] if note else []
        else:
            for count in (int(r) for r in args.rows.split(",")):
                db = base / f"db-{count}" / "db"
                t0 = time.perf_counter()
                table = make_database(db, count)
                title = (
                    f"{count:,} rows: built in {time.perf_counter() - t0:.1f}s,"
                    f" {dir_size(db / '.dolt') / 1e6:.1f} MB in .dolt, heads()"
                    f" {median_of(args.repeat, lambda db=db: heads_seconds(db)) * 1000:.0f} ms"
                )
                print(title, flush=True)
                results[title], note = section(
                    base, db, table, args.repeat, args.only, dir_size(db) / GB
                )
                notes[title] = [note] if note else []

    print(f"\nmedian of {args.repeat} where repeated; ratio = plain DVC / dvc-dolt")
    print_table(results, notes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
