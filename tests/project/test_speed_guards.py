"""How many dolt processes a DVC command starts (counted, not timed)."""

from dvc.cli import main
from helpers import commit, dvc, insert


def run_in_process(repo, monkeypatch, *args):
    monkeypatch.chdir(repo)
    assert main(list(args)) == 0


def _three_changed_databases(repo, make_db) -> None:
    """Databases a, b and c, tracked, then each given a commit."""
    dbs = [make_db(name, parent=repo) for name in ("a", "b", "c")]
    dvc(repo, "add", "a", "b", "c")
    for db in dbs:
        insert(db, [(3, "c")])
        commit(db)


def test_noop_status_starts_no_dolt(dvc_repo, make_db, monkeypatch, count_dolt_processes):
    dbs = [make_db(name, parent=dvc_repo) for name in ("a", "b", "c")]
    dvc(dvc_repo, "add", "a", "b", "c")
    count_dolt_processes.clear()
    run_in_process(dvc_repo, monkeypatch, "status")
    assert count_dolt_processes == []

    # One database changes: one dolt process, for that database only.
    insert(dbs[1], [(3, "c")])
    commit(dbs[1])
    count_dolt_processes.clear()
    run_in_process(dvc_repo, monkeypatch, "status")
    assert len(count_dolt_processes) == 1
    count_dolt_processes.clear()
    run_in_process(dvc_repo, monkeypatch, "status")
    assert count_dolt_processes == []


def test_add_is_one_dolt_process_per_database(dvc_repo, make_db, monkeypatch, count_dolt_processes):
    make_db("a", parent=dvc_repo)
    make_db("b", parent=dvc_repo)
    count_dolt_processes.clear()
    run_in_process(dvc_repo, monkeypatch, "add", "a", "b")
    assert len(count_dolt_processes) == 2


def test_status_asks_each_changed_database_once(
    dvc_repo, make_db, monkeypatch, count_dolt_processes
):
    """Changed databases are asked in parallel before DVC's status reads them in
    turn: still one process each, and every one reported."""
    _three_changed_databases(dvc_repo, make_db)
    count_dolt_processes.clear()
    run_in_process(dvc_repo, monkeypatch, "status")
    assert len(count_dolt_processes) == 3
    count_dolt_processes.clear()
    proc = dvc(dvc_repo, "status")
    for name in ("a", "b", "c"):
        assert f"{name}.dvc:" in proc.stdout


def test_status_collects_databases_to_ask_only_once_one_is_not_on_file(
    dvc_repo, make_db, monkeypatch, count_dolt_processes
):
    """Collecting what to ask in parallel costs DVC's stage collection once more:
    a status whose databases are all on file skips it."""
    from dvc_dolt.dvc import parallel
    from dvc_dolt.dvc.tracking import status

    collected: list[int] = []
    asked_together: list[int] = []
    warm, run_all = status._warm, parallel.in_parallel

    def warm_spy(*args):
        collected.append(1)
        return warm(*args)

    def run_all_spy(fn, items, *args):
        asked_together.append(len(items))
        return run_all(fn, items, *args)

    monkeypatch.setattr(status, "_warm", warm_spy)
    monkeypatch.setattr(parallel, "in_parallel", run_all_spy)
    dbs = [make_db(name, parent=dvc_repo) for name in ("a", "b", "c")]
    dvc(dvc_repo, "add", "a", "b", "c")
    run_in_process(dvc_repo, monkeypatch, "status")
    assert collected == []
    for db in dbs:
        insert(db, [(3, "c")])
        commit(db)
    count_dolt_processes.clear()
    run_in_process(dvc_repo, monkeypatch, "status")
    assert collected == [1]
    assert asked_together == [3]
    assert len(count_dolt_processes) == 3


def test_a_status_of_targets_asks_only_their_databases(
    dvc_repo, make_db, monkeypatch, count_dolt_processes
):
    _three_changed_databases(dvc_repo, make_db)
    count_dolt_processes.clear()
    run_in_process(dvc_repo, monkeypatch, "status", "a.dvc", "b")
    assert len(count_dolt_processes) == 2
    proc = dvc(dvc_repo, "status", "c.dvc")
    assert "c.dvc:" in proc.stdout
    assert "a.dvc:" not in proc.stdout
