"""runner.stream: dolt's stdout read while dolt runs, with run()'s failures."""

import pytest

from dvc_dolt.dolt import DoltCommandError, DoltTimeoutError, runner


def test_rows_stream_and_dolt_is_waited_for(make_db, count_dolt_processes):
    db = make_db("rows", rows=[(i, f"v{i}") for i in range(3, 2000)])
    count_dolt_processes.clear()
    with runner.stream(["sql", "-r", "csv", "-q", "select id from t"], db.path) as out:
        assert out.readline() == b"id\n"
        ids = [int(line) for line in out]
    assert ids == list(range(3, 2000))
    assert count_dolt_processes == [["sql", "-r", "csv", "-q", "select id from t"]]


def test_a_failing_dolt_raises_its_own_words(make_db):
    db = make_db("fails")
    query = ["sql", "-q", "select * from nope"]
    failed = pytest.raises(DoltCommandError, match="table not found: nope")
    with failed as info, runner.stream(query, db.path, context="here") as out:
        assert out.read() == b""
    assert info.value.message.startswith("here: 'dolt sql' failed")


@pytest.mark.timeout(120)
def test_an_error_while_reading_stops_dolt(make_db):
    """Leaving early must not wait for dolt to finish its (here endless) output."""
    db = make_db("stops")
    gave_up = pytest.raises(ValueError, match="reader gave up")
    with gave_up, runner.stream(["sql", "-q", "select sleep(600)"], db.path):
        raise ValueError("reader gave up")


@pytest.mark.timeout(120)
def test_a_dolt_that_hangs_is_killed_at_the_limit(make_db):
    db = make_db("hangs")
    killed = pytest.raises(DoltTimeoutError, match=r"did not finish within 0\.5s")
    with killed, runner.stream(["sql", "-q", "select sleep(600)"], db.path, timeout=0.5) as out:
        out.read()
