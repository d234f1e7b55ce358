"""``dvc dolt gc``: compact the chunk journal of the Dolt databases a repo tracks
(:mod:`.auto_gc` runs it at the end of ``dvc add``/``dvc commit`` when it pays).

Every dolt process loads the index of its database's chunk journal, which
holds everything written since the last ``dolt gc``: a database filled by
``dolt table import`` pays for it on every command (see
:mod:`dvc_dolt.dolt.journal`). ``dolt gc`` moves the data into table files and
changes no commit, branch or row.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

from dvc_dolt.dolt import Database, DoltError, kept_branch
from dvc_dolt.dolt.git_remote import drop_git_cache, git_cache_bytes
from dvc_dolt.dolt.journal import gc, journal_bytes, keep_unreached, refuse_served
from dvc_dolt.dolt.remote_copy import copy_check
from dvc_dolt.dolt.state import CopyCheck
from dvc_dolt.dvc.errors import DvcDoltError, dvc_errors
from dvc_dolt.dvc.project.tracked import tracked_by_path

if TYPE_CHECKING:
    from dvc.repo import Repo

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Compaction:
    """One database ``dvc dolt gc`` compacted (or, with ``--dry-run``, would)."""

    path: str
    journal: Optional[int]
    seconds: Optional[float] = None
    # Commits DVC records that no branch reached: now on dvc/kept branches.
    kept: tuple[str, ...] = ()
    # With --git-cache: the bytes of its git remote cache, deleted (or not yet).
    git_cache: Optional[int] = None

    def kept_lines(self, dry_run: bool) -> list[str]:
        verb = "Would keep" if dry_run else "Kept"
        return [
            f"{verb} commit {commit} of Dolt database '{self.path}' on branch"
            f" '{kept_branch(commit)}': DVC records it and no branch reaches it"
            for commit in self.kept
        ]


def _select(tracked: dict[str, Any], targets: Sequence[str]) -> list[str]:
    if not targets:
        return sorted(tracked)
    paths = []
    for target in targets:
        path = os.path.abspath(target)
        if path not in tracked and path.endswith(".dvc") and path[:-4] in tracked:
            path = path[:-4]  # `db.dvc` names the database `db`
        if path not in tracked:
            raise DvcDoltError(
                f"'{target}' is not a Dolt database this repository tracks"
                " (`dvc dolt gc` with no target compacts every tracked database)"
            )
        if path not in paths:
            paths.append(path)
    return paths


def compact(
    repo: Repo, targets: Sequence[str] = (), dry_run: bool = False, git_cache: bool = False
) -> list[Compaction]:
    """Run ``dolt gc`` in each selected database; what was done, in order.

    A commit that the workspace, a git revision or an experiment records, and
    that no branch reaches (a hand-made ``dolt reset`` left it), is put on a
    ``dvc/kept/<hash>`` branch first: gc would delete it. Databases not in
    the workspace (not checked out) are skipped with a warning.
    """
    tracked = tracked_by_path(repo)
    selected = _select(tracked, targets)
    recorded = _recorded(repo) if selected else set()
    done = []
    for path in selected:
        if not Database(path).exists:
            rel_path = os.path.relpath(path)
            logger.warning("Dolt database '%s' is not in the workspace: skipped", rel_path)
            continue
        done.append(compact_one(repo, tracked[path], dry_run, recorded, git_cache))
    return done


def _recorded(repo: Repo) -> set[str]:
    from dvc_dolt.dvc.project.records import recorded_commits

    # Any database's record counts for every database, as in `dvc dolt prune`:
    # `dvc move` renames one, and older revisions record it under its old path.
    return set().union(*recorded_commits(repo).values())


def compact_one(
    repo: Repo,
    item: Any,
    dry_run: bool = False,
    recorded: Optional[set[str]] = None,
    git_cache: bool = False,
) -> Compaction:
    """Run ``dolt gc`` in the database of one tracked item, keeping every commit
    the repository records (see :func:`compact`); with ``git_cache``, delete
    the copy of what it fetched from git remotes too."""
    from dvc_dolt.dvc.items.heads import heads_cache, read_heads

    path = os.path.abspath(item.fs_path)
    rel_path = os.path.relpath(path)
    if recorded is None:
        recorded = _recorded(repo)
    heads = item.recorded_heads
    needed = recorded | ({heads.commit} if heads else set())
    db = Database(path)
    journal = journal_bytes(path)
    with dvc_errors(f"cannot compact Dolt database '{rel_path}': "):
        refuse_served(db)
        kept = tuple(keep_unreached(db, needed, dry_run))
        cached = git_cache_bytes(path) if git_cache else None
        if dry_run:
            return Compaction(rel_path, journal, kept=kept, git_cache=cached)
        seconds = gc(db)
        if git_cache:
            cached = drop_git_cache(path)
    # gc rewrote the files the heads cache keys on: refill it now, so that
    # the next `dvc status` starts no dolt process; a first push may copy them.
    now = read_heads(item)
    cache = heads_cache(item)
    if cache is not None:
        # What a first push may copy, asked while the files are as gc left them;
        # a dolt that cannot say only costs that push its speed.
        try:
            check = copy_check(db, now.commit)
        except DoltError as exc:
            check = CopyCheck(now.commit, [f"cannot tell what a copy would send ({exc})"], [])
        cache.mark_compacted(db, check)
    return Compaction(rel_path, journal, seconds, kept, cached)
