"""A database's first push to a git remote: what a git host takes, whose
history the ref holds, what to do when the repository has no branch yet.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

from dvc_dolt.dolt.git_remote import keep_git_cache, stored_bytes
from dvc_dolt.dolt.remote import has_remote, holds_history, params_dict
from dvc_dolt.dvc.errors import DvcDoltError
from dvc_dolt.dvc.project.staging import remotes_cache

if TYPE_CHECKING:
    from dvc.repo import Repo

    from dvc_dolt.dolt import Database
    from dvc_dolt.dvc.sharing.remotes import DoltRemoteSpec
    from dvc_dolt.dvc.sharing.routes import Route

logger = logging.getLogger(__name__)

# What a git host takes in one push: GitHub refuses more than 2 GiB.
PUSH_LIMIT_ENV = "DVC_DOLT_GIT_PUSH_LIMIT"
PUSH_LIMIT = 2 * 1024**3


def before_git_push(repo: Repo, db: Database, spec: DoltRemoteSpec, route: Route) -> bool:
    """Ready ``db`` for a push to a git remote; whether it is its first there
    (before its Dolt remote is added: no dolt process while the cache knows)."""
    first = not has_remote(db, spec.url, spec.params, remotes_cache(repo.tmp_dir))
    if first:
        warn_if_too_big(route.rel_path, stored_bytes(db.path), route.where)
    keep_git_cache(db.path)
    return first


def push_limit() -> int:
    try:
        return int(os.environ.get(PUSH_LIMIT_ENV, "") or PUSH_LIMIT)
    except ValueError:
        return PUSH_LIMIT


def warn_if_too_big(rel_path: str, size: int, where: str) -> None:
    """Before a database's first push to a git remote: say when it sends more
    than a git host takes in one push (it goes on: some hosts take it)."""
    limit = push_limit()
    if size <= limit:
        return
    logger.warning(
        "Dolt database '%s' holds %s: its first push to git remote '%s' sends about that "
        "in one git push, and git hosts refuse pushes over their limit (GitHub: 2 GiB; "
        "%s=%d here). A bucket remote suits a database this large.",
        rel_path,
        _gib(size),
        where,
        PUSH_LIMIT_ENV,
        limit,
    )


def _gib(size: int) -> str:
    return f"{size / 1024**3:.1f} GiB" if size >= 1024**3 else f"{size / 1024**2:.0f} MiB"


def with_hint(why: str) -> str:
    """Dolt's words for a failed push to a git remote, with what to do."""
    if "has no branches" in why:
        return why + " (push a branch of the project there first: `git push <remote> main`)"
    return why


def first_push_pins(db: Database, name: str, spec: DoltRemoteSpec, commits: set[str]) -> set[str]:
    """The pins of a database's first push to a git remote: ``commits`` and the
    first commits of their history, which tell the next database that pushes
    there whether it shares this history.

    Refuses a ref that holds another database's history: pushing would mix
    the two, and every clone of either would download both.
    """
    roots = set(db.root_commits(commits))
    if roots and holds_history(db, name, roots, spec.env, spec.user) is False:
        ref = params_dict(spec.params).get("git_ref", "its ref")
        raise DvcDoltError(
            f"{ref} there holds another database's history (no pin of this database's "
            f"first commit {min(roots)}): pushing would mix the two. If that ref is "
            f"stale, delete it (`git push <remote> :{ref}`) and push again"
        )
    return commits | roots
