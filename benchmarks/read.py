"""Reading a Dolt table into pandas: dvc_dolt.api.read against the plain routes.

Target (issue 12): api.read of a table takes at most 1.2x `dolt sql -r csv`
plus Arrow's CSV parser on the same query (the bytes dolt writes, parsed by
pyarrow.csv with its defaults, into an Arrow table). Also shown: the route
people often write, `dolt table export` then pandas.read_csv.

The table has 5 columns (bigint key, varchar, double, bigint with NULLs,
unicode varchar with NULLs and empty strings). Each figure is the median of
--repeat runs, the routes interleaved; dolt processes are counted with
DVC_DOLT_TRACE.

Usage: python benchmarks/read.py [--rows 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Callable

from dvc_dolt.dolt import find_dolt

TARGET = 1.2
# varchar, as `dolt table import -c` makes text columns: dolt reads them several
# times faster than longtext, so the share of time that is ours shows most.
READ_SCHEMA = (
    "create table labels (id bigint not null primary key, label varchar(32), score double,"
    " qty bigint, note varchar(64))"
)


def dolt(cwd: Path, *args: str) -> bytes:
    return subprocess.run(
        [find_dolt().path, *args], cwd=cwd, check=True, capture_output=True
    ).stdout


def make_frame(rows: int) -> Any:
    """``rows`` rows of the kinds of columns stage code writes."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(12)
    ids = np.arange(rows, dtype="int64")
    qty = pd.array(rng.integers(-1000, 1000, rows), dtype="Int64")
    qty[rng.random(rows) < 0.05] = pd.NA
    note = pd.Series("ünï ✓ ", index=ids) + pd.Series(ids).astype(str)
    draw = rng.random(rows)
    note[draw < 0.1] = None
    note[(draw >= 0.1) & (draw < 0.12)] = ""
    return pd.DataFrame(
        {
            "id": ids,
            "label": pd.Series([f"label-{i}" for i in range(10)]).iloc[ids % 10].to_numpy(),
            "score": rng.random(rows),
            "qty": qty,
            "note": note.to_numpy(dtype=object),
        }
    )


def write_csv(frame: Any, path: Path) -> None:
    """``frame`` as CSV that `dolt table import` reads back exactly (NULL unquoted, '' quoted)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    pacsv.write_csv(pa.Table.from_pandas(frame, preserve_index=False), path)


def new_database(path: Path, ddl: str = "") -> Path:
    path.mkdir(parents=True)
    dolt(path, "init", "-b", "main")
    if ddl:
        dolt(path, "sql", "-q", ddl)
        dolt(path, "commit", "-Am", "schema")
    return path


def setup_dolt_home(base: Path) -> None:
    os.environ.setdefault("DOLT_ROOT_PATH", str(base / "dolt-home"))
    Path(os.environ["DOLT_ROOT_PATH"]).mkdir(exist_ok=True)
    for key, value in {"user.name": "bench", "user.email": "bench@dvc-dolt.invalid"}.items():
        dolt(base, "config", "--global", "--add", key, value)


class Clock:
    """Wall-clock and CPU seconds (this process and its waited-for children: dolt)."""

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), _cpu()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, _cpu() - self.cpu


def _cpu() -> float:
    own, children = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(fn: Callable[[], Any]) -> tuple[Clock, Any]:
    with Clock() as clock:
        result = fn()
    return clock, result


def interleaved(repeat: int, routes: dict[str, Callable[[], Any]]) -> dict[str, Clock]:
    """Median wall and CPU seconds of each route, the routes taking turns so that load
    from elsewhere hits all alike."""
    times: dict[str, list[Clock]] = {name: [] for name in routes}
    for _ in range(repeat):
        for name, fn in routes.items():
            times[name].append(timed(fn)[0])
    return {name: median(clocks) for name, clocks in times.items()}


def median(clocks: Sequence[Clock]) -> Clock:
    out = Clock()
    out.wall = statistics.median(c.wall for c in clocks)
    out.cpu = statistics.median(c.cpu for c in clocks)
    return out


def figures(clock: Clock, baseline: Clock) -> str:
    return (
        f"{clock.wall:7.2f}s ({clock.wall / baseline.wall:.2f}x)"
        f"  cpu {clock.cpu:6.2f}s ({clock.cpu / baseline.cpu:.2f}x)"
    )


def dolt_processes(trace: Path, fn: Callable[[], Any]) -> list[list[str]]:
    """The argv of every dolt process dvc-dolt starts while ``fn`` runs."""
    trace.unlink(missing_ok=True)
    os.environ["DVC_DOLT_TRACE"] = str(trace)
    try:
        fn()
    finally:
        del os.environ["DVC_DOLT_TRACE"]
    if not trace.exists():
        return []
    return [json.loads(line)["argv"] for line in trace.read_text().splitlines()]


def show_processes(label: str, calls: Sequence[Sequence[str]]) -> None:
    print(f"  dolt processes of {label}: {len(calls)}")
    for argv in calls:
        text = " ".join(argv).replace("\n", " ")
        print(f"    {text[:96]}{'...' if len(text) > 96 else ''}")


def parse_args(doc: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    return parser.parse_args()


def prepared(base: Path, rows: int) -> tuple[Any, Path]:
    """A private dolt home in ``base``, and the benchmark's frame, also as a CSV there."""
    setup_dolt_home(base)
    frame = make_frame(rows)
    rows_csv = base / "rows.csv"
    write_csv(frame, rows_csv)
    return frame, rows_csv


def report(
    what: str,
    lines: Sequence[tuple[str, str]],
    medians: dict[str, Clock],
    baseline: str,
    ours: str,
) -> None:
    """The medians against the first line's (the baseline), and the verdict on target 6."""
    base = medians[baseline]
    for text, key in lines:
        print(f"  {text:<50} {figures(medians[key], base)}")
    ratio = medians[ours].wall / base.wall
    verdict = "met" if ratio <= TARGET else "MISSED"
    print(f"  target 6, {what} <= {TARGET}x the baseline (wall): {ratio:.2f}x, {verdict}")


def main() -> int:
    import pandas as pd
    import pyarrow.csv as pacsv

    from dvc_dolt import api

    args = parse_args(__doc__)
    with tempfile.TemporaryDirectory(prefix="dvc-dolt-read-") as tmp:
        base = Path(tmp)
        frame, rows_csv = prepared(base, args.rows)
        db = new_database(base / "db", READ_SCHEMA)
        dolt(db, "table", "import", "-u", "labels", str(rows_csv))
        dolt(db, "commit", "-Am", f"{args.rows} rows")
        exported = base / "labels.csv"
        query = "select * from labels"

        def dolt_csv_arrow():
            return pacsv.read_csv(io.BytesIO(dolt(db, "sql", "-r", "csv", "-q", query)))

        def export_pandas():
            dolt(db, "table", "export", "-f", "labels", str(exported))
            return pd.read_csv(exported)

        results: dict[str, Any] = {}
        routes = {
            "csv": dolt_csv_arrow,
            "csv+pandas": lambda: dolt_csv_arrow().to_pandas(),
            "export": export_pandas,
            "read": lambda: results.__setitem__("read", api.read(db, "labels")),
            "sql": lambda: results.__setitem__("sql", api.read(db, sql=query)),
        }
        median = interleaved(args.repeat, routes)
        got = results["read"].sort_values("id", ignore_index=True)
        pd.testing.assert_frame_equal(got, frame, check_dtype=False)
        assert got["note"].isna().sum() == frame["note"].isna().sum()
        assert (got["note"] == "").sum() == (frame["note"] == "").sum()
        assert len(results["sql"]) == args.rows
        read_calls = dolt_processes(base / "trace", lambda: api.read(db, "labels"))

    print(f"api.read of {args.rows:,} rows x 5 columns, median of {args.repeat} (wall, cpu):")
    lines = [
        ("dolt sql -r csv + pyarrow.csv.read_csv (baseline)", "csv"),
        ("  ... + Table.to_pandas()", "csv+pandas"),
        ("dolt table export + pandas.read_csv", "export"),
        ("api.read(db, sql='select * from labels')", "sql"),
        ("api.read(db, 'labels')", "read"),
    ]
    report("api.read", lines, median, "csv", "read")
    show_processes("api.read(db, 'labels')", read_calls)
    return 0


if __name__ == "__main__":
    sys.exit(main())
