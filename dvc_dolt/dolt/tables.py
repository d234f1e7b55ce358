"""Tables as pandas DataFrames: read a query or a table, write a frame into a table.

Reads never build Python objects row by row. A whole table comes out of dolt
as CSV (``dolt sql -r csv``), parsed by Arrow with column types taken from the
table's schema: dolt writes CSV about twice as fast as Parquet, and it quotes
the empty string, so NULL stays distinct from ``''``. Columns of types that CSV
cannot carry exactly (blobs, JSON, enums, ...) and values Arrow cannot parse
(dates before year 1000) make the read fall back to Parquet
(``dolt sql -r parquet``), which is also how the rows of a free SQL query come
out, their types being known only to dolt. Writes are SQL that this module
writes column by column, with every identifier and value quoted.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Optional, Union

from .errors import DoltError
from .runner import quote_identifier, quote_string

if TYPE_CHECKING:
    import pandas as pd

    from .database import Database

MODES = ("create", "replace", "upsert")
# Rows per INSERT statement.
INSERT_BATCH = 1000
# Identifiers longer than this are refused by dolt (as by MySQL).
MAX_IDENTIFIER = 64


class TableWriteError(DoltError):
    """A frame that cannot be written as asked (mode, keys, columns)."""


def _pandas():
    try:
        import pandas as pd
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise DoltError(
            f"reading and writing tables needs pandas and pyarrow ({exc.name} is missing): "
            "pip install 'dvc-dolt[api]'"
        ) from None
    return pd, pa, pq


def _as_of(rev: Optional[str]) -> str:
    return f" as of {quote_string(rev)}" if rev else ""


def table_names(db: Database, rev: Optional[str] = None) -> list[str]:
    """The tables of ``db`` (its working set, or ``rev``)."""
    rows = db.sql(f"show full tables{_as_of(rev)}")[0]
    return [
        value
        for row in rows
        if row.get("Table_type") != "VIEW"
        for key, value in row.items()
        if key.startswith("Tables_in_")
    ]


def column_types(db: Database, table: str, rev: Optional[str] = None) -> dict[str, str]:
    """SQL type of each column of ``table``, in order."""
    rows = db.sql(f"describe {quote_identifier(table)}{_as_of(rev)}")[0]
    return {row["Field"]: row["Type"].lower() for row in rows}


def read_sql(db: Database, query: str, rev: Optional[str] = None) -> pd.DataFrame:
    """The rows of one SELECT (on the working set, or at ``rev``) as a DataFrame.

    Integer columns with NULLs become pandas' nullable ``Int64``. Booleans come
    back as integers and dates as timestamps: a query's column types are not
    known; :func:`read_table` knows them.
    """
    at = []
    if rev:
        # The revision database "<name>/<rev>" runs the whole query at rev.
        (row,) = db.sql("select database() as name")[0]
        at = ["--use-db", f"{row['name']}/{rev}"]
    return _frame(_query_arrow(db, query, at), {})


def read_table(
    db: Database,
    table: str,
    rev: Optional[str] = None,
    columns: Optional[Sequence[str]] = None,
) -> pd.DataFrame:
    """A whole table (or some ``columns``), at the working set or at ``rev``."""
    types = column_types(db, table, rev)
    wanted = list(columns) if columns else list(types)
    unknown = [c for c in wanted if c not in types]
    if unknown:
        raise TableWriteError(f"table '{table}' has no column {', '.join(map(repr, unknown))}")
    source = f"from {quote_identifier(table)}{_as_of(rev)}"
    arrow = _csv_types([types[c] for c in wanted])
    if arrow is not None:
        # Positional aliases: the CSV header then holds no name that needs quoting.
        select = ", ".join(f"{quote_identifier(c)} as c{i}" for i, c in enumerate(wanted))
        result = _query_csv(db, f"select {select} {source}", arrow)
        if result is not None:
            return _frame(result.rename_columns(wanted), types)
    select = ", ".join(quote_identifier(c) for c in wanted)
    return _frame(_query_arrow(db, f"select {select} {source}"), types)


def _csv_types(sql_types: Sequence[str]) -> Optional[list]:
    """The Arrow type to parse each column's CSV text as, or None when one has none."""
    _, pa, _ = _pandas()
    arrow = []
    for sql_type in sql_types:
        name, _, rest = sql_type.partition("(")
        name = name.split()[0] if name else ""
        if sql_type.startswith("tinyint(1)"):
            arrow.append(pa.int8())
        elif name in _CSV_INTEGERS:
            unsigned = name == "bigint" and "unsigned" in sql_type
            arrow.append(pa.uint64() if unsigned else pa.int64())
        elif name in ("float", "double", "real"):
            arrow.append(pa.float64())
        elif name == "decimal" and rest:
            precision, _, scale = rest.rstrip(")").partition(",")
            if int(precision) > 38:
                return None
            arrow.append(pa.decimal128(int(precision), int(scale or 0)))
        elif name in _CSV_TEXT:
            arrow.append(pa.string())
        elif name == "date":
            arrow.append(pa.date32())
        elif name in ("datetime", "timestamp"):
            arrow.append(pa.timestamp("us"))
        else:
            return None
    return arrow


_CSV_INTEGERS = frozenset({"tinyint", "smallint", "mediumint", "int", "integer", "bigint"})
_CSV_TEXT = frozenset({"char", "varchar", "tinytext", "text", "mediumtext", "longtext"})


def _query_csv(db: Database, query: str, types: Sequence[Any]):
    """The rows of ``query`` as an Arrow table, or None when Arrow cannot parse them."""
    _, pa, _ = _pandas()
    import pyarrow.csv as csv

    with tempfile.TemporaryFile() as out:
        db.run(["sql", "-r", "csv", "-q", query], stdout=out)
        out.seek(0)
        try:
            return csv.read_csv(
                out,
                read_options=csv.ReadOptions(use_threads=False),
                parse_options=csv.ParseOptions(newlines_in_values=True),
                convert_options=csv.ConvertOptions(
                    column_types={f"c{i}": t for i, t in enumerate(types)},
                    # dolt writes NULL as nothing and '' as "": only unquoted
                    # emptiness is NULL; the text NULL is a string.
                    null_values=[""],
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=False,
                ),
            )
        except pa.ArrowInvalid:
            return None


def _query_arrow(db: Database, query: str, global_args: Sequence[str] = ()):
    _, _, pq = _pandas()
    with tempfile.TemporaryFile() as out:
        db.run([*global_args, "sql", "-r", "parquet", "-q", query], stdout=out)
        if not out.tell():
            raise DoltError(f"Dolt database '{db.path}': the query returned no result set")
        out.seek(0)
        # No Arrow thread pools: under load they have aborted short-lived stage
        # processes at exit ("terminate called without an active exception").
        return pq.ParquetFile(out, pre_buffer=False).read(use_threads=False)


def _frame(table, types: dict[str, str]) -> pd.DataFrame:
    pd, pa, _ = _pandas()
    data = {}
    for name, column in zip(table.column_names, table.columns):
        sql_type = types.get(name, "")
        nulls = column.null_count > 0
        if pa.types.is_integer(column.type) and nulls:
            unsigned = pa.types.is_uint64(column.type)
            nullable = pd.UInt64Dtype() if unsigned else pd.Int64Dtype()
            series = column.to_pandas(types_mapper={column.type: nullable}.get, use_threads=False)
        else:
            series = column.to_pandas(use_threads=False)
        if sql_type.startswith("tinyint(1)"):
            series = series.astype("boolean" if nulls else bool)
        elif sql_type == "date" and pa.types.is_timestamp(column.type):
            series = series.dt.date.astype(object).where(series.notna(), None)
        data[name] = series
    return pd.DataFrame(data, columns=table.column_names)


# -- writing ------------------------------------------------------------


def _sql_type(series: pd.Series, key: bool) -> str:
    pd, _, _ = _pandas()
    api = pd.api.types
    if api.is_bool_dtype(series.dtype):
        return "boolean"
    if api.is_integer_dtype(series.dtype):
        unsigned = api.is_unsigned_integer_dtype(series.dtype)
        return "bigint unsigned" if unsigned else "bigint"
    if api.is_float_dtype(series.dtype):
        return "double"
    if api.is_datetime64_any_dtype(series.dtype):
        return "datetime(6)"
    values = series.dropna()
    if len(values) and all(_is_date(v) for v in values):
        return "date"
    # Primary keys need a bounded length; other text may be long.
    return "varchar(255)" if key else "longtext"


def _is_date(value: Any) -> bool:
    import datetime

    return isinstance(value, datetime.date) and not isinstance(value, datetime.datetime)


def create_table_sql(table: str, frame: pd.DataFrame, keys: Sequence[str]) -> str:
    """``CREATE TABLE`` for ``frame``'s columns, every identifier quoted."""
    for name in [table, *frame.columns]:
        _check_identifier(name)
    columns = [
        f"{quote_identifier(str(c))} {_sql_type(frame[c], c in keys)}"
        + (" not null" if c in keys else "")
        for c in frame.columns
    ]
    pk = ", ".join(quote_identifier(k) for k in keys)
    return f"create table {quote_identifier(table)} ({', '.join(columns)}, primary key ({pk}))"


def _check_identifier(name: Any) -> None:
    if not isinstance(name, str) or not name or len(name) > MAX_IDENTIFIER:
        raise TableWriteError(
            f"{name!r} cannot name a table or column: use a non-empty string "
            f"of at most {MAX_IDENTIFIER} characters"
        )


def _with_keys(frame: pd.DataFrame, keys: Union[str, Sequence[str], None]) -> tuple[Any, list]:
    """The frame with a named index as columns, and the primary key columns."""
    named_index = [n for n in frame.index.names if n is not None]
    if named_index:
        frame = frame.reset_index()
    if isinstance(keys, str):
        keys = [keys]
    keys = list(keys or named_index)
    missing = [k for k in keys if k not in frame.columns]
    if missing:
        raise TableWriteError(f"primary key column {', '.join(map(repr, missing))} not in frame")
    return frame, keys


def _literals(series: pd.Series) -> pd.Series:
    """Each value of ``series`` as a SQL literal (NULL for missing), column-wise."""
    pd, _, _ = _pandas()
    api = pd.api.types
    missing = series.isna()
    if api.is_bool_dtype(series.dtype):
        text = series.astype(object).map({True: "1", False: "0"})
    elif api.is_integer_dtype(series.dtype):
        text = series.astype(object).astype(str)
    elif api.is_float_dtype(series.dtype):
        values = series[~missing]
        if len(values) and not values.map(math.isfinite).all():
            raise TableWriteError(f"column '{series.name}' holds infinity, which SQL cannot store")
        text = series.astype(object).map(repr)
    elif api.is_datetime64_any_dtype(series.dtype):
        if getattr(series.dt, "tz", None) is not None:
            series = series.dt.tz_convert("UTC").dt.tz_localize(None)
        text = series.dt.strftime("'%Y-%m-%d %H:%M:%S.%f'")
    else:
        text = series.astype(object).where(missing, series.astype(object).map(_text))
        text = "'" + _escape(text.astype(str)) + "'"
    return text.where(~missing, "NULL").astype(str)


def _text(value: Any) -> str:
    return value.isoformat() if _is_date(value) else str(value)


def _escape(text: pd.Series) -> pd.Series:
    return (
        text.str.replace("\\", "\\\\", regex=False)
        .str.replace("'", "''", regex=False)
        .str.replace("\0", "\\0", regex=False)
    )


def _insert_statements(table: str, frame: pd.DataFrame, upsert: bool) -> Iterator[str]:
    names = [quote_identifier(str(c)) for c in frame.columns]
    head = f"insert into {quote_identifier(table)} ({', '.join(names)}) values\n"
    tail = ""
    if upsert:
        tail = " on duplicate key update " + ", ".join(f"{n} = values({n})" for n in names)
    columns = [_literals(frame[c]) for c in frame.columns]
    if not columns or not len(frame):
        return
    rows = "(" + columns[0].str.cat(columns[1:], sep=", ") + ")"
    for start in range(0, len(rows), INSERT_BATCH):
        yield head + ",\n".join(rows.iloc[start : start + INSERT_BATCH]) + tail


def write_table(
    db: Database,
    table: str,
    frame: pd.DataFrame,
    mode: str = "upsert",
    primary_key: Union[str, Sequence[str], None] = None,
) -> None:
    """Write ``frame`` into ``table`` of ``db``'s working set (nothing is committed).

    ``create``: a new table (an error if it exists); ``replace``: the table's
    rows become the frame's; ``upsert``: rows are inserted or updated by
    primary key. A missing table is created for ``replace`` and ``upsert``
    too, with the frame's columns, and ``primary_key`` (or the frame's named
    index) as its key.

    One ``dolt sql --file`` runs the SQL we write, every identifier and value
    quoted here: ``dolt table import`` neither honours ``--branch`` nor quotes
    every column name it puts into SQL.
    """
    if mode not in MODES:
        raise TableWriteError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    _check_identifier(table)
    frame, keys = _with_keys(frame, primary_key)
    exists = table in table_names(db)
    if exists and mode == "create":
        raise TableWriteError(
            f"table '{table}' exists in Dolt database '{db.path}': "
            "use mode='replace' or mode='upsert'"
        )
    if not exists and not keys:
        raise TableWriteError(
            f"table '{table}' is new: say its primary key (primary_key=[...] or a named index)"
        )
    fd, path = tempfile.mkstemp(suffix=".sql", prefix="dvc-dolt-")
    # Writing the SQL can fail too (a value SQL cannot hold): the file goes
    # whatever happens after it exists.
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as script:
            if not exists:
                script.write(create_table_sql(table, frame, keys) + ";\n")
            elif mode == "replace":
                script.write(f"delete from {quote_identifier(table)};\n")
            for statement in _insert_statements(table, frame, upsert=exists and mode == "upsert"):
                script.write(statement + ";\n")
        db.run(["sql", "--file", path])
    finally:
        os.unlink(path)
