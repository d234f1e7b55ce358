"""Branches `dvc/exp/<name>`: made only in the databases an experiment wrote,
moved by `dvc exp rename`, dropped by `dvc exp remove` (its commit kept
wherever a git revision, a user's branch or a kept branch still needs it)."""

import sys

import pytest
from helpers import (
    dolt,
    dvc,
    error_lines,
    git,
    git_commit,
    require_extra,
    survives_gc,
    wait_for_queue,
)

from dvc_dolt.dolt import Database

require_extra("pandas", "api")

# A second stage: a copy of labels in database mirror. No parameter: an
# experiment that changes `scale` leaves it (and its commit) as it was.
MIRROR = """\
from dvc_dolt import api

api.save(api.read("labels", "t"), "mirror", "t", primary_key="id", message="mirror")
"""


def exp_branches(db):
    query = "select name, hash from dolt_branches where name like 'dvc/exp/%'"
    rows = dolt(db.path, "sql", "-r", "csv", "-q", query).splitlines()[1:]
    return dict(line.split(",") for line in rows)


def all_branches(db):
    return sorted(Database(db.path).branches())


def exp_ref(repo, name):
    refs = git(repo, "for-each-ref", "--format=%(refname)", "refs/exps").split()
    (ref,) = [r for r in refs if r.endswith("/" + name) and "/exec/" not in r]
    return ref


@pytest.fixture
def two_stages(exp_repo, make_db):
    """exp_repo plus a stage `mirror` that writes database mirror from labels."""
    repo = exp_repo
    make_db("mirror", parent=repo, rows=[], table="placeholder")
    (repo / "mirror.py").write_text(MIRROR)
    dvc(repo, "stage", "add", "-n", "mirror", "-d", "mirror.py", "-d", "labels",
        "-o", "mirror", f"{sys.executable} mirror.py")  # fmt: skip
    dvc(repo, "repro")
    git_commit(repo, "mirror stage")
    return repo


def databases(repo):
    return (Database(repo / name) for name in ("labels", "mirror", "scores"))


@pytest.mark.timeout(300)
def test_workspace_run_branches_only_the_database_it_changed(two_stages):
    repo = two_stages
    labels, mirror, scores = databases(repo)
    mirrored = mirror.heads().commit
    dvc(repo, "exp", "run", "-S", "scale=2", "-n", "double")
    assert exp_branches(scores) == {"dvc/exp/double": scores.heads().commit}
    # labels is only read (its .dvc file records it), mirror's stage did not run.
    assert mirror.heads().commit == mirrored
    assert exp_branches(labels) == {}
    assert exp_branches(mirror) == {}


@pytest.mark.timeout(300)
def test_temp_run_branches_only_the_database_it_changed(two_stages):
    repo = two_stages
    labels, mirror, scores = databases(repo)
    dvc(repo, "exp", "run", "--temp", "-S", "scale=2", "-n", "double")
    made = exp_branches(scores)["dvc/exp/double"]
    assert made in git(repo, "show", f"{exp_ref(repo, 'double')}:dvc.lock")
    assert exp_branches(labels) == {}
    assert exp_branches(mirror) == {}


@pytest.mark.timeout(600)
def test_queued_run_branches_what_it_changed_and_remove_drops_it(exp_repo):
    repo = exp_repo
    labels, scores = Database(repo / "labels"), Database(repo / "scores")
    dvc(repo, "exp", "run", "--queue", "-S", "scale=5", "-n", "five")
    try:
        dvc(repo, "exp", "run", "--run-all")
        assert wait_for_queue(repo, ["five"]) == {"five": "Success"}
    finally:
        dvc(repo, "queue", "stop", "--kill", ok=None)
    made = exp_branches(scores)["dvc/exp/five"]
    assert exp_branches(labels) == {}

    # Removing what is only queued touches no branch.
    dvc(repo, "exp", "run", "--queue", "-S", "scale=6", "-n", "six")
    dvc(repo, "exp", "remove", "--queue")
    assert exp_branches(scores) == {"dvc/exp/five": made}

    dvc(repo, "exp", "remove", "five")
    assert exp_branches(scores) == {}
    assert not survives_gc(scores, made)


@pytest.mark.timeout(300)
def test_rename_moves_the_branch(exp_repo):
    repo = exp_repo
    labels, scores = Database(repo / "labels"), Database(repo / "scores")
    dvc(repo, "exp", "run", "--temp", "-S", "scale=2", "-n", "double")
    made = exp_branches(scores)["dvc/exp/double"]
    dvc(repo, "exp", "rename", "double", "twice")
    assert exp_branches(scores) == {"dvc/exp/twice": made}
    assert exp_branches(labels) == {}
    # Nothing is left for prune, and the renamed experiment still applies.
    assert dvc(repo, "dolt", "prune").stdout.strip() == "Nothing to prune."
    dvc(repo, "exp", "apply", "twice")
    assert scores.heads().commit == made


@pytest.mark.timeout(600)
def test_remove_by_name_ref_rev_and_all_drops_the_branches(exp_repo):
    repo = exp_repo
    scores = Database(repo / "scores")

    def run(name, scale):
        dvc(repo, "exp", "run", "-S", f"scale={scale}", "-n", name)
        return exp_branches(scores)[f"dvc/exp/{name}"]

    a, b = run("a", 2), run("b", 3)
    dvc(repo, "exp", "remove", "a")
    assert exp_branches(scores) == {"dvc/exp/b": b}
    dvc(repo, "exp", "remove", exp_ref(repo, "b"))
    assert exp_branches(scores) == {}
    # Workspace runs commit on the checked-out branch: it still reaches both.
    assert survives_gc(scores, a)
    assert survives_gc(scores, b)

    run("c", 4)
    dvc(repo, "exp", "remove", "--rev", "HEAD")
    assert exp_branches(scores) == {}

    run("d", 5)
    git(repo, "commit", "-qam", "a new baseline")
    run("e", 6)
    dvc(repo, "exp", "remove", "-A")
    assert exp_branches(scores) == {}
    assert not [b for b in all_branches(scores) if b.startswith("dvc/")]
    assert dvc(repo, "dolt", "prune").stdout.strip() == "Nothing to prune."


@pytest.mark.timeout(300)
def test_remove_keeps_a_commit_a_git_revision_records(exp_repo):
    repo = exp_repo
    scores = Database(repo / "scores")
    dvc(repo, "exp", "run", "--temp", "-S", "scale=2", "-n", "double")
    made = exp_branches(scores)["dvc/exp/double"]
    dvc(repo, "exp", "apply", "double")
    git(repo, "commit", "-qam", "applied double")
    git(repo, "checkout", "-q", "HEAD~1")
    dvc(repo, "checkout")
    # Only the experiment's branch reaches its commit, which `main` records.
    assert scores.heads().commit != made
    assert all_branches(scores) == ["dvc/exp/double", "main"]

    dvc(repo, "exp", "remove", "double")
    assert all_branches(scores) == [f"dvc/kept/{made}", "main"]
    assert survives_gc(scores, made)
    git(repo, "checkout", "-q", "main")
    dvc(repo, "checkout")
    assert scores.heads().commit == made


@pytest.mark.timeout(300)
def test_remove_leaves_the_branch_checked_out(exp_repo):
    repo = exp_repo
    scores = Database(repo / "scores")
    dvc(repo, "exp", "run", "--temp", "-S", "scale=2", "-n", "double")
    made = exp_branches(scores)["dvc/exp/double"]
    dolt(scores.path, "checkout", "dvc/exp/double")
    proc = dvc(repo, "exp", "remove", "double")
    assert "dvc/exp/double" in proc.stderr + proc.stdout
    assert exp_branches(scores) == {"dvc/exp/double": made}
    assert scores.heads().branch == "dvc/exp/double"


@pytest.mark.timeout(400)
def test_a_name_on_two_baselines_keeps_the_branch_of_the_other(exp_repo):
    repo = exp_repo
    scores = Database(repo / "scores")
    dvc(repo, "exp", "run", "--temp", "-S", "scale=2", "-n", "same")
    first_ref = exp_ref(repo, "same")
    (repo / "notes.txt").write_text("a new baseline\n")
    git(repo, "add", "notes.txt")
    git(repo, "commit", "-qm", "new baseline")
    dvc(repo, "exp", "run", "--temp", "-S", "scale=3", "-n", "same")
    second = exp_branches(scores)["dvc/exp/same"]

    # The branch holds the second experiment's commit: renaming or removing
    # the first leaves it.
    dvc(repo, "exp", "rename", first_ref, "early")
    assert exp_branches(scores) == {"dvc/exp/same": second}
    dvc(repo, "exp", "remove", "early")
    assert exp_branches(scores) == {"dvc/exp/same": second}
    dvc(repo, "exp", "remove", "same")
    assert exp_branches(scores) == {}


@pytest.mark.timeout(300)
def test_remove_says_which_branch_it_could_not_drop(exp_repo):
    repo = exp_repo
    scores = Database(repo / "scores")
    dvc(repo, "exp", "run", "--temp", "-S", "scale=2", "-n", "double")
    made = exp_branches(scores)["dvc/exp/double"]
    manifest = scores.path / ".dolt" / "noms" / "manifest"
    saved = manifest.read_bytes()
    manifest.write_text("garbage\n")
    proc = dvc(repo, "exp", "remove", "double", ok=False)
    lines = error_lines(proc)
    assert lines[0].startswith("ERROR: the experiments are removed, but not all their Dolt"), lines
    assert "`dvc dolt prune` deletes them later" in lines[0]
    assert "Dolt database 'scores'" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert "double" not in dvc(repo, "exp", "list").stdout

    manifest.write_bytes(saved)
    assert exp_branches(scores) == {"dvc/exp/double": made}
    proc = dvc(repo, "dolt", "prune")
    assert proc.stdout.splitlines() == ["Deleted branch 'dvc/exp/double' of Dolt database 'scores'"]
