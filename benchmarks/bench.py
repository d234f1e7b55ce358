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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    rows: list[tuple[str, float, float]] = []
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

        small, large = base / "small" / "db", base / "large" / "db"
        make_database(small, 5)
        t0 = time.perf_counter()
        make_database(large, args.rows)
        print(f"built a {args.rows:,}-row database in {time.perf_counter() - t0:.1f}s "
              f"({dir_size(large / '.dolt') / 1e6:.1f} MB .dolt)")  # fmt: skip

        print(f"heads(): 5 rows {bench_heads(small, args.repeat) * 1000:.0f} ms, "
              f"{args.rows:,} rows {bench_heads(large, args.repeat) * 1000:.0f} ms "
              "(one dolt process each)")  # fmt: skip

        start_plain = median_of(args.repeat, lambda: run([DVC, "--version"], base, PLAIN))
        start_ext = median_of(args.repeat, lambda: run([DVC, "--version"], base))
        rows.append(("dvc --version (start-up)", start_plain, start_ext))

        plain = new_repo(base, "plain", large)
        ext = new_repo(base, "ext", large)
        rows.append(
            ("dvc add db", run([DVC, "add", "db"], plain, PLAIN), run([DVC, "add", "db"], ext))
        )
        rows.append((
            "dvc status, nothing changed",
            median_of(args.repeat, lambda: run([DVC, "status"], plain, PLAIN)),
            median_of(args.repeat, lambda: run([DVC, "status"], ext)),
        ))  # fmt: skip
        change_one_row(plain / "db")
        change_one_row(ext / "db")
        rows.append((
            "dvc status after a 1-row commit",
            run([DVC, "status"], plain, PLAIN),
            run([DVC, "status"], ext),
        ))  # fmt: skip
        rows.append((
            "dvc commit after a 1-row commit",
            run([DVC, "commit", "-f", "db.dvc"], plain, PLAIN),
            run([DVC, "commit", "-f", "db.dvc"], ext),
        ))  # fmt: skip
        cache_plain = (
            dir_size(plain / ".dvc" / "cache") if (plain / ".dvc" / "cache").exists() else 0
        )
        cache_ext = dir_size(ext / ".dvc" / "cache") if (ext / ".dvc" / "cache").exists() else 0

    width = max(len(r[0]) for r in rows)
    print(f"\n{'':{width}}  {'plain DVC':>10}  {'dvc-dolt':>10}  {'ratio':>7}")
    for name, p, e in rows:
        print(f"{name:{width}}  {p:>9.2f}s  {e:>9.2f}s  {p / e:>6.1f}x")
    print(f"{'.dvc/cache size':{width}}  {cache_plain / 1e6:>8.1f}MB  {cache_ext / 1e6:>8.1f}MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
