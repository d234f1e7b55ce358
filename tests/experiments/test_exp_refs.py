"""Running an experiment name again never orphans the earlier experiment's commits."""

from helpers import dolt, dvc, git, require_extra, survives_gc

from dvc_dolt.dolt import Database

require_extra("pandas", "api")


def back_to_baseline(repo):
    git(repo, "checkout", "--", ".")
    dvc(repo, "checkout")


def exp_branch(db, name):
    query = f"select hash from dolt_branches where name = 'dvc/exp/{name}'"
    return dolt(db.path, "sql", "-r", "csv", "-q", query).splitlines()[1]


def test_forced_rerun_of_a_name_keeps_the_earlier_commit(exp_repo):
    repo = exp_repo
    db = Database(repo / "scores")
    dvc(repo, "exp", "run", "-S", "scale=2", "-n", "same")
    first = db.heads().commit
    back_to_baseline(repo)
    assert db.heads().commit != first
    dvc(repo, "exp", "run", "-f", "-S", "scale=3", "-n", "same")
    second = db.heads().commit
    assert second != first
    assert exp_branch(db, "same") == second
    assert survives_gc(db, first)
    # `-f` replaced the first experiment: no revision records its commit any
    # more, so prune lets it go; the experiment that exists keeps its branch.
    proc = dvc(repo, "dolt", "prune")
    assert proc.stdout.splitlines() == [
        f"Deleted branch 'dvc/kept/{first}' of Dolt database 'scores'"
    ]
    assert exp_branch(db, "same") == second


def test_same_name_on_a_new_baseline_keeps_both_experiments(exp_repo):
    repo = exp_repo
    db = Database(repo / "scores")
    dvc(repo, "exp", "run", "-S", "scale=2", "-n", "same")
    first = db.heads().commit
    # DVC also keeps refs/exps/exec/*: pick the experiment's own ref.
    (first_ref,) = [
        ref
        for ref in git(repo, "for-each-ref", "--format=%(refname)", "refs/exps").split()
        if ref.endswith("/same")
    ]
    back_to_baseline(repo)
    (repo / "notes.txt").write_text("a new baseline\n")
    git(repo, "add", "notes.txt")
    git(repo, "commit", "-qm", "new baseline")
    dvc(repo, "exp", "run", "-S", "scale=3", "-n", "same")
    assert survives_gc(db, first)
    assert dvc(repo, "dolt", "prune").stdout.strip() == "Nothing to prune."
    # DVC still knows the first experiment; applying it finds its commit.
    back_to_baseline(repo)
    dvc(repo, "exp", "apply", git(repo, "rev-parse", first_ref).strip())
    assert db.heads().commit == first
