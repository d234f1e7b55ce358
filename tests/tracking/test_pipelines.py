"""Dolt databases as deps and outs of `dvc.yaml` stages: run, repro, lock, run cache."""

import sys

import pytest
import yaml
from helpers import commit, dolt, dvc, error_lines, git, git_commit, insert

from dvc_dolt.dolt import Database, decode_checksum

# The stage: copy the labels into the features database, appending one row per
# run to its `runs` table (so a re-created or reset output would show), and
# count runs in runs.log.
STAGE_SCRIPT = """
import os, subprocess, sys
dolt = os.environ.get("DVC_DOLT_DOLT") or "dolt"
def sql(db, q):
    return subprocess.run([dolt, "sql", "-r", "csv", "-q", q], cwd=db, check=True,
                          capture_output=True, text=True).stdout
labels = sql("labels", "select count(*) as n from t").splitlines()[1]
if not os.path.isdir("features/.dolt"):
    os.makedirs("features", exist_ok=True)
    subprocess.run([dolt, "init", "-b", "main"], cwd="features", check=True, capture_output=True)
    sql("features", "create table runs (n int primary key auto_increment, labels int)")
sql("features", f"insert into runs (labels) values ({labels})")
if os.environ.get("LEAVE_DIRTY") != "1":
    subprocess.run([dolt, "add", "-A"], cwd="features", check=True, capture_output=True)
    subprocess.run([dolt, "commit", "-m", "run"], cwd="features", check=True, capture_output=True)
with open("runs.log", "a") as f:
    f.write("run\\n")
"""


@pytest.fixture
def pipeline_repo(dvc_repo, make_db, dolt_bin, monkeypatch):
    monkeypatch.setenv("DVC_DOLT_DOLT", dolt_bin.path)
    make_db("labels", parent=dvc_repo)
    (dvc_repo / "stage.py").write_text(STAGE_SCRIPT)
    # labels is only a dependency here, so DVC does not git-ignore it.
    (dvc_repo / ".gitignore").write_text("runs.log\n/labels\n")
    return dvc_repo


def runs(repo):
    log = repo / "runs.log"
    return len(log.read_text().splitlines()) if log.exists() else 0


def lock_entries(repo, stage="features"):
    lock = yaml.safe_load((repo / "dvc.lock").read_text())["stages"][stage]
    return {e["path"]: e for e in lock["deps"] + lock["outs"]}


def add_stage(repo, *how):
    py = sys.executable
    return dvc(repo, *how, "-n", "features", "-d", "labels", "-d", "stage.py",
               "-o", "features", f"{py} stage.py")  # fmt: skip


@pytest.mark.parametrize("how", [("run",), ("stage", "add", "--run")])
def test_stage_records_dolt_heads(pipeline_repo, how):
    repo = pipeline_repo
    add_stage(repo, *how)
    assert runs(repo) == 1
    entries = lock_entries(repo)
    labels, features = Database(repo / "labels"), Database(repo / "features")
    assert entries["labels"]["checksum"] == labels.heads().checksum
    assert entries["features"]["checksum"] == features.heads().checksum
    assert "md5" not in entries["labels"]
    assert "md5" not in entries["features"]
    assert entries["stage.py"]["md5"]
    assert not (repo / ".dvc" / "cache").exists()
    assert "/features" in (repo / ".gitignore").read_text().splitlines()
    assert dvc(repo, "status").stdout.strip() == "Data and pipelines are up to date."


def test_run_alias_help(dvc_repo):
    out = dvc(dvc_repo, "run", "--help").stdout
    assert "dvc stage add --run" in out
    assert "--no-exec" in out


def test_run_no_exec(pipeline_repo):
    dvc(pipeline_repo, "run", "--no-exec", "-n", "features", "-d", "labels", "-o", "features",
        "echo never")  # fmt: skip
    assert "features" in yaml.safe_load((pipeline_repo / "dvc.yaml").read_text())["stages"]
    assert runs(pipeline_repo) == 0


def test_repro_reruns_exactly_when_the_database_changes(pipeline_repo):
    repo = pipeline_repo
    add_stage(repo, "run")
    labels, features = Database(repo / "labels"), Database(repo / "features")
    first_features = features.heads().commit

    dvc(repo, "repro")
    assert runs(repo) == 1  # nothing changed: nothing ran

    insert(labels, [(3, "c")])
    commit(labels, "more labels")
    status = dvc(repo, "status").stdout
    assert "changed deps" in status
    assert "modified:           labels" in status
    dvc(repo, "repro")
    assert runs(repo) == 2
    # The output was never deleted or reset: the first run's commit is still in its history.
    assert features.is_ancestor(first_features, "HEAD")
    entries = lock_entries(repo)
    assert decode_checksum(entries["labels"]["checksum"]).commit == labels.heads().commit
    assert entries["features"]["checksum"] == features.heads().checksum
    dvc(repo, "repro")
    assert runs(repo) == 2


def test_switching_dep_branch_reruns(pipeline_repo):
    repo = pipeline_repo
    labels = Database(repo / "labels")
    dolt(labels.path, "checkout", "-b", "fashion")
    insert(labels, [(7, "shoe")])
    commit(labels, "fashion labels")
    dolt(labels.path, "checkout", "main")
    add_stage(repo, "run")
    dolt(labels.path, "checkout", "fashion")
    dvc(repo, "repro")
    assert runs(repo) == 2
    dolt(labels.path, "checkout", "main")
    dvc(repo, "repro")
    assert runs(repo) == 3


def test_run_cache_never_skips_a_dolt_stage(pipeline_repo):
    repo = pipeline_repo
    labels = Database(repo / "labels")
    add_stage(repo, "run")
    first = labels.heads().commit
    insert(labels, [(3, "c")])
    commit(labels)
    dvc(repo, "repro")
    # Back to the first labels: plain DVC would restore the first run from its run cache.
    labels.restore(first)
    dvc(repo, "repro")
    assert runs(repo) == 3
    assert not (repo / ".dvc" / "cache" / "runs").exists()
    dvc(repo, "commit", "-f")
    assert not (repo / ".dvc" / "cache" / "runs").exists()


def test_repro_refuses_to_record_a_dirty_output(pipeline_repo, monkeypatch):
    repo = pipeline_repo
    add_stage(repo, "run")
    lock_before = (repo / "dvc.lock").read_text()
    labels = Database(repo / "labels")
    insert(labels, [(3, "c")])
    commit(labels)
    monkeypatch.setenv("LEAVE_DIRTY", "1")
    proc = dvc(repo, "repro", ok=False)
    (line,) = error_lines(proc)
    assert "cannot record Dolt database 'features'" in line
    assert "uncommitted changes to table 'runs'" in line
    assert (repo / "dvc.lock").read_text() == lock_before
    assert runs(repo) == 2  # the command ran; only the record was refused


def test_dirty_dependency_is_modified(pipeline_repo):
    repo = pipeline_repo
    add_stage(repo, "run")
    insert(Database(repo / "labels"), [(3, "uncommitted")])
    assert "modified:           labels" in dvc(repo, "status").stdout


def test_dag_shows_databases(pipeline_repo):
    add_stage(pipeline_repo, "run")
    dvc(pipeline_repo, "add", "labels")
    dot = dvc(pipeline_repo, "dag", "--dot", "--outs").stdout
    # labels (a .dvc-tracked database) feeds features (a stage's database).
    assert '"labels" -> "features"' in dot


def test_fresh_clone_knows_pipeline_databases(pipeline_repo, tmp_path):
    repo = pipeline_repo
    add_stage(repo, "run")
    git_commit(repo, "pipeline")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    status = dvc(clone, "status").stdout
    assert "deleted:            labels" in status
    assert "deleted:            features" in status
    proc = dvc(clone, "checkout", ok=False)
    assert "Dolt database 'features' does not exist" in proc.stderr
    assert not (clone / ".dvc" / "cache").exists()
