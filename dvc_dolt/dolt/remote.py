"""Moving commits between a database and a Dolt remote, by pins.

A commit is fetchable from a Dolt remote only when a branch or tag there
reaches it. dvc-dolt pushes every commit it records as the remote branch
``dvc/pin/<commit>``: named by its commit, it never has to move, so it is
never force-pushed and two writers of the same pin agree.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Optional

from . import runner
from .database import Database, pin_branch
from .errors import (
    DoltCommandError,
    DoltError,
    DoltRemoteError,
    PinNotFoundError,
    UnknownCommitError,
)
from .heads import check_hash
from .runner import NETWORK_TIMEOUT, _timeout, redact


def remotes(db: Database) -> dict[str, str]:
    """Remote name -> URL."""
    rows = db.sql("select name as name, url as url from dolt_remotes")[0]
    return {row["name"]: row["url"] for row in rows}


def ensure_remote(db: Database, name: str, url: str, params: Sequence[str] = ()) -> bool:
    """Point remote ``name`` at ``url``; True when something changed.

    ``params`` are extra ``dolt remote add`` flags (e.g. ``--aws-region``).
    """
    current = remotes(db).get(name)
    if current is not None and current.rstrip("/") == url.rstrip("/"):
        return False
    if current is not None:
        # dolt has no `remote set-url`.
        db.run(["remote", "remove", name])
    db.run(["remote", "add", *params, name, url])
    return True


def _network_timeout() -> float:
    return _timeout(NETWORK_TIMEOUT)


def push_pin(db: Database, remote: str, commit: str) -> None:
    """Push ``commit`` to ``remote`` as its pin branch (a no-op when it is there)."""
    check_hash(commit, "commit")
    if not db.has_commit(commit):
        raise UnknownCommitError(f"commit {commit} is not in Dolt database '{db.path}'")
    db.run(
        ["push", remote, f"{commit}:refs/heads/{pin_branch(commit)}"],
        timeout=_network_timeout(),
        error_class=DoltRemoteError,
        context=f"push of commit {commit} of Dolt database '{db.path}' to remote '{remote}'",
    )


def fetch_pin(db: Database, remote: str, commit: str) -> None:
    """Bring ``commit`` into ``db`` from ``remote``; the working set is untouched."""
    check_hash(commit, "commit")
    if db.has_commit(commit):
        return
    url = remotes(db).get(remote, remote)
    try:
        db.run(
            ["fetch", remote, pin_branch(commit)],
            timeout=_network_timeout(),
            error_class=DoltRemoteError,
            context=f"fetch of commit {commit} into Dolt database '{db.path}'",
        )
    except DoltRemoteError as exc:
        if _means_missing_ref(exc):
            raise _pin_missing(db.path, commit, remote, url, exc) from exc
        raise
    # A mistyped file:// remote is created empty and "succeeds"; say so.
    if not db.has_commit(commit):
        raise _pin_missing(db.path, commit, remote, url)


def clone_at(
    url: str,
    path: str | os.PathLike[str],
    commit: str,
    *,
    branch: str = "main",
    remote: str = "origin",
    params: Sequence[str] = (),
) -> Database:
    """Clone only ``commit``'s pin from ``url`` into the missing ``path``.

    The clone ends on ``branch`` at ``commit`` with ``remote`` pointing at
    ``url``, so plain ``dolt pull``/``dolt push`` work inside it.
    """
    check_hash(commit, "commit")
    dest = Path(path)
    if dest.exists():
        raise DoltError(f"cannot clone into '{dest}': it already exists")
    dest.parent.mkdir(parents=True, exist_ok=True)
    pin = pin_branch(commit)
    try:
        runner.run(
            ["clone", "--single-branch", "--remote", remote, "-b", pin, *params, url, str(dest)],
            dest.parent,
            timeout=_network_timeout(),
            error_class=DoltRemoteError,
            context=f"clone of commit {commit} into '{dest}'",
        )
        db = Database(dest)
        db.run(["checkout", "-b", branch])
        # The pin stays on the remote only; a local branch of it would make
        # `dolt push` from it look meaningful.
        db.run(["branch", "-D", pin])
        if db.heads().commit != commit:  # pragma: no cover - a pin never moves
            raise DoltError(f"pin {pin} on '{redact(url)}' does not hold commit {commit}")
    except DoltRemoteError as exc:
        shutil.rmtree(dest, ignore_errors=True)
        if _means_missing_ref(exc):
            raise _pin_missing(dest, commit, remote, url, exc) from exc
        raise
    except DoltError:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    return db


def has_pin(db: Database, remote: str, commit: str) -> bool:
    """Whether ``remote`` holds the pin of ``commit`` (fetches it when it does)."""
    try:
        fetch_pin(db, remote, commit)
    except PinNotFoundError:
        return False
    return True


def _means_missing_ref(exc: DoltCommandError) -> bool:
    text = exc.message.lower()
    return any(
        words in text for words in ("invalid ref spec", "branch not found", "no branches found")
    )


def _pin_missing(
    path: str | os.PathLike[str],
    commit: str,
    remote: str,
    url: str,
    cause: Optional[DoltCommandError] = None,
) -> PinNotFoundError:
    return PinNotFoundError(
        f"commit {commit} of Dolt database '{path}' is not on remote '{remote}' "
        f"({redact(url)}): was it pushed?",
        cause.exec_args if cause else [],
        cause.returncode if cause else None,
    )
