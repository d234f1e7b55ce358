"""Running dolt: argv, errors in dolt's words, time limits, no credentials shown."""

import subprocess
import sys

import pytest
from helpers import free_port

from dvc_dolt.dolt import DoltCommandError, DoltTimeoutError
from dvc_dolt.dolt.runner import (
    dolt_env,
    first_meaningful_line,
    quote_identifier,
    quote_string,
    redact,
    redact_argv,
    run,
    sql,
)


def test_sql_error_carries_dolts_message(make_db):
    db = make_db()
    with pytest.raises(DoltCommandError) as info:
        sql("select * from no_such_table", db.path, context="db 'x'")
    message = str(info.value)
    assert message == "db 'x': 'dolt sql' failed: table not found: no_such_table"
    assert info.value.returncode == 1
    assert info.value.exec_args[:2] == ["dolt", "sql"]


@pytest.mark.skipif(
    sys.version_info >= (3, 12), reason="doltcli is a dependency on CPython < 3.12 only"
)
def test_command_error_is_a_doltcli_exception(make_db):
    from doltcli import DoltException

    db = make_db()
    with pytest.raises(DoltException):
        run(["checkout", "no-such-branch"], db.path)


def test_multi_statement_json(make_db):
    db = make_db(rows=[(1, "a"), (2, None)])
    results = sql("select id, v from t order by id; select * from t where id > 9", db.path)
    assert results == [[{"id": 1, "v": "a"}, {"id": 2}], []]


def test_identifier_and_string_quoting_round_trip(make_db):
    db = make_db()
    name = "we`ird 'tab\"le"
    value = "it's a \\ back'slash"
    sql(f"create table {quote_identifier(name)} (v text)", db.path)
    sql(f"insert into {quote_identifier(name)} values ({quote_string(value)})", db.path)
    rows = sql(f"select v as v from {quote_identifier(name)}", db.path)[0]
    assert rows == [{"v": value}]


def test_timeout_stops_dolt(make_db):
    db = make_db()
    with pytest.raises(DoltTimeoutError, match=r"did not finish within 1s"):
        run(["sql-server", "-H", "127.0.0.1", "-P", str(free_port())], db.path, timeout=1)


def test_metrics_flush_is_disabled():
    assert dolt_env()["DOLT_DISABLE_EVENT_FLUSH"] == "1"


def test_first_meaningful_line_skips_progress():
    spinner = "- Fetching...\b\b\b\b\b\b\b\b\b\b\b\b\b\\ Fetching...\b\b\b\b"
    out = spinner + "could not access dolt url 'http://x': connection refused\n"
    assert first_meaningful_line("\b\b   \b\b", out) == (
        "could not access dolt url 'http://x': connection refused"
    )
    assert first_meaningful_line("\x1b[1A\x1b[J3 of 18 chunks\nerror: boom\nusage: ...") == "boom"
    assert first_meaningful_line("", "") == ""


def test_redaction():
    assert redact("https://bob:hunter2@host/db") == "https://***@host/db"
    assert redact("no creds: https://host/db") == "no creds: https://host/db"
    argv = ["dolt", "push", "--password", "hunter2", "--token=abc", "https://u:p@h/x"]
    assert redact_argv(argv) == [
        "dolt",
        "push",
        "--password",
        "***",
        "--token=***",
        "https://***@h/x",
    ]


def test_trace_file_lists_every_dolt_process(make_db, tmp_path, monkeypatch):
    import json

    db = make_db()
    trace = tmp_path / "trace.jsonl"
    monkeypatch.setenv("DVC_DOLT_TRACE", str(trace))
    db.heads()
    db.dirty_reasons()
    lines = [json.loads(line) for line in trace.read_text().splitlines()]
    assert len(lines) == 2
    assert all(entry["argv"][:2] == ["dolt", "sql"] for entry in lines)
    assert lines[0]["cwd"] == str(db.path)


def test_command_errors_need_no_doltcli(make_db):
    # As on CPython 3.12+, where doltcli is not installed: its import fails.
    db = make_db()
    code = f"""
import sys
sys.modules["doltcli"] = None
from dvc_dolt.dolt import DoltCommandError
from dvc_dolt.dolt.runner import run
try:
    run(["checkout", "no-such-branch"], {str(db.path)!r})
except DoltCommandError as exc:
    print(exc.exec_args[1], exc.exitcode, [c.__name__ for c in type(exc).__mro__])
"""
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().split(maxsplit=2) == [
        "checkout",
        "1",
        "['DoltCommandError', 'DoltError', 'Exception', 'BaseException', 'object']",
    ]
