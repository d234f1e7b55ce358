"""Tables as pandas DataFrames: read a query or a table, write a frame into a table.

Reads never build Python objects row by row. A whole table comes out of dolt
as CSV (``dolt sql -r csv``), parsed by Arrow while dolt writes it, with column
types taken from the table's schema, which the same dolt process gives first:
dolt writes CSV about twice as fast as Parquet, and it quotes the empty
string, so NULL stays distinct from ``''``. Columns of types that CSV cannot
carry exactly (blobs, JSON, enums, ...) and values Arrow cannot parse (dates
before year 1000) make the read fall back to Parquet (``dolt sql -r
parquet``), which is also how the rows of a free SQL query come out, their
types being known only to dolt.

Writes go through ``dolt table import`` of a CSV that Arrow writes where
import stores exactly what SQL would, and otherwise through SQL that this
module writes column by column, with every identifier and value quoted.
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Any, Optional, Union

from . import runner
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
    return _names(db.sql(f"show full tables{_as_of(rev)}")[0])


def _names(rows: list[dict[str, Any]]) -> list[str]:
    """The tables, not views, of ``show full tables``."""
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
    types: Optional[dict[str, str]] = None
    if rev is None and not columns:
        types, frame = _read_whole_table(db, table)
        if frame is not None:
            return frame
    csv_tried = types is not None
    if types is None:
        types = column_types(db, table, rev)
    wanted = list(columns) if columns else list(types)
    unknown = [c for c in wanted if c not in types]
    if unknown:
        raise TableWriteError(f"table '{table}' has no column {', '.join(map(repr, unknown))}")
    source = f"from {quote_identifier(table)}{_as_of(rev)}"
    arrow = None if csv_tried else _csv_types([types[c] for c in wanted])
    if arrow is not None:
        # Positional aliases: the CSV header then holds no name that needs quoting.
        select = ", ".join(f"{quote_identifier(c)} as c{i}" for i, c in enumerate(wanted))
        result = _query_csv(db, f"select {select} {source}", arrow)
        if result is not None:
            return _frame(result.rename_columns(wanted), types)
    select = ", ".join(quote_identifier(c) for c in wanted)
    return _frame(_query_arrow(db, f"select {select} {source}"), types)


# The columns _csv_types gives an Arrow type, as information_schema says them.
_SQL_CSV_TYPES = (
    "data_type in ('tinyint', 'smallint', 'mediumint', 'int', 'bigint', 'float', 'double',"
    " 'decimal', 'char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'date',"
    " 'datetime', 'timestamp') and (data_type <> 'decimal' or numeric_precision <= 38)"
)


def _read_whole_table(db: Database, table: str) -> tuple[Optional[dict[str, str]], Any]:
    """The column types and rows of a whole table, from one dolt process.

    (types, None) when CSV cannot carry the rows (read them as Parquet), and
    (None, None) when the schema was not found (ask ``describe``).

    The schema comes first, as one JSON value, then the rows, parsed as they
    stream. The rows only come when every column has a CSV type, so a table
    that must be read as Parquet costs no CSV dump.
    """
    where = f"table_schema = database() and table_name = {quote_string(table)}"
    csv_only = f"count(*) > 0 and sum(not ({_SQL_CSV_TYPES})) = 0"
    query = (
        f"set @dvc_dolt_csv = (select {csv_only} from information_schema.columns where {where});\n"
        f"select {csv_only} as csv, json_objectagg(ordinal_position,"
        " json_array(column_name, column_type)) as s"
        f" from information_schema.columns where {where};\n"
        f"select * from {quote_identifier(table)} where @dvc_dolt_csv"
    )
    _, pa, _ = _pandas()
    with _stream(db, ["sql", "-r", "csv", "-q", query]) as out:
        # The header (csv,s), after the empty line a sql-server gives for `set`.
        for header in iter(out.readline, b""):
            if header.rstrip(b"\r\n") == b"csv,s":
                break
        line = out.readline().decode("utf-8")
        fields = next(csv.reader([line]), None)
        if not fields or len(fields) != 2 or not fields[1]:
            return None, None
        flag, schema = fields
        ordered = sorted(json.loads(schema).items(), key=lambda item: int(item[0]))
        types = {name: sql_type.lower() for _, (name, sql_type) in ordered}
        arrow = _csv_types(list(types.values()))
        if flag.lower() not in ("1", "true") or arrow is None:
            return types, None
        try:
            result = _parse_csv(out, dict(zip(types, arrow)))
        except pa.ArrowInvalid:
            return types, None
    if result.column_names != list(types):
        return types, None
    return types, _frame(result, types)


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
    with _stream(db, ["sql", "-r", "csv", "-q", query]) as out:
        try:
            return _parse_csv(out, {f"c{i}": t for i, t in enumerate(types)})
        except pa.ArrowInvalid:
            return None


@contextmanager
def _stream(db: Database, args: list[str]) -> Iterator[IO[bytes]]:
    """dolt's stdout in ``db``, read while dolt writes it (see :func:`runner.stream`)."""
    db._require()
    with runner.stream(
        [*db._global_args, *args], db.path, context=f"Dolt database '{db.path}'"
    ) as out:
        yield out


def _parse_csv(source: IO[bytes], types: dict[str, Any]):
    import pyarrow.csv as pacsv

    # No Arrow thread pools (see _query_arrow): the parse overlaps dolt instead.
    return pacsv.read_csv(
        source,
        read_options=pacsv.ReadOptions(use_threads=False),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types=types,
            # dolt writes NULL as nothing and '' as "": only unquoted
            # emptiness is NULL; the text NULL is a string.
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        ),
    )


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

    The rows go in through ``dolt table import`` of a CSV that Arrow writes,
    which is about twice as fast as SQL, wherever import writes exactly what
    SQL would (see :func:`_importable`). Elsewhere one ``dolt sql --file``
    runs SQL that this module writes, every identifier and value quoted.
    """
    if mode not in MODES:
        raise TableWriteError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    _check_identifier(table)
    frame, keys = _with_keys(frame, primary_key)
    columns = _table_columns(db, table)
    exists = columns is not None
    if exists and mode == "create":
        raise TableWriteError(
            f"table '{table}' exists in Dolt database '{db.path}': "
            "use mode='replace' or mode='upsert'"
        )
    if not exists and not keys:
        raise TableWriteError(
            f"table '{table}' is new: say its primary key (primary_key=[...] or a named index)"
        )
    rows = _importable(db, table, frame, columns)
    if rows is not None:
        _import(db, table, frame, keys, rows, columns is None, mode)
        return
    with _scratch(".sql") as (path, fobj):
        if not exists:
            fobj.write(create_table_sql(table, frame, keys) + ";\n")
        elif mode == "replace":
            fobj.write(f"delete from {quote_identifier(table)};\n")
        for statement in _insert_statements(table, frame, upsert=exists and mode == "upsert"):
            fobj.write(statement + ";\n")
        fobj.close()
        db.run(["sql", "--file", path])


@contextmanager
def _scratch(suffix: str) -> Iterator[tuple[str, IO[str]]]:
    """A temporary file, open for writing, removed whatever happens.

    Writing can fail too (a value SQL cannot hold), so the file goes as soon
    as it exists.
    """
    fd, path = tempfile.mkstemp(suffix=suffix, prefix="dvc-dolt-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fobj:
            yield path, fobj
    finally:
        os.unlink(path)


def _table_columns(db: Database, table: str) -> Optional[list[str]]:
    """The column names of ``table`` (None when ``db`` has no such table), in one process."""
    results = db.sql(
        "show full tables;\n"
        "select column_name as name from information_schema.columns"
        f" where table_schema = database() and table_name = {quote_string(table)}"
        " order by ordinal_position"
    )
    if table not in _names(results[0]):
        return None
    return [row["name"] for row in results[1]]


def _importable(
    db: Database, table: str, frame: pd.DataFrame, columns: Optional[list[str]]
) -> Optional[Any]:
    """``frame`` as an Arrow table when ``dolt table import`` can write it exactly, else None.

    Import writes to the checked-out branch whatever ``--branch`` says; it
    puts names into SQL without escaping backticks; it skips file columns the
    table lacks (matching names case-sensitively); and its CSV reader turns
    ``\\r\\n`` inside a value into ``\\n``. Those cases go through SQL, as do
    databases a sql-server serves: ``dolt sql`` writes through the server.
    """
    if db.branch is not None or not len(frame.columns) or db.server() is not None:
        return None
    names = [table, *frame.columns]
    if not all(isinstance(n, str) and _IMPORT_SAFE_NAME.match(n) for n in names):
        return None
    if len(set(frame.columns)) != len(frame.columns):
        return None
    if columns is not None and not set(frame.columns) <= set(columns):
        return None
    return _arrow_rows(frame)


# No backtick (import does not double it), no line break, no edge space,
# not an option.
_IMPORT_SAFE_NAME = re.compile(r"^(?![-\s])[^`\r\n]*(?<!\s)$")


def _arrow_rows(frame: pd.DataFrame) -> Optional[Any]:
    """Columns as Arrow arrays whose CSV text dolt parses as SQL would the literals.

    None when a text value holds ``\\r\\n``; the same errors as the SQL route
    for values SQL cannot hold.
    """
    pd, pa, _ = _pandas()
    import numpy as np
    import pyarrow.compute as pc

    api = pd.api.types
    arrays = []
    for name in frame.columns:
        series = frame[name]
        if api.is_bool_dtype(series.dtype):
            # 1 and 0, as the SQL literals: "true" would not fit an integer column.
            array = pc.cast(pa.array(series, from_pandas=True), pa.int8())
        elif api.is_integer_dtype(series.dtype):
            array = pa.array(series, from_pandas=True)
        elif api.is_float_dtype(series.dtype):
            if np.isinf(series.to_numpy(dtype="float64", na_value=np.nan)).any():
                raise TableWriteError(f"column '{name}' holds infinity, which SQL cannot store")
            # In its own width: a float32 0.1 is written "0.1", as repr() gives SQL.
            array = pa.array(series, from_pandas=True)
        elif api.is_datetime64_any_dtype(series.dtype):
            if getattr(series.dt, "tz", None) is not None:
                series = series.dt.tz_convert("UTC").dt.tz_localize(None)
            # Microseconds, as datetime(6) and the SQL route keep.
            array = pc.cast(pa.array(series, from_pandas=True), pa.timestamp("us"), safe=False)
        else:
            array = _text_array(series)
            if pc.any(pc.match_substring(array, "\r\n")).as_py():
                return None
        arrays.append(array)
    return pa.Table.from_arrays(arrays, names=list(frame.columns))


def _text_array(series: pd.Series) -> Any:
    """Text values as an Arrow string array, NULL where pandas sees a missing value."""
    pd, pa, _ = _pandas()
    if pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty"):
        return pa.array(series, type=pa.large_string(), from_pandas=True)
    missing = series.isna().to_numpy()
    values = [None if gone else _text(v) for v, gone in zip(series.astype(object), missing)]
    return pa.array(values, type=pa.large_string())


def _import(
    db: Database,
    table: str,
    frame: pd.DataFrame,
    keys: Sequence[str],
    rows: Any,
    new: bool,
    mode: str,
) -> None:
    import pyarrow.csv as pacsv

    with _scratch(".csv") as (data, fobj):
        fobj.close()
        # Arrow quotes every text value and leaves NULL unquoted and empty:
        # dolt reads "" as the empty string and nothing as NULL.
        pacsv.write_csv(rows, data)
        if new:
            with _scratch(".sql") as (schema, sql):
                sql.write(create_table_sql(table, frame, keys) + ";\n")
                sql.close()
                db.run(["table", "import", "-c", "--schema", schema, table, data])
        else:
            how = "-r" if mode == "replace" else "-u"
            db.run(["table", "import", how, table, data])
