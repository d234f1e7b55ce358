"""Projects that tracked a Dolt database as files with plain DVC keep their data.

The entry recorded in git decides: an ``md5`` entry stays DVC's own file output
(status, gc, checkout as plain DVC does them) until ``dvc add`` re-records the
database by its heads.
"""

import shutil
import sys

import yaml
from helpers import commit, dvc, error_lines, git, git_commit, insert

from dvc_dolt.dolt import Database

PLAIN = {"DVC_DOLT_DISABLE": "1"}
UP_TO_DATE = "Data and pipelines are up to date."


def cached_objects(repo):
    cache = repo / ".dvc" / "cache"
    if not cache.exists():
        return set()
    return {str(p.relative_to(cache)) for p in cache.rglob("*") if p.is_file()}


def entry(repo, dvcfile="labels.dvc"):
    return yaml.safe_load((repo / dvcfile).read_text())["outs"][0]


def files_of(path):
    return {
        str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()
    }


def tracked_as_files(dvc_repo, make_db):
    """Plain DVC tracked 'labels' as files at two git revisions; the first one's sha."""
    db = make_db("labels", parent=dvc_repo)
    dvc(dvc_repo, "add", "labels", env=PLAIN)
    git_commit(dvc_repo, "labels v1, as files")
    first = git(dvc_repo, "rev-parse", "HEAD").strip()
    insert(db, [(3, "c")])
    commit(db, "v2")
    dvc(dvc_repo, "add", "labels", env=PLAIN)
    git_commit(dvc_repo, "labels v2, as files")
    assert entry(dvc_repo)["md5"].endswith(".dir")
    return db, first


def test_md5_entry_stays_a_file_output(dvc_repo, make_db):
    db, _ = tracked_as_files(dvc_repo, make_db)
    heads = db.heads()
    proc = dvc(dvc_repo, "status")
    assert proc.stdout.strip() == UP_TO_DATE
    hints = [line for line in proc.stderr.splitlines() if "dvc add labels" in line]
    assert len(hints) == 1, proc.stderr
    assert "tracked as files" in hints[0]
    # DVC's own status still sees a change to the files.
    insert(db, [(4, "d")])
    commit(db, "v3")
    assert "modified:           labels" in dvc(dvc_repo, "status").stdout
    assert db.heads() != heads


def test_one_hint_per_command(dvc_repo, make_db):
    tracked_as_files(dvc_repo, make_db)
    # gc and a checkout build the output many times (once per revision for gc).
    for args in (["status"], ["gc", "-f", "--all-commits"], ["checkout"]):
        proc = dvc(dvc_repo, *args)
        hints = [line for line in proc.stderr.splitlines() if "dvc add labels" in line]
        assert len(hints) == 1, (args, proc.stderr)


def test_gc_keeps_what_plain_dvc_keeps(dvc_repo, make_db, tmp_path):
    tracked_as_files(dvc_repo, make_db)
    before = cached_objects(dvc_repo)
    assert before
    plain_repo = tmp_path / "plain"
    shutil.copytree(dvc_repo, plain_repo, symlinks=True)
    dvc(plain_repo, "gc", "-w", "-f", env=PLAIN)
    dvc(dvc_repo, "gc", "-w", "-f")
    kept = cached_objects(dvc_repo)
    assert kept == cached_objects(plain_repo)
    assert kept  # the workspace's version of the files
    # With every commit in use, both keep everything.
    dvc(plain_repo, "gc", "-f", "--all-commits", env=PLAIN)
    dvc(dvc_repo, "gc", "-f", "--all-commits")
    assert cached_objects(dvc_repo) == cached_objects(plain_repo) == kept


def test_checkout_of_an_old_revision_restores_the_files(dvc_repo, make_db):
    db, first = tracked_as_files(dvc_repo, make_db)
    dvc(dvc_repo, "gc", "-f", "--all-commits")
    git(dvc_repo, "checkout", "-q", first)
    dvc(dvc_repo, "checkout")
    assert int(db.sql("select count(*) as n from t")[0][0]["n"]) == 2
    assert dvc(dvc_repo, "status").stdout.strip() == UP_TO_DATE


def test_add_converts_and_loses_nothing(dvc_repo, make_db):
    db, first = tracked_as_files(dvc_repo, make_db)
    objects = cached_objects(dvc_repo)
    files = files_of(db.path)
    heads = db.heads()
    dvc(dvc_repo, "add", "labels")
    recorded = entry(dvc_repo)
    assert recorded["checksum"] == heads.checksum
    assert recorded["cache"] is False
    assert "md5" not in recorded
    assert files_of(db.path) == files  # the database is untouched
    assert cached_objects(dvc_repo) == objects  # old objects stay until gc
    assert dvc(dvc_repo, "status").stdout.strip() == UP_TO_DATE
    git_commit(dvc_repo, "labels by heads")
    # The old revisions' objects are still there for a checkout of them.
    dvc(dvc_repo, "gc", "-f", "--all-commits")
    assert cached_objects(dvc_repo) == objects
    # Now recorded by heads: no hint any more.
    assert "dvc add labels" not in dvc(dvc_repo, "status").stderr
    # The revision that recorded files still checks them out.
    git(dvc_repo, "checkout", "-q", first)
    dvc(dvc_repo, "checkout")
    assert int(db.sql("select count(*) as n from t")[0][0]["n"]) == 2


def test_add_refuses_a_dirty_database_and_keeps_the_md5_entry(dvc_repo, make_db):
    db, _ = tracked_as_files(dvc_repo, make_db)
    before = (dvc_repo / "labels.dvc").read_text()
    insert(db, [(9, "uncommitted")])
    proc = dvc(dvc_repo, "add", "labels", ok=False)
    (line,) = error_lines(proc)
    assert "uncommitted changes to table 't'" in line
    assert (dvc_repo / "labels.dvc").read_text() == before


MAKE_DB = """\
import subprocess, sys
def dolt(*args):
    subprocess.run([sys.argv[1], *args], cwd="db", check=True, capture_output=True)
import os
os.makedirs("db")
dolt("init", "-b", "main")
dolt("sql", "-q", "create table t (id int primary key); insert into t values (1), (2)")
dolt("add", "-A")
dolt("commit", "-m", "made")
"""


def test_pipeline_output_recorded_as_files(dvc_repo, dolt_bin, tmp_path):
    repo = dvc_repo
    (repo / "make_db.py").write_text(MAKE_DB)
    dvc(repo, "stage", "add", "-n", "make", "-o", "db",
        f"{sys.executable} make_db.py {dolt_bin.path}", env=PLAIN)  # fmt: skip
    dvc(repo, "repro", env=PLAIN)
    assert yaml.safe_load((repo / "dvc.lock").read_text())["stages"]["make"]["outs"][0][
        "md5"
    ].endswith(".dir")
    git_commit(repo, "db as files")
    objects = cached_objects(repo)
    assert objects
    proc = dvc(repo, "status")
    assert proc.stdout.strip() == UP_TO_DATE
    assert "mark it `type: dolt` in dvc.yaml and run `dvc commit make`" in proc.stderr

    # Marked, but not yet re-recorded: still the files; gc keeps them.
    stages = yaml.safe_load((repo / "dvc.yaml").read_text())
    stages["stages"]["make"]["outs"] = [{"db": {"type": "dolt"}}]
    (repo / "dvc.yaml").write_text(yaml.safe_dump(stages))
    proc = dvc(repo, "status")
    assert proc.stdout.strip() == UP_TO_DATE
    assert "`dvc commit make` records it by its heads" in proc.stderr
    dvc(repo, "gc", "-w", "-f")
    assert cached_objects(repo) == objects

    dvc(repo, "commit", "make")
    out = yaml.safe_load((repo / "dvc.lock").read_text())["stages"]["make"]["outs"][0]
    assert out["checksum"] == Database(repo / "db").heads().checksum
    assert "md5" not in out
    assert cached_objects(repo) == objects
    assert dvc(repo, "status").stdout.strip() == UP_TO_DATE


def test_dependency_recorded_as_files_is_unchanged_until_its_stage_runs(dvc_repo, make_db):
    repo = dvc_repo
    db = make_db("labels", parent=repo)
    (repo / "count.py").write_text("open('count.txt', 'w').write('2')\n")
    dvc(repo, "stage", "add", "-n", "count", "-d", "labels", "-d", "count.py",
        "-o", "count.txt", f"{sys.executable} count.py", env=PLAIN)  # fmt: skip
    dvc(repo, "repro", env=PLAIN)
    lock = yaml.safe_load((repo / "dvc.lock").read_text())["stages"]["count"]
    assert next(d for d in lock["deps"] if d["path"] == "labels")["md5"].endswith(".dir")
    assert dvc(repo, "status").stdout.strip() == UP_TO_DATE
    # The stage runs again: its dependency is recorded by its heads.
    (repo / "count.py").write_text("open('count.txt', 'w').write('two')\n")
    dvc(repo, "repro")
    lock = yaml.safe_load((repo / "dvc.lock").read_text())["stages"]["count"]
    dep = next(d for d in lock["deps"] if d["path"] == "labels")
    assert dep["checksum"] == db.heads().checksum
    assert dvc(repo, "status").stdout.strip() == UP_TO_DATE
