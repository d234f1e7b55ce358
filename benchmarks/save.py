"""Saving a DataFrame as a Dolt commit: dvc_dolt.api.save against `dolt table import`.

Target (issue 12): api.save of a new table takes at most 1.2x `dolt table
import` of the same rows into the same schema (the CREATE TABLE api.save
would write, made beforehand), the CSV already on disk. api.save starts from
the DataFrame and also commits; the import alone does neither, so the
baseline is the strict one. `import + dolt commit` is shown too.

Each figure is the median of --repeat runs, each into a fresh database, the
routes interleaved. Same table as benchmarks/read.py.

Usage: python benchmarks/save.py [--rows 1000000] [--repeat 3]
"""

from __future__ import annotations

import itertools
import sys
import tempfile
from pathlib import Path

from read import (
    Clock,
    dolt,
    dolt_processes,
    median,
    new_database,
    parse_args,
    prepared,
    report,
    show_processes,
)


def main() -> int:
    import pandas as pd

    from dvc_dolt import api
    from dvc_dolt.dolt.tables import create_table_sql

    args = parse_args(__doc__)
    with tempfile.TemporaryDirectory(prefix="dvc-dolt-save-") as tmp:
        base = Path(tmp)
        frame, rows_csv = prepared(base, args.rows)
        ddl = create_table_sql("labels", frame, ["id"])
        fresh = (base / f"db{i}" for i in itertools.count())

        def import_rows(commit: bool) -> Clock:
            db = new_database(next(fresh), ddl)
            with Clock() as clock:
                dolt(db, "table", "import", "-u", "labels", str(rows_csv))
                if commit:
                    dolt(db, "commit", "-Am", "import")
            return clock

        saved = {}

        def save() -> Clock:
            db = new_database(next(fresh))
            with Clock() as clock:
                saved["result"] = api.save(frame, db, "labels", primary_key="id")
            saved["db"] = db
            return clock

        times: dict[str, list[Clock]] = {"import": [], "import+commit": [], "save": []}
        for _ in range(args.repeat):
            times["import"].append(import_rows(commit=False))
            times["import+commit"].append(import_rows(commit=True))
            times["save"].append(save())
        medians = {name: median(clocks) for name, clocks in times.items()}

        result = saved["result"]
        assert result.rows.rows_added == args.rows, result
        back = api.read(saved["db"], "labels").sort_values("id", ignore_index=True)
        pd.testing.assert_frame_equal(back, frame, check_dtype=False)
        assert (back["note"] == "").sum() == (frame["note"] == "").sum()

        small = frame.head(1000)
        calls = dolt_processes(
            base / "trace",
            lambda: api.save(small, new_database(next(fresh)), "labels", primary_key="id"),
        )
        again = dolt_processes(
            base / "trace",
            lambda: api.save(small.assign(score=0.5), saved["db"], "labels", primary_key="id"),
        )

    rows = f"{args.rows:,} rows x 5 columns"
    print(f"api.save of {rows} into a new table, median of {args.repeat} (wall, cpu):")
    lines = [
        ("dolt table import -u, CSV on disk (baseline)", "import"),
        ("dolt table import -u + dolt commit", "import+commit"),
        ("api.save(frame, db, 'labels', primary_key='id')", "save"),
    ]
    report("api.save", lines, medians, "import", "save")
    show_processes("api.save of a new table", calls)
    show_processes("api.save upserting into it", again)
    return 0


if __name__ == "__main__":
    sys.exit(main())
