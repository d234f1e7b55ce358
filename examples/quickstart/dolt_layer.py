"""A tour of the Dolt layer dvc-dolt stands on, on a throw-away database.

Run it through ``./scripts/demo`` (which installs dvc-dolt and dolt first).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from dvc_dolt.dolt import Database, DirtyDatabaseError, find_dolt
from dvc_dolt.dolt.remote import clone_at, ensure_remote, push_pin
from dvc_dolt.dolt.runner import run


def step(title: str) -> None:
    print(f"\n== {title}")


def dolt(db: Database, *args: str) -> None:
    db.run(list(args))


def isolate_dolt_config(workdir: Path) -> None:
    """A private Dolt config, so the demo needs no `dolt config --global` of yours."""
    home = workdir / "dolt-home"
    home.mkdir()
    os.environ["DOLT_ROOT_PATH"] = str(home)
    for key, value in [
        ("user.name", "dvc-dolt demo"),
        ("user.email", "demo@dvc-dolt.invalid"),
        ("metrics.disabled", "true"),
        ("versioncheck.disabled", "true"),
    ]:
        run(["config", "--global", "--add", key, value], home)


def main(workdir: Path) -> int:
    isolate_dolt_config(workdir)
    binary = find_dolt()
    print(f"dolt {binary.version_string} at {binary.path}")

    step("A Dolt database of labels, hashed by its three heads")
    path = workdir / "labels"
    path.mkdir()
    run(["init", "-b", "main"], path)
    db = Database(path)
    db.sql("create table labels (id int primary key, label varchar(16))")
    db.sql("insert into labels values (1, 'cat'), (2, 'dog'), (3, 'cat')")
    dolt(db, "add", "-A")
    dolt(db, "commit", "-m", "three labels")
    first = db.heads()
    print(f"branch {first.branch}, HEAD commit {first.commit}")
    print(f"checksum: {first.checksum}")

    step("Uncommitted changes are refused with the reason and the fix")
    db.sql("update labels set label = 'dog' where id = 3")
    try:
        db.check_clean("record it")
    except DirtyDatabaseError as exc:
        print(f"ERROR: {exc}")
    dolt(db, "commit", "-am", "relabel 3")
    second = db.heads()
    print(f"committed: checksum is now {second.checksum}")

    step("Row counts between the two commits")
    for table, stat in db.diff_stat(first.commit, second.commit).items():
        print(
            f"{table}: {stat.rows_added} added, {stat.rows_deleted} deleted, "
            f"{stat.rows_modified} modified"
        )

    step("Restore the first commit without losing the second")
    result = db.restore(first.commit)
    print(f"HEAD is {db.heads().commit}; the second commit is kept on branch {result.kept}")

    step("Share a commit through a Dolt remote and clone it back")
    remote = (workdir / "remote").as_uri()
    ensure_remote(db, "dvc", remote)
    push_pin(db, "dvc", second.commit)
    clone = clone_at(remote, workdir / "clone", second.commit)
    print(
        f"clone at {clone.heads().commit} on branch {clone.heads().branch}: "
        f"{'same heads' if clone.heads() == second else 'DIFFERENT heads'}"
    )
    return 0 if clone.heads() == second else 1


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="dvc-dolt-demo-") as tmp:
        sys.exit(main(Path(tmp)))
