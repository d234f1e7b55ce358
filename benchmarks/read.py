"""Reading a Dolt table into pandas: dvc_dolt.api.read against pandas.read_csv.

The baselines are the plain route: the same table exported with `dolt table
export` and read by pandas' C CSV parser, timed with and without the export
(which a plain route repeats whenever the table changes).
Usage: python benchmarks/read.py [--rows 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench import dolt, make_database

from dvc_dolt import api


def timed(repeat: int, fn) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> int:
    import pandas as pd

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dvc-dolt-read-") as tmp:
        base = Path(tmp)
        os.environ.setdefault("DOLT_ROOT_PATH", str(base / "dolt-home"))
        Path(os.environ["DOLT_ROOT_PATH"]).mkdir(exist_ok=True)
        for key, value in {"user.name": "bench", "user.email": "bench@dvc-dolt.invalid"}.items():
            dolt(base, "config", "--global", "--add", key, value)
        db = base / "db"
        make_database(db, args.rows)
        csv = base / "labels.csv"
        export, _ = timed(
            args.repeat, lambda: dolt(db, "table", "export", "-f", "labels", str(csv))
        )

        ours, frame = timed(args.repeat, lambda: api.read(db, "labels"))
        query, _ = timed(args.repeat, lambda: api.read(db, sql="select * from labels"))
        theirs, baseline = timed(args.repeat, lambda: pd.read_csv(csv))
        assert len(frame) == len(baseline) == args.rows
        assert frame["score"].sum() == baseline["score"].sum()

    print(f"{args.rows:,} rows, median of {args.repeat}:")
    print(f"  pandas.read_csv of the exported CSV   {theirs:7.2f}s")
    both = export + theirs
    print(f"  dolt table export + pandas.read_csv   {both:7.2f}s  ({both / theirs:.2f}x)")
    print(f"  api.read(db, 'labels')                 {ours:7.2f}s  ({ours / theirs:.2f}x)")
    print(f"  api.read(db, sql='select * ...')       {query:7.2f}s  ({query / theirs:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
