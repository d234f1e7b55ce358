"""A database's `.dolt/` folder is Dolt's storage: no dvc command tracks or writes a
path inside it (the DVC extension for VS Code offers an Add button for each of those
files). Real dvc, git and dolt."""

import hashlib
import os
import sys

import pytest
from helpers import commit, dvc, error_lines, git, insert

from dvc_dolt.dolt import Database

DB = "newdb"
MANIFEST = f"{DB}/.dolt/noms/manifest"


def snapshot(root):
    """Every file of the project (git's and DVC's scratch space aside) and its bytes."""
    found = {}
    for folder, dirs, files in os.walk(root):
        rel = os.path.relpath(folder, root)
        skip = (".git", os.path.join(".dvc", "tmp"))
        dirs[:] = [d for d in dirs if os.path.normpath(os.path.join(rel, d)) not in skip]
        for name in files:
            path = os.path.join(folder, name)
            with open(path, "rb") as fobj:
                found[os.path.relpath(path, root)] = hashlib.sha256(fobj.read()).hexdigest()
    return found


def refused_once(proc, *words):
    errors = error_lines(proc)
    assert len(errors) == 1, proc.stderr
    assert f"inside the storage of Dolt database '{DB}'" in errors[0], errors
    for word in words:
        assert word in errors[0], errors
    assert "Traceback" not in proc.stderr


@pytest.fixture
def project(dvc_repo, make_db, monkeypatch, tmp_path):
    make_db(DB, parent=dvc_repo)
    monkeypatch.chdir(dvc_repo)
    (tmp_path / "source.txt").write_text("x\n")
    return dvc_repo


NEW_ENTRIES = [
    (["add", MANIFEST], "`dvc add newdb`"),
    (["add", f"{DB}/.dolt"], "`dvc add newdb`"),
    (["add", f"{DB}/.dolt/noms"], "`dvc add newdb`"),
    (["stage", "add", "-n", "s", "-d", f"{DB}/.dolt/noms", "-o", "out", "echo"], "`-d newdb`"),
    (["stage", "add", "-n", "s", "-o", f"{DB}/.dolt/x", "echo"], "`-o newdb`"),
    (["run", "-n", "s", "-o", f"{DB}/.dolt/x", "echo"], "`-o newdb`"),
    (["import-url", "{source}", f"{DB}/.dolt/h"], "import to a path outside it"),
]


@pytest.mark.timeout(120)
@pytest.mark.parametrize(("args", "instead"), NEW_ENTRIES, ids=[a[0] for a, _ in NEW_ENTRIES])
def test_new_entries_inside_storage_are_refused_and_write_nothing(project, tmp_path, args, instead):
    args = [a.format(source=tmp_path / "source.txt") for a in args]
    before, status = snapshot(project), git(project, "status", "--porcelain")
    refused_once(dvc(project, *args, ok=False), instead)
    assert snapshot(project) == before
    assert git(project, "status", "--porcelain") == status


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    ("args", "instead"),
    [
        (["add", MANIFEST], "`dvc add newdb`"),
        # Without -f, DVC's own confirmation refuses first (and writes nothing either).
        (["commit", "-f", MANIFEST], "`dvc commit newdb`"),
        (["commit", "-f", f"{DB}/.dolt"], "`dvc commit newdb`"),
        (["checkout", MANIFEST], "`dvc checkout newdb`"),
        (["checkout", "-f", f"{DB}/.dolt/noms"], "`dvc checkout newdb`"),
    ],
    ids=["add", "commit -f file", "commit -f dir", "checkout", "checkout -f"],
)
def test_targets_inside_a_tracked_database_storage_are_refused(project, args, instead):
    dvc(project, "add", DB)
    db = Database(project / DB)
    commit_before = db.heads().commit
    insert(db, [(7, "new")])
    commit(db, "moved on")  # so that a checkout or commit would have work to do
    before = snapshot(project)
    refused_once(dvc(project, *args, ok=False), instead)
    assert snapshot(project) == before
    assert db.heads().commit != commit_before


@pytest.mark.timeout(180)
def test_an_existing_record_inside_storage_is_never_written_and_says_how_to_replace_it(project):
    # How such records came to be: plain DVC, or dvc-dolt before it refused them.
    dvc(project, "add", MANIFEST, env={"DVC_DOLT_DISABLE": "1"})
    git(project, "add", f"{MANIFEST}.dvc", f"{DB}/.dolt/noms/.gitignore")
    git(project, "commit", "-qm", "a record inside .dolt")
    db = Database(project / DB)
    insert(db, [(7, "new")])
    commit(db, "moved on")
    manifest = (project / MANIFEST).read_bytes()
    fix = f"run `dvc remove {MANIFEST}.dvc`, then `dvc add {DB}`"

    status = dvc(project, "status")
    assert fix in status.stderr
    checkout = dvc(project, "checkout", "--force")
    assert "not checked out" in checkout.stderr
    assert fix in checkout.stderr
    assert (project / MANIFEST).read_bytes() == manifest  # a live Dolt file, left alone
    assert MANIFEST not in checkout.stdout
    record = (project / f"{MANIFEST}.dvc").read_text()
    refused_once(dvc(project, "commit", "-f", f"{MANIFEST}.dvc", ok=False), fix)
    assert (project / f"{MANIFEST}.dvc").read_text() == record
    assert db.dirty_reasons() == []

    # The way out the message gives works, and keeps the database whole.
    dvc(project, "remove", f"{MANIFEST}.dvc")
    assert not (project / DB / ".dolt" / "noms" / ".gitignore").exists()
    assert (project / MANIFEST).read_bytes() == manifest
    # The record was in git, so DVC asks to take `newdb` out of git first.
    assert "git rm -r --cached 'newdb'" in dvc(project, "add", DB, ok=False).stderr
    git(project, "rm", "-r", "-q", "--cached", DB)
    dvc(project, "add", DB)
    assert dvc(project, "status").stdout.strip() == "Data and pipelines are up to date."


@pytest.mark.timeout(120)
def test_a_stage_in_dvc_yaml_naming_a_storage_path_says_which_stage_to_fix(project):
    # A dvc.yaml written by hand (or before dvc-dolt refused it).
    (project / "dvc.yaml").write_text(
        f"stages:\n  s:\n    cmd: {sys.executable} -c pass\n    deps:\n    - {DB}/.dolt/noms\n"
    )
    proc = dvc(project, "repro", ok=False)
    refused_once(proc, f"in stage 's' of dvc.yaml by '{DB}'")
    assert (project / DB / ".dolt" / "noms" / "manifest").exists()
