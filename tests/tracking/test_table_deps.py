"""A stage that depends on one table of a Dolt database (`<database>/<table>`)
re-runs exactly when that table's content changes."""

from __future__ import annotations

import json
import sys

import pytest
import yaml
from helpers import (
    COUNT,
    commit,
    dolt,
    dvc,
    error_lines,
    git,
    git_commit,
    insert,
    require_extra,
    sql,
)

from dvc_dolt.dolt import Database
from dvc_dolt.dolt.heads import decode_table_checksum

pytestmark = pytest.mark.timeout(300)


def status(repo) -> str:
    return dvc(repo, "status").stdout


def runs(repo) -> int:
    return len((repo / "runs.log").read_text().splitlines())


def lock_entry(repo, path: str, stage: str = "count") -> dict:
    lock = yaml.safe_load((repo / "dvc.lock").read_text())
    (entry,) = [d for d in lock["stages"][stage]["deps"] if d["path"] == path]
    return entry


def test_lock_records_the_table_hash_and_the_commit(table_repo):
    repo = table_repo
    labels = Database(repo / "labels")
    record = decode_table_checksum(lock_entry(repo, "labels/train")["checksum"])
    assert record.commit == labels.heads().commit
    (row,) = dolt(labels.path, "sql", "-r", "csv", "-q",
                  "select dolt_hashof_table('train') as h").splitlines()[1:]  # fmt: skip
    assert record.table_hash == row
    assert status(repo).strip() == "Data and pipelines are up to date."


def test_a_commit_to_another_table_does_not_count(table_repo):
    repo = table_repo
    labels = Database(repo / "labels")
    insert(labels, [(2, "y")], table="test")
    commit(labels, "only the test table")
    dvc(repo, "commit", "-f", "labels.dvc")  # the database's own record moves on
    assert status(repo).strip() == "Data and pipelines are up to date."
    dvc(repo, "repro")
    assert runs(repo) == 1


def test_a_change_to_the_table_counts(table_repo):
    repo = table_repo
    labels = Database(repo / "labels")
    insert(labels, [(3, "c")], table="train")
    new = commit(labels, "a third training label")
    dvc(repo, "commit", "-f", "labels.dvc")
    assert "labels/train" in status(repo)
    assert "modified" in status(repo)
    dvc(repo, "repro")
    assert runs(repo) == 2
    assert yaml.safe_load((repo / "count.json").read_text())["rows"] == 3
    assert decode_table_checksum(lock_entry(repo, "labels/train")["checksum"]).commit == new
    assert status(repo).strip() == "Data and pipelines are up to date."


def test_a_branch_switch_that_leaves_the_table_equal_does_not_count(table_repo):
    repo = table_repo
    labels = Database(repo / "labels")
    dolt(labels.path, "checkout", "-b", "other")
    insert(labels, [(5, "z")], table="test")
    commit(labels, "other branch: only test")
    record = decode_table_checksum(lock_entry(repo, "labels/train")["checksum"])
    assert labels.heads().commit != record.commit
    out = status(repo)
    assert "labels/train" not in out, out


def test_a_schema_change_counts(table_repo):
    repo = table_repo
    labels = Database(repo / "labels")
    sql(labels, "alter table train add column note text")
    commit(labels, "a column")
    assert "labels/train" in status(repo)


def test_a_dropped_table_is_one_error_naming_it(table_repo):
    repo = table_repo
    labels = Database(repo / "labels")
    sql(labels, "rename table train to training")
    commit(labels, "renamed")
    assert "deleted" in status(repo)
    before = (repo / "dvc.lock").read_text()
    proc = dvc(repo, "repro", ok=False)
    lines = error_lines(proc)
    assert lines, proc.stderr
    assert "labels/train" in lines[0], lines
    assert "Traceback" not in proc.stderr
    assert (repo / "dvc.lock").read_text() == before


def test_status_costs_no_dolt_process_unchanged_and_one_per_database_changed(
    dvc_repo, make_db, monkeypatch, dolt_trace
):
    repo = dvc_repo
    monkeypatch.chdir(repo)
    labels = make_db("labels", parent=repo, table="train")
    for table in ("test", "extra"):
        sql(labels, f"create table {table} (id int primary key, v text)")
    commit(labels, "three tables")
    (repo / "count.py").write_text(COUNT)
    dvc(repo, "stage", "add", "-n", "count", "-d", "count.py", "-d", "labels/train",
        "-d", "labels/test", "-d", "labels/extra",
        "-M", "count.json", f"{sys.executable} count.py")  # fmt: skip
    dvc(repo, "repro")
    dolt_trace.dvc(repo, "status")  # the version probe, once
    dolt_trace.dvc(repo, "status")
    assert dolt_trace.commands() == []

    insert(labels, [(3, "c")], table="train")
    commit(labels, "train moves on")
    dolt_trace.dvc(repo, "status")
    assert [p for p in dolt_trace.commands() if p != "version"] == ["sql"]


@pytest.mark.parametrize("table", ["train-v2", "train set", "tr`ain", "étiquettes_训练"])
def test_table_names_that_need_quoting(dvc_repo, make_db, monkeypatch, table):
    repo = dvc_repo
    monkeypatch.chdir(repo)
    labels = make_db("labels", parent=repo)
    quoted = "`" + table.replace("`", "``") + "`"
    sql(labels, f"create table {quoted} (id int primary key)")
    commit(labels, "an awkward name")
    dvc(repo, "stage", "add", "-n", "use", "-d", f"labels/{table}", "-o", "out.txt",
        "echo used > out.txt")  # fmt: skip
    dvc(repo, "repro")
    record = decode_table_checksum(lock_entry(repo, f"labels/{table}", stage="use")["checksum"])
    (row,) = dolt(labels.path, "sql", "-r", "csv", "-q",
                  f"select dolt_hashof_table('{table.replace(chr(39), chr(39) * 2)}') as h"
                  ).splitlines()[1:]  # fmt: skip
    assert record.table_hash == row
    assert dvc(repo, "status").stdout.strip() == "Data and pipelines are up to date."
    sql(labels, f"insert into {quoted} values (1)")
    commit(labels, "a row")
    assert f"labels/{table}" in dvc(repo, "status").stdout


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("labels/nope", "Dolt database 'labels' has no table 'nope' (tables: t)"),
        ("labels/t/deeper", "names neither a table nor a Dolt database"),
    ],
)
def test_a_path_that_names_no_table_is_one_error(dvc_repo, make_db, monkeypatch, path, says):
    repo = dvc_repo
    monkeypatch.chdir(repo)
    make_db("labels", parent=repo)
    for command in (("stage", "add"), ("run",)):
        proc = dvc(repo, *command, "-n", "use", "-d", path, "-o", "out.txt", "echo x > out.txt",
                   ok=False)  # fmt: skip
        (line,) = error_lines(proc)
        assert path in line, line
        assert says in line, line
        assert "Traceback" not in proc.stderr
        # Nothing written: no stage, no lock, no run.
        assert not (repo / "dvc.yaml").exists()
        assert not (repo / "dvc.lock").exists()
        assert not (repo / "out.txt").exists()


def test_uncommitted_work_on_the_table_is_refused_on_other_tables_not(table_repo):
    repo = table_repo
    labels = Database(repo / "labels")
    # Other tables' uncommitted work: the commit recorded still holds the table read.
    insert(labels, [(8, "w")], table="test")
    (repo / "count.py").write_text(COUNT + "\n# changed\n")
    dvc(repo, "repro", "-s", "count")
    record = decode_table_checksum(lock_entry(repo, "labels/train")["checksum"])
    assert record.commit == labels.heads().commit

    insert(labels, [(9, "v")], table="train")
    before = (repo / "dvc.lock").read_text()
    proc = dvc(repo, "repro", "-s", "count", ok=False)
    (line,) = error_lines(proc)
    assert "cannot record table 'train' of Dolt database 'labels'" in line, line
    assert (repo / "dvc.lock").read_text() == before


def test_lineage_and_read_input_give_the_table_the_stage_read(table_repo):
    require_extra("pandas", "api")
    from dvc_dolt import api

    repo = table_repo
    labels = Database(repo / "labels")
    first = labels.heads().commit
    insert(labels, [(2, "y")], table="test")
    commit(labels, "test only")
    dvc(repo, "commit", "-f", "labels.dvc")
    dvc(repo, "repro")  # nothing to do: the table is equal
    git(repo, "commit", "-qam", "test moved on")
    # Same table content at both revisions, though the database moved on.
    assert api.same_inputs("count", "HEAD~1", "HEAD", repo=repo)

    insert(labels, [(3, "c")], table="train")
    commit(labels, "train moves on")
    dvc(repo, "commit", "-f", "labels.dvc")
    dvc(repo, "repro")
    git(repo, "commit", "-qam", "train moved on")
    assert api.changed_inputs("count", "HEAD~1", "HEAD", repo=repo) == {
        "labels/train": (first, labels.heads().commit)
    }
    old = api.read_input("count", "labels", "train", rev="HEAD~1", repo=repo)
    assert sorted(old["id"]) == [1, 2]
    assert sorted(api.read_input("count", "labels", "train", repo=repo)["id"]) == [1, 2, 3]

    shown = json.loads(dvc(repo, "dolt", "lineage", "--json").stdout)
    (use,) = [u for u in shown if u["stage"] == "count"]
    assert (use["path"], use["table"], use["role"]) == ("labels", "train", "read")
    assert use["commit"] == labels.heads().commit
    assert use["rows"] == 3
    # The rows each revision's run read, side by side.
    before = json.loads(dvc(repo, "dolt", "lineage", "HEAD~1", "count", "--json").stdout)
    assert [(u["table"], u["rows"]) for u in before] == [("train", 2)]
    lines = [line.split() for line in dvc(repo, "dolt", "lineage").stdout.splitlines()]
    assert lines[0][-1] == "Rows"
    assert ["count", "read", "labels/train", labels.heads().commit, "main", "3"] in lines


def test_plain_dvc_still_reads_a_lock_with_table_dependencies(table_repo):
    repo = table_repo
    proc = dvc(repo, "status", env={"DVC_DOLT_DISABLE": "1"}, ok=None)
    assert "Traceback" not in proc.stderr
    assert not error_lines(proc), proc.stderr
    # To plain DVC the table is a path that is not there.
    assert "deleted:            labels/train" in proc.stdout, proc.stdout


def test_temp_experiment_gets_a_database_only_a_table_dependency_names(
    dvc_repo, make_db, monkeypatch
):
    repo = dvc_repo
    monkeypatch.chdir(repo)
    make_db("labels", parent=repo, table="train")
    (repo / ".gitignore").write_text("/labels\n")
    (repo / "count.py").write_text(COUNT)
    (repo / "params.yaml").write_text("seed: 1\n")
    dvc(repo, "stage", "add", "-n", "count", "-d", "count.py", "-d", "labels/train",
        "-p", "seed", "-M", "count.json", f"{sys.executable} count.py")  # fmt: skip
    dvc(repo, "repro")
    git_commit(repo, "baseline")
    dvc(repo, "exp", "run", "--temp", "-S", "seed=2", "-n", "again")
    refs = git(repo, "for-each-ref", "--format=%(refname)", "refs/exps").split()
    (ref,) = [r for r in refs if r.endswith("/again")]
    assert json.loads(git(repo, "show", f"{ref}:count.json")) == {"rows": 2}


# Writes a cached output (the run cache restores only those) from table train.
COPY = COUNT.replace('open("count.json", "w")', 'open("out.json", "w")')


@pytest.mark.parametrize("dep", ["labels/train", "labels"])
def test_back_to_earlier_content_restores_from_the_run_cache(dvc_repo, make_db, monkeypatch, dep):
    repo = dvc_repo
    monkeypatch.chdir(repo)
    labels = make_db("labels", parent=repo, table="train")
    (repo / "count.py").write_text(COPY)
    dvc(repo, "stage", "add", "-n", "count", "-d", "count.py", "-d", dep, "-o", "out.json",
        f"{sys.executable} count.py")  # fmt: skip
    dvc(repo, "repro")
    insert(labels, [(3, "c")], table="train")
    commit(labels, "a third label")
    dvc(repo, "repro")
    assert runs(repo) == 2
    # The first labelling again, as a new commit: same content, other commit.
    sql(labels, "delete from train where id = 3")
    back = commit(labels, "back to two labels")
    proc = dvc(repo, "repro")
    assert "is cached - skipping run" in proc.stdout, proc.stdout
    assert runs(repo) == 2
    assert json.loads((repo / "out.json").read_text()) == {"rows": 2}
    # The record names the commit that holds the data now.
    assert back in (repo / "dvc.lock").read_text()
    assert dvc(repo, "status").stdout.strip() == "Data and pipelines are up to date."


def test_a_stage_that_writes_a_database_never_uses_the_run_cache(dvc_repo, make_db, monkeypatch):
    repo = dvc_repo
    monkeypatch.chdir(repo)
    labels = make_db("labels", parent=repo, table="train")
    make_db("out", parent=repo)
    (repo / "count.py").write_text(COUNT)
    dvc(repo, "stage", "add", "-n", "count", "-d", "count.py", "-d", "labels/train",
        "-o", "out", "-M", "count.json", f"{sys.executable} count.py")  # fmt: skip
    dvc(repo, "repro")
    insert(labels, [(3, "c")], table="train")
    commit(labels, "a third label")
    dvc(repo, "repro")
    sql(labels, "delete from train where id = 3")
    commit(labels, "back to two labels")
    dvc(repo, "repro")
    assert runs(repo) == 3
    assert not (repo / ".dvc" / "cache" / "runs").exists()


def test_dvc_yaml_with_table_and_whole_database_dependencies(dvc_repo, make_db, monkeypatch):
    repo = dvc_repo
    monkeypatch.chdir(repo)
    labels = make_db("labels", parent=repo, table="train")
    sql(labels, "create table test (id int primary key, v text)")
    commit(labels, "a test table")
    make_db("other", parent=repo)
    (repo / "count.py").write_text(COUNT)
    (repo / "dvc.yaml").write_text(
        "stages:\n"
        "  count:\n"
        f"    cmd: {sys.executable} count.py\n"
        "    deps: [count.py, labels/train, labels/test, other]\n"
        "    metrics: [{count.json: {cache: false}}]\n"
    )
    dvc(repo, "repro")
    lock = yaml.safe_load((repo / "dvc.lock").read_text())
    kinds = {d["path"]: d["checksum"].rsplit(".", 1)[-1] for d in lock["stages"]["count"]["deps"]
             if "checksum" in d}  # fmt: skip
    assert kinds == {"labels/train": "dolt-table", "labels/test": "dolt-table", "other": "dolt"}
    # The whole database counts any change; the tables, only their own.
    insert(Database(repo / "other"), [(3, "c")])
    commit(Database(repo / "other"), "other moves on")
    assert "modified:           other" in status(repo)
    dvc(repo, "repro")
    insert(labels, [(5, "e")], table="test")
    commit(labels, "test moves on")
    out = status(repo)
    assert "modified:           labels/test" in out, out
    assert "labels/train" not in out, out
    dvc(repo, "repro")
    assert runs(repo) == 3
