"""DataFrames in and out of real Dolt tables, and saving under branch policies."""

import datetime

import pytest
from helpers import conflicting_branches, dolt, insert, require_extra, sql

from dvc_dolt.dolt import Database, DirtyDatabaseError, DoltCommandError
from dvc_dolt.dolt.save import MergeFailedError, save
from dvc_dolt.dolt.tables import (
    TableWriteError,
    column_types,
    read_sql,
    read_table,
    table_names,
    write_table,
)

pd = require_extra("pandas", "api")
require_extra("pyarrow", "api")

HOSTILE_TABLE = "it's a `table`; drop table t; --"
HOSTILE_COLUMN = 'naïve "column" `x`'


def every_type() -> "pd.DataFrame":
    return pd.DataFrame(
        {
            "id": [1, 2, 3],
            "count": pd.array([7, None, -3], dtype="Int64"),
            "score": [0.5, None, 2.25],
            "ok": pd.array([True, False, None], dtype="boolean"),
            "name": ["x", "", None],
            "day": [datetime.date(2024, 2, 29), None, datetime.date(1999, 12, 31)],
            "at": pd.to_datetime(
                ["2024-01-02 03:04:05.123456", None, "1999-12-31"], format="ISO8601"
            ),
        }
    )


def test_types_round_trip(make_db):
    db = make_db("types")
    frame = every_type()
    write_table(db, "typed", frame, primary_key="id")
    assert column_types(db, "typed") == {
        "id": "bigint",
        "count": "bigint",
        "score": "double",
        "ok": "tinyint(1)",
        "name": "longtext",
        "day": "date",
        "at": "datetime(6)",
    }
    back = read_table(db, "typed").sort_values("id", ignore_index=True)
    assert back["id"].tolist() == [1, 2, 3]
    assert back["count"].dtype == "Int64"
    assert back["count"].tolist() == [7, pd.NA, -3]
    assert back["score"].iloc[0] == 0.5
    assert pd.isna(back["score"].iloc[1])
    assert back["ok"].tolist() == [True, False, pd.NA]
    # NULL and the empty string stay apart.
    assert back["name"].iloc[0] == "x"
    assert back["name"].iloc[1] == ""
    assert pd.isna(back["name"].iloc[2])
    assert back["day"].tolist() == [datetime.date(2024, 2, 29), None, datetime.date(1999, 12, 31)]
    assert back["at"].iloc[0] == pd.Timestamp("2024-01-02 03:04:05.123456")
    assert pd.isna(back["at"].iloc[1])


def test_hostile_names_are_quoted(make_db):
    db = make_db("hostile")
    values = ["'); drop table t; --", "line\nbreak; next", "back\\slash\\", "ünïcødé ✓", "\\0"]
    frame = pd.DataFrame(
        {
            "k": ["a'b", 'c"d', "e`f", "g\\h", "i;j"],
            HOSTILE_COLUMN: [0.1 + 0.2, 1e-300, -0.0, 2.5, 1e17],
            "v": values,
        }
    )
    write_table(db, HOSTILE_TABLE, frame, primary_key="k")
    assert HOSTILE_TABLE in table_names(db)
    assert "t" in table_names(db)  # the injection attempts did nothing
    back = read_table(db, HOSTILE_TABLE).set_index("k").loc[frame["k"]].reset_index()
    assert back.to_dict("list") == frame.to_dict("list")


def test_modes(make_db):
    db = make_db("modes")
    first = pd.DataFrame({"id": [1, 2], "v": ["a", "b"]}).set_index("id")
    write_table(db, "m", first, mode="create")  # a named index is the key
    with pytest.raises(TableWriteError, match="exists"):
        write_table(db, "m", first, mode="create")
    write_table(db, "m", pd.DataFrame({"id": [2, 3], "v": ["B", "c"]}), mode="upsert")
    assert read_table(db, "m").sort_values("id").values.tolist() == [
        [1, "a"],
        [2, "B"],
        [3, "c"],
    ]
    write_table(db, "m", pd.DataFrame({"id": [9], "v": ["z"]}), mode="replace")
    assert read_table(db, "m").values.tolist() == [[9, "z"]]
    with pytest.raises(TableWriteError, match="primary key"):
        write_table(db, "new", pd.DataFrame({"v": [1]}))
    with pytest.raises(TableWriteError, match="mode must be"):
        write_table(db, "m", first, mode="merge")


def test_sql_files_never_outlive_the_write(make_db, tmp_path, monkeypatch):
    import tempfile

    db = make_db()
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    frame = pd.DataFrame({"id": [1, 2], "x": [1.5, float("inf")]})
    # The bad value is met while the SQL file is being written.
    with pytest.raises(TableWriteError, match="infinity"):
        write_table(db, "f", frame, primary_key="id")
    # dolt refuses the SQL itself.
    with pytest.raises(DoltCommandError):
        write_table(db, "t", pd.DataFrame({"id": [1], "nope": [2]}))
    write_table(db, "f", frame.iloc[:1], primary_key="id")
    assert list(scratch.iterdir()) == []
    assert "f" in table_names(db)


def test_read_sql_and_as_of(make_db):
    db = make_db("q", rows=[(1, "a"), (2, None)])
    old = db.heads().commit
    insert(db, [(3, "c")])
    frame = read_sql(db, "select id, v from t order by id")
    assert frame["id"].tolist() == [1, 2, 3]
    assert read_table(db, "t", rev=old)["id"].tolist() == [1, 2]
    assert read_table(db, "t", columns=["v"]).columns.tolist() == ["v"]
    with pytest.raises(TableWriteError, match="no column"):
        read_table(db, "t", columns=["nope"])


def test_large_read_is_columnar(make_db, tmp_path):
    db = make_db("big", rows=[])
    csv = tmp_path / "rows.csv"
    pd.DataFrame({"id": range(1, 50001), "v": [f"v{i}" for i in range(1, 50001)]}).to_csv(
        csv, index=False
    )
    dolt(db.path, "table", "import", "-u", "t", str(csv))
    frame = read_table(db, "t")
    assert len(frame) == 50000
    assert frame["id"].sum() == 50000 * 50001 // 2
    assert frame["v"].iloc[-1] == "v50000"


def _read_formats(calls: list[list[str]]) -> list[str]:
    """The formats rows came out of dolt in (schema lookups come as json)."""
    formats = [argv[argv.index("-r") + 1] for argv in calls if "-r" in argv]
    return [f for f in formats if f != "json"]


def test_table_read_is_csv_with_the_schema_types(make_db, count_dolt_processes):
    db = make_db("csv", rows=[])
    sql(
        db,
        "create table w (id bigint unsigned primary key, s varchar(20), d decimal(10,3),"
        " f float, n int, at datetime(6));"
        "insert into w values (18446744073709551615, 'NULL', 1.5, 0.25, NULL, NULL),"
        " (1, '', -0.001, NULL, 7, '2024-01-02 03:04:05.123456'),"
        " (2, NULL, NULL, 1e10, -7, '9999-12-31 23:59:59'),"
        " (3, 'a,b\"c\nd', 0, -0.5, 0, '1970-01-01')",
    )
    count_dolt_processes.clear()
    frame = read_table(db, "w").sort_values("n", ignore_index=True, na_position="first")
    assert _read_formats(count_dolt_processes) == ["csv"]
    assert frame["id"].dtype == "uint64"
    assert frame["id"].tolist() == [18446744073709551615, 2, 3, 1]
    # The text NULL, the empty string and NULL stay three things.
    assert frame["s"].iloc[0] == "NULL"
    assert pd.isna(frame["s"].iloc[1])
    assert frame["s"].iloc[2] == 'a,b"c\nd'
    assert frame["s"].iloc[3] == ""
    assert [str(v) for v in frame["d"]] == ["1.500", "None", "0.000", "-0.001"]
    assert frame["n"].dtype == "Int64"
    assert frame["at"].iloc[3] == pd.Timestamp("2024-01-02 03:04:05.123456")
    assert frame["at"].iloc[1] == pd.Timestamp("9999-12-31 23:59:59")
    dolt(db.path, "sql", "-q", "create table e (id int primary key, v text)")
    none = read_table(db, "e")
    assert none.columns.tolist() == ["id", "v"]
    assert len(none) == 0


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        # Types CSV cannot carry exactly are read as Parquet.
        ("v json", """'{"a": [1, 2]}'""", '{"a": [1, 2]}'),
        ("v enum('x', 'y')", "'y'", "y"),
        # dolt writes year 1 as "1-01-01", which Arrow refuses: Parquet again.
        ("v date", "'0001-01-01'", datetime.date(1, 1, 1)),
    ],
)
def test_table_read_falls_back_to_parquet(make_db, count_dolt_processes, column, value, expected):
    db = make_db("fallback", rows=[])
    sql(db, f"create table x (id int primary key, {column}); insert into x values (1, {value})")
    count_dolt_processes.clear()
    frame = read_table(db, "x")
    assert _read_formats(count_dolt_processes)[-1] == "parquet"
    got = frame["v"].iloc[0]
    if isinstance(expected, str) and expected.startswith("{"):
        import json

        assert json.loads(got) == json.loads(expected)
    else:
        assert got == expected


def test_save_appends_to_the_checked_out_branch(make_db):
    db = make_db("append")
    before = db.heads()
    seen = []
    result = save(
        db,
        "t",
        pd.DataFrame({"id": [2, 3], "v": ["B", "c"]}),
        message="relabel",
        author="Ada Lovelace <ada@example.com>",
        on_saved=seen.append,
    )
    assert seen == [result]
    assert result.branch == "main"
    assert result.commit_before == before.commit
    assert result.changed
    assert result.commit_after == db.heads().commit
    assert (result.rows.rows_added, result.rows.rows_modified) == (1, 1)
    log = dolt(db.path, "log", "-n", "1")
    assert "Ada Lovelace <ada@example.com>" in log
    assert "relabel" in log
    assert db.dirty_reasons() == []
    # Saving the same rows again changes nothing and makes no commit.
    again = save(db, "t", pd.DataFrame({"id": [2, 3], "v": ["B", "c"]}))
    assert not again.changed


def test_save_on_a_new_branch_and_merge(make_db):
    db = make_db("merge")
    main_before = db.heads()
    result = save(
        db,
        "t",
        pd.DataFrame({"id": [5], "v": ["e"]}),
        branch="run/42",
        merge_into="main",
    )
    assert result.commit_before is None  # a new branch
    assert db.heads().branch == "main"  # the checked-out branch never moved
    assert result.merge_commit == db.heads().commit != main_before.commit
    assert read_table(db, "t")["id"].tolist() == [1, 2, 5]
    assert "run/42" in db.branches()


def test_failed_merge_leaves_the_target_as_it_was(make_db):
    db = make_db("conflict")
    conflicting_branches(db)  # main and other disagree about row 1
    before = db.heads()
    with pytest.raises(MergeFailedError, match="'main' is unchanged"):
        save(db, "t", pd.DataFrame({"id": [2], "v": ["x"]}), branch="other", merge_into="main")
    assert db.heads() == before
    assert db.dirty_reasons() == []
    assert Database(db.path, "other").heads().commit != before.commit


def test_save_refuses_a_dirty_branch(make_db):
    db = make_db("dirty")
    insert(db, [(7, "uncommitted")])
    before = db.heads()
    with pytest.raises(DirtyDatabaseError, match="on branch 'main'"):
        save(db, "t", pd.DataFrame({"id": [8], "v": ["h"]}))
    assert db.heads() == before
