"""``exp run --queue``/``--temp``: the databases' commits, noted when DVC stashes the experiment.

A database with uncommitted work is refused: only commits reach the copy in
which the experiment runs (see :mod:`.temp`).
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

from dvc_dolt.dvc.errors import DvcDoltError, dvc_errors
from dvc_dolt.dvc.layout import NOTED_DIR
from dvc_dolt.dvc.project.staging import workspace_database
from dvc_dolt.dvc.project.tracked import database_paths

if TYPE_CHECKING:
    from dvc.repo import Repo


def stash_with(dvc_stash, queue: Any, *args: Any, **kwargs: Any) -> Any:
    """DVC's ``_stash_exp``; first, for a run outside the workspace, note each
    database's commit, which the experiment then reads wherever it runs.

    A database with uncommitted work is refused before DVC stashes anything:
    only commits reach the temporary copy, so the experiment would silently
    run without that work.
    """
    from dvc.repo.experiments.queue.tempdir import TempDirQueue
    from dvc.repo.experiments.queue.workspace import WorkspaceQueue

    if isinstance(queue, WorkspaceQueue) and not isinstance(queue, TempDirQueue):
        return dvc_stash(queue, *args, **kwargs)
    repo = queue.repo
    noted = _note_commits(repo)
    entry = dvc_stash(queue, *args, **kwargs)
    if noted:
        _write_noted(repo, entry.stash_rev, noted)
    return entry


def _note_commits(repo: Repo) -> dict[str, str]:
    """The HEAD commit of each workspace database, by path; refuses dirty ones.

    Through the heads cache: queueing a grid of experiments asks dolt once per
    database, not once per experiment.
    """
    from dvc_dolt.dvc.items.heads import heads_cache_at
    from dvc_dolt.dvc.parallel import in_parallel

    cache = heads_cache_at(repo.tmp_dir)

    def inspect(rel_path: str) -> tuple[str | None, list[str]]:
        db = workspace_database(repo, rel_path)
        if not db.exists:
            return None, []
        with dvc_errors(f"Dolt database '{rel_path}': "):
            heads, reasons = cache.inspect(db)
        return heads.commit, reasons

    paths = database_paths(repo)
    found = dict(zip(paths, in_parallel(inspect, paths)))
    refused = [
        f"Dolt database '{rel_path}': " + "; ".join(reasons)
        for rel_path, (_, reasons) in found.items()
        if reasons
    ]
    if refused:
        raise DvcDoltError(
            "cannot run an experiment outside the workspace: only Dolt commits reach "
            "its temporary copy. Commit the changes (`dolt commit`) first.\n" + "\n".join(refused)
        )
    return {rel_path: commit for rel_path, (commit, _) in found.items() if commit}


def noted_path(repo: Repo, stash_rev: str) -> str:
    return os.path.join(repo.tmp_dir, NOTED_DIR, f"{stash_rev}.json")


def _write_noted(repo: Repo, stash_rev: str, noted: dict[str, str]) -> None:
    write_commits(noted_path(repo, stash_rev), noted)


def read_noted(repo: Repo, stash_rev: str) -> dict[str, str]:
    return read_commits(noted_path(repo, stash_rev))


def write_commits(path: str, commits: dict[str, str]) -> None:
    """A commit by database path, as JSON, replaced at once."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as fobj:
        json.dump(commits, fobj)
    os.replace(tmp, path)


def read_commits(path: str) -> dict[str, str]:
    try:
        with open(path, encoding="utf-8") as fobj:
            found = json.load(fobj)
    except (OSError, ValueError):
        return {}
    if not isinstance(found, dict):
        return {}
    return {k: v for k, v in found.items() if isinstance(k, str) and isinstance(v, str)}
