"""The fast ways in and out of Dolt tables (issue 12): `dolt table import` for
saves, one streamed dolt process for whole-table reads. Each test also pins
where they must not be taken, because there they would change the data."""

import datetime
import json

import numpy as np
import pytest
from helpers import dolt, insert, require_extra, sql

from dvc_dolt.dolt import Database, DoltCommandError
from dvc_dolt.dolt.save import save
from dvc_dolt.dolt.tables import read_table, table_names, write_table

pd = require_extra("pandas", "api")
require_extra("pyarrow", "api")

# Spaces, dashes, quotes and unicode, but no backtick: import can take these.
TABLE = 'my table-1 "ü"'
COLUMN = 'naïve "col", sel-ect'
# Every value CSV could get wrong, but a CRLF (see test_crlf_text_is_kept).
TEXTS = [
    "",
    None,
    "NULL",
    "\\N",
    "\\",
    "back\\slash\\0",
    "\r",
    "a\nb",
    ' "q" , ',
    "  pad  ",
    "ünï ✓ 😀",
]


def _commands(calls: list[list[str]]) -> list[str]:
    """Each dolt process as its command: 'sql', 'table import', ..."""
    out = []
    for argv in calls:
        args = argv[2:] if argv[0] == "--branch" else argv
        out.append(" ".join(args[:2]) if args[0] == "table" else args[0])
    return out


def _frame() -> "pd.DataFrame":
    n = len(TEXTS)
    return pd.DataFrame(
        {
            "id": range(n),
            COLUMN: TEXTS,
            "count": pd.array([None if i % 4 == 1 else i - 5 for i in range(n)], dtype="Int64"),
            "score": [0.1 + 0.2, 1e-300, -0.0, 5e-324, 1e308, None, 1 / 3, 2.0**53, 0.5, 7.0, -1.5],
            "f32": np.array([0.1, 2.5] * 5 + [-3.25], dtype="float32"),
            "ok": pd.array([True, False, None] * 3 + [True, False], dtype="boolean"),
            "day": [datetime.date(2024, 2, 29), None] * 5 + [datetime.date(1999, 12, 31)],
            "at": pd.to_datetime(
                ["2024-01-02 03:04:05.123456", None] * 5 + ["1970-01-01"], format="ISO8601"
            ),
        }
    )


def _same(back: "pd.DataFrame", frame: "pd.DataFrame") -> None:
    back = back.sort_values("id", ignore_index=True)
    assert back.columns.tolist() == frame.columns.tolist()
    for name in frame.columns.drop("f32"):
        want, got = frame[name].tolist(), back[name].tolist()
        assert [None if pd.isna(v) else v for v in got] == [
            None if pd.isna(v) else v for v in want
        ], name
    assert str(back["score"].tolist()[2]) == "-0.0"
    # What repr() gives SQL for a float32, not its float64 widening 0.10000000149011612.
    assert back["f32"].tolist() == [0.1, 2.5] * 5 + [-3.25]


def test_save_imports_every_type_exactly(make_db, count_dolt_processes):
    db = make_db("imported", rows=[])
    frame = _frame()
    count_dolt_processes.clear()
    result = save(db, TABLE, frame, primary_key="id", message="typed")
    # Looked at (clean), columns, import, commit with counts.
    assert _commands(count_dolt_processes) == ["sql", "sql", "table import", "sql"]
    assert result.rows.rows_added == len(frame)
    assert result.commit_after == db.heads().commit != result.commit_before
    assert db.dirty_reasons() == []
    _same(read_table(db, TABLE), frame)

    # Upsert by import: changed rows change, others stay, one is added.
    more = frame.iloc[[0, 1]].assign(**{COLUMN: ["new", None]})
    more.loc[1, "id"] = 99
    count_dolt_processes.clear()
    again = save(db, TABLE, more)
    assert "table import" in _commands(count_dolt_processes)
    assert (again.rows.rows_modified, again.rows.rows_added) == (1, 1)
    back = read_table(db, TABLE).set_index("id")
    assert back.loc[0, COLUMN] == "new"
    assert pd.isna(back.loc[99, COLUMN])
    assert back.loc[2, COLUMN] == "NULL"
    assert len(back) == len(frame) + 1


def test_crlf_text_is_kept(make_db, count_dolt_processes):
    """dolt's CSV reader turns CRLF inside a value into LF: such frames go through SQL."""
    db = make_db("crlf", rows=[])
    count_dolt_processes.clear()
    write_table(db, "t", pd.DataFrame({"id": [1, 2], "v": ["a\r\nb", "\r\n"]}), mode="replace")
    ran = _commands(count_dolt_processes)
    assert read_table(db, "t").sort_values("id")["v"].tolist() == ["a\r\nb", "\r\n"]
    assert "table import" not in ran


def test_a_column_named_in_another_case_is_written(make_db, count_dolt_processes):
    """Import would skip a file column the table lacks, silently: ``V`` for ``v``."""
    db = make_db("case")
    count_dolt_processes.clear()
    write_table(db, "t", pd.DataFrame({"id": [2], "V": ["B"]}))
    ran = _commands(count_dolt_processes)
    assert read_table(db, "t")["v"].tolist() == ["a", "B"]
    assert "table import" not in ran
    with pytest.raises(DoltCommandError):
        write_table(db, "t", pd.DataFrame({"id": [2], "nope": ["x"]}))


def test_hostile_table_names_are_not_imported(make_db, count_dolt_processes):
    db = make_db("hostile", rows=[])
    frame = pd.DataFrame({"id": [1], "a`b": ["x"]})
    for table in ["ta`ble", "-t", " t"]:
        count_dolt_processes.clear()
        write_table(db, table, frame, primary_key="id")
        assert "table import" not in _commands(count_dolt_processes), table
        assert read_table(db, table)["a`b"].tolist() == ["x"]
    assert {"ta`ble", "-t", " t"} <= set(table_names(db))


def test_save_on_another_branch_leaves_the_checked_out_one_alone(make_db):
    """Import ignores --branch: a save on a branch that is not checked out must use SQL."""
    db = make_db("branches")
    before = db.heads()
    result = save(db, "t", pd.DataFrame({"id": [3], "v": ["side"]}), branch="side")
    assert db.heads() == before
    assert db.dirty_reasons() == []
    assert read_table(db, "t")["id"].tolist() == [1, 2]
    assert read_table(Database(db.path, "side"), "t")["id"].tolist() == [1, 2, 3]
    assert result.rows.rows_added == 1
    # Naming the checked-out branch is the usual save.
    save(db, "t", pd.DataFrame({"id": [4], "v": ["main"]}), branch="main")
    assert read_table(db, "t")["id"].tolist() == [1, 2, 4]
    assert db.dirty_reasons() == []


def test_empty_frames(make_db):
    db = make_db("empty")
    empty = pd.DataFrame({"id": pd.Series([], dtype="int64"), "v": pd.Series([], dtype=object)})
    assert not save(db, "t", empty).changed
    assert read_table(db, "t")["id"].tolist() == [1, 2]
    replaced = save(db, "t", empty, mode="replace")
    assert replaced.rows.rows_deleted == 2
    assert len(read_table(db, "t")) == 0
    save(db, "new", empty, primary_key="id")
    assert read_table(db, "new").columns.tolist() == ["id", "v"]


def test_a_bad_value_fails_clearly_and_keeps_the_table(make_db):
    db = make_db("bad")
    before = db.heads()
    with pytest.raises(DoltCommandError, match="import"):
        save(db, "t", pd.DataFrame({"id": ["x"], "v": ["y"]}))
    assert db.heads() == before
    assert read_table(db, "t")["id"].tolist() == [1, 2]


# -- reads ------------------------------------------------------------------


def test_whole_table_read_is_one_dolt_process(make_db, count_dolt_processes):
    db = make_db("one", rows=[])
    sql(
        db,
        'create table `we``ird, "t"` (`i d` int primary key, `new\nline` varchar(9),'
        ' `a,b` double, `q"` text);'
        "insert into `we``ird, \"t\"` values (1, 'x', 0.5, ''), (2, NULL, NULL, 'NULL'),"
        " (3, 'a\nb', -1, NULL)",
    )
    count_dolt_processes.clear()
    frame = read_table(db, 'we`ird, "t"').sort_values("i d", ignore_index=True)
    assert len(count_dolt_processes) == 1
    assert frame.columns.tolist() == ["i d", "new\nline", "a,b", 'q"']
    assert frame["new\nline"].tolist()[::2] == ["x", "a\nb"]
    assert pd.isna(frame["new\nline"][1])
    assert frame['q"'].tolist()[:2] == ["", "NULL"]
    assert pd.isna(frame['q"'][2])
    assert frame["a,b"].tolist()[::2] == [0.5, -1.0]

    empty = make_db("empty", rows=[])
    count_dolt_processes.clear()
    none = read_table(empty, "t")
    assert len(count_dolt_processes) == 1
    assert none.columns.tolist() == ["id", "v"]
    assert len(none) == 0


def test_parquet_tables_take_two_processes(make_db, count_dolt_processes):
    """A JSON column sends the read to Parquet, after the schema (and no rows) as CSV."""
    db = make_db("json", rows=[])
    rows = ", ".join(f"({i}, '{{\"k\": {i}}}')" for i in range(2000))
    sql(db, f"create table j (id int primary key, v json); insert into j values {rows}")
    count_dolt_processes.clear()
    frame = read_table(db, "j")
    assert [argv[argv.index("-r") + 1] for argv in count_dolt_processes] == ["csv", "parquet"]
    assert json.loads(frame.sort_values("id")["v"].iloc[-1]) == {"k": 1999}


def test_reads_named_in_another_case_or_missing(make_db):
    db = make_db("names")
    insert(db, [(3, "c")])
    # information_schema matches names exactly, dolt's SELECT does not.
    assert read_table(db, "T")["id"].tolist() == [1, 2, 3]
    with pytest.raises(DoltCommandError, match="table not found"):
        read_table(db, "nope")
    dolt(db.path, "sql", "-q", "create view w as select id from t")
    assert read_table(db, "w")["id"].tolist() == [1, 2, 3]
