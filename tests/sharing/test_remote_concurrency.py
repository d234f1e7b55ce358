"""Sharing under concurrency, and asking a remote without downloading: parallel
`api.read(rev=...)` in separate processes, and `dvc status -c`."""

from __future__ import annotations

import subprocess
import sys

from helpers import commit, dolt, dvc, git, insert, track

from dvc_dolt.dolt import Database


def _clone(repo, dest):
    git(dest.parent, "clone", "-q", str(repo), str(dest))
    return dest


def _tree(root) -> set[str]:
    """Every path under ``root`` but git's, and DVC's own outside .dvc/tmp/dolt."""
    found = set()
    for path in root.rglob("*"):
        rel = path.relative_to(root).as_posix()
        if rel.split("/")[0] == ".git":
            continue
        if rel.startswith(".dvc/") and not rel.startswith(".dvc/tmp/dolt"):
            continue
        found.add(rel)
    return found


def test_status_cloud_downloads_nothing(pushed_repo, make_db, tmp_path):
    repo = pushed_repo
    # A second database that was never pushed: `missing` in a fresh clone.
    track(repo, make_db, "notes", git_message="notes, not pushed")

    fresh = _clone(repo, tmp_path / "fresh")
    before = _tree(fresh)
    status = dvc(fresh, "status", "-c").stdout
    assert "deleted:            labels" in status
    assert "missing:            notes" in status
    assert _tree(fresh) == before
    assert not (fresh / ".dvc" / "tmp" / "dolt").exists()

    # A workspace database that lacks a pushed commit does not receive it either.
    labels = Database(repo / "labels")
    other = _clone(repo, tmp_path / "other")
    dvc(other, "pull", "labels")
    insert(labels, [(3, "c")])
    new = commit(labels, "new")
    dvc(repo, "commit", "-f", "labels.dvc")
    git(repo, "commit", "-qam", "new labels")
    dvc(repo, "push", "labels.dvc")
    git(other, "pull", "-q", str(repo), "main")
    refs_before = dolt(other / "labels", "branch", "-a")
    assert "deleted:            labels" in dvc(other, "status", "-c", "labels.dvc").stdout
    assert not Database(other / "labels").has_commit(new)
    assert dolt(other / "labels", "branch", "-a") == refs_before


_READ = """
import sys
from dvc_dolt import api
frame = api.read("labels", "t", rev=sys.argv[1])
print(sorted(frame["v"]))
"""


def test_parallel_reads_at_a_revision_in_separate_processes(pushed_repo, tmp_path):
    """Stages running at once read one database at a git revision: the first
    to need it clones it; none may delete another's clone or fail on it."""
    repo = pushed_repo
    labels = Database(repo / "labels")
    first = labels.heads().commit
    insert(labels, [(3, "c")])
    commit(labels, "second")
    dvc(repo, "commit", "-f", "labels.dvc")
    git(repo, "commit", "-qam", "second labels")
    dvc(repo, "push")
    for round_ in range(3):
        fresh = _clone(repo, tmp_path / f"fresh{round_}")
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", _READ, rev],
                cwd=fresh,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for rev in ("HEAD~1", "HEAD", "HEAD~1", "HEAD")
        ]
        results = [(p.communicate(timeout=600), p.returncode) for p in procs]
        for (_, err), code in results:
            assert code == 0, err
        outputs = [out.strip().splitlines()[-1] for (out, _), _ in results]
        assert outputs == ["['a', 'b']", "['a', 'b', 'c']"] * 2
        fetched = fresh / ".dvc" / "tmp" / "dolt" / "fetched"
        assert [p.name for p in fetched.iterdir()] == ["labels"]
        assert Database(fetched / "labels").has_commit(first)
