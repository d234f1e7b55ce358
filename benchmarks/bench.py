"""dvc-dolt against plain DVC, side by side in one run, on the same databases.

    python benchmarks/bench.py [--rows 1000000] [--repeat 5]

Plain DVC (DVC_DOLT_DISABLE=1) tracks the database directory as files: it
md5s `.dolt/` and copies it into its cache. dvc-dolt hashes three heads.
Each figure is the median of --repeat runs; ratios are plain DVC / dvc-dolt.
Needs dolt (see README) and a Python with dvc-dolt installed.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from dvc_dolt.dolt import Database, find_dolt

DVC = os.path.join(os.path.dirname(sys.executable), "dvc")
PLAIN = {"DVC_DOLT_DISABLE": "1"}


def run(cmd: Sequence[str], cwd: Path, env: dict | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(
        list(cmd),
        cwd=cwd,
        env={**os.environ, "DVC_NO_ANALYTICS": "1", **(env or {})},
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def median_of(repeat: int, fn) -> float:
    return statistics.median(fn() for _ in range(repeat))


def dolt(cwd: Path, *args: str) -> None:
    subprocess.run([find_dolt().path, *args], cwd=cwd, check=True, capture_output=True)


def make_database(path: Path, rows: int) -> None:
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


def change_one_row(db: Path) -> None:
    dolt(db, "sql", "-q", "update labels set label = 'changed' where id = 1")
    dolt(db, "commit", "-am", "one row")


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def new_repo(base: Path, name: str, template: Path) -> Path:
    repo = base / name
    repo.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    run([DVC, "init", "-q"], repo)
    shutil.copytree(template, repo / "db", symlinks=True)
    return repo


def bench_heads(db: Path, repeat: int) -> float:
    database = Database(db)
    return median_of(
        repeat,
        lambda: (lambda t: (database.heads(), time.perf_counter() - t)[1])(time.perf_counter()),
    )


class Trace:
    """Counts dolt processes through DVC_DOLT_TRACE."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def count(self, fn):
        self.path.write_text("")
        os.environ["DVC_DOLT_TRACE"] = str(self.path)
        try:
            result = fn()
        finally:
            del os.environ["DVC_DOLT_TRACE"]
        return result, len(self.path.read_text().splitlines())


def cache_bytes(repo: Path) -> int:
    cache = repo / ".dvc" / "cache"
    return dir_size(cache) if cache.exists() else 0


def bench_size(base: Path, rows: int, repeat: int) -> list[tuple[str, float, float, str]]:
    """Rows of (what, plain DVC seconds, dvc-dolt seconds, dolt processes)."""
    template = base / f"db-{rows}" / "db"
    t0 = time.perf_counter()
    make_database(template, rows)
    print(f"\n{rows:,} rows: built in {time.perf_counter() - t0:.1f}s, "
          f"{dir_size(template / '.dolt') / 1e6:.1f} MB in .dolt, "
          f"heads() {bench_heads(template, repeat) * 1000:.0f} ms")  # fmt: skip
    plain = new_repo(base, f"plain-{rows}", template)
    ext = new_repo(base, f"ext-{rows}", template)
    trace = Trace(base / "trace.jsonl")
    out = []

    def both(what: str, args: list[str], times: int = 1) -> None:
        p = median_of(times, lambda: run([DVC, *args], plain, PLAIN))
        e, n = trace.count(lambda: median_of(times, lambda: run([DVC, *args], ext)))
        out.append((what, p, e, f"{n / times:g}"))

    both("dvc add db", ["add", "db"])
    remotes = {}
    for repo in (plain, ext):
        remotes[repo] = base / f"{repo.name}-remote"
        run([DVC, "remote", "add", "-d", "store", str(remotes[repo])], repo, PLAIN)
        subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
        subprocess.run(["git", "commit", "-qm", "v1"], cwd=repo, check=True)
    both("dvc push (first)", ["push"])
    both("dvc status, nothing changed", ["status"], repeat)
    change_one_row(plain / "db")
    change_one_row(ext / "db")
    both("dvc status after a 1-row commit", ["status"])
    both("dvc commit after a 1-row commit", ["commit", "-f", "db.dvc"])
    sizes = {repo: dir_size(remote) for repo, remote in remotes.items()}
    both("dvc push after a 1-row commit", ["push"])
    sent = {repo: dir_size(remote) - sizes[repo] for repo, remote in remotes.items()}
    for repo in (plain, ext):
        subprocess.run(["git", "commit", "-qam", "v2"], cwd=repo, check=True)
    clones = {}
    for repo in (plain, ext):
        clones[repo] = base / f"{repo.name}-clone"
        subprocess.run(["git", "clone", "-q", str(repo), str(clones[repo])], check=True)
    p = run([DVC, "pull"], clones[plain], PLAIN)
    e, n = trace.count(lambda: run([DVC, "pull"], clones[ext]))
    out.append(("dvc pull in a fresh clone", p, e, str(n)))
    for repo in (plain, ext):
        subprocess.run(["git", "checkout", "-q", "HEAD~1", "--", "db.dvc"], cwd=repo, check=True)
    both("dvc checkout to the previous version", ["checkout", "--force"])
    out.append(("bytes in .dvc/cache (MB)", cache_bytes(plain) / 1e6, cache_bytes(ext) / 1e6, ""))
    out.append(("bytes pushed after a 1-row commit (MB)", sent[plain] / 1e6, sent[ext] / 1e6, ""))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="10000,1000000", help="comma-separated sizes")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="dvc-dolt-bench-") as tmp:
        base = Path(tmp)
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

        start_plain = median_of(args.repeat, lambda: run([DVC, "--version"], base, PLAIN))
        start_ext = median_of(args.repeat, lambda: run([DVC, "--version"], base))
        results = {"start-up": [("dvc --version", start_plain, start_ext, "0")]}
        for rows in (int(r) for r in args.rows.split(",")):
            results[f"{rows:,} rows"] = bench_size(base, rows, args.repeat)

    print(f"\nmedian of {args.repeat} where repeated; ratio = plain DVC / dvc-dolt")
    width = max(len(r[0]) for rows in results.values() for r in rows)
    for title, rows in results.items():
        print(f"\n{title:{width}}  {'plain DVC':>10}  {'dvc-dolt':>10}  {'ratio':>7}  dolt procs")
        for name, p, e, procs in rows:
            unit = " " if "MB" in name else "s"
            ratio = f"{p / e:6.1f}x" if e else "     -"
            d = 4 if "MB" in name else 2
            print(f"{name:{width}}  {p:>9.{d}f}{unit}  {e:>9.{d}f}{unit}  {ratio:>7}  {procs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
