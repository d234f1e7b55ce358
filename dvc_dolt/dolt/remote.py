"""Moving commits between a database and a Dolt remote, by pins.

A commit is fetchable from a Dolt remote only when a branch or tag there
reaches it. dvc-dolt pushes every commit it records as the remote branch
``dvc/pin/<commit>``: named by its commit, it never has to move, so it is
never force-pushed and two writers of the same pin agree.
"""

from __future__ import annotations

import glob
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
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


def ensure_remote(
    db: Database,
    name: str,
    url: str,
    params: Sequence[str] = (),
    known: Optional[Mapping[str, str]] = None,
) -> bool:
    """Point remote ``name`` at ``url``; True when something changed.

    ``params`` are extra ``dolt remote add`` flags (e.g. ``--aws-region``);
    ``known`` is :func:`remotes`, when the caller has just read it.
    """
    current = (remotes(db) if known is None else known).get(name)
    if current is not None and _same_url(current, url):
        return False
    if current is not None:
        # dolt has no `remote set-url`.
        db.run(["remote", "remove", name])
    db.run(["remote", "add", *params, name, url])
    return True


def remote_named_for(db: Database, url: str, preferred: str, params: Sequence[str] = ()) -> str:
    """The name of a remote of ``db`` at ``url``: an existing one, or ``preferred``."""
    known = remotes(db)
    for name, current in known.items():
        if _same_url(current, url):
            return name
    ensure_remote(db, preferred, url, params, known)
    return preferred


def _same_url(a: str, b: str) -> bool:
    return a.rstrip("/") == b.rstrip("/")


def _network_timeout() -> float:
    return _timeout(NETWORK_TIMEOUT)


def push_pins(
    db: Database,
    remote: str,
    commits: Iterable[str],
    env: Optional[Mapping[str, str]] = None,
) -> list[str]:
    """Push each commit to ``remote`` as its pin branch, in one dolt process.

    Returns the commits whose pin was new on the remote; pins already there
    are left alone (they never move, so they are never forced).
    """
    commits = sorted({check_hash(c, "commit") for c in commits})
    if not commits:
        return []
    try:
        out = db.run(
            ["push", remote, *(f"{c}:refs/heads/{pin_branch(c)}" for c in commits)],
            timeout=_network_timeout(),
            env=env,
            error_class=DoltRemoteError,
            context=f"push of Dolt database '{db.path}' to remote '{remote}'",
        )
    except DoltRemoteError:
        # Asked only now: the common push should not pay a process for it.
        missing = db.missing_commits(commits)
        if missing:
            raise UnknownCommitError(
                f"Dolt database '{db.path}' does not hold commit(s) {', '.join(missing)}; "
                "they cannot be pushed from here"
            ) from None
        raise
    return [c for c in commits if f"-> {pin_branch(c)}" in out]


def push_pin(
    db: Database, remote: str, commit: str, env: Optional[Mapping[str, str]] = None
) -> bool:
    """Push one commit's pin; True when it was new on the remote."""
    return bool(push_pins(db, remote, [commit], env))


def fetch_pins(
    db: Database,
    remote: str,
    commits: Iterable[str],
    env: Optional[Mapping[str, str]] = None,
) -> list[str]:
    """Bring the commits into ``db`` from ``remote``; returns those that were missing.

    Only chunks and remote-tracking refs change: never the working set or
    the current branch.
    """
    wanted = db.missing_commits(commits)
    if not wanted:
        return []
    url = remotes(db).get(remote, remote)
    for commit in wanted:
        # One process per pin: dolt fails a multi-ref fetch as a whole, and
        # we must say which commit is missing. A mistyped file:// remote is
        # created empty and "succeeds", hence the second check.
        if not _fetch_pin_ref(db, remote, commit, env) or not db.has_commit(commit):
            raise _pin_missing(db.path, commit, remote, url)
    return wanted


def _fetch_pin_ref(
    db: Database, remote: str, commit: str, env: Optional[Mapping[str, str]]
) -> bool:
    """Fetch ``commit``'s pin; False when the remote has no such pin."""
    try:
        db.run(
            ["fetch", remote, pin_branch(commit)],
            timeout=_network_timeout(),
            env=env,
            error_class=DoltRemoteError,
            context=f"fetch of commit {commit} into Dolt database '{db.path}'",
        )
    except DoltRemoteError as exc:
        if _means_missing_ref(exc):
            return False
        raise
    return True


def fetch_pin(
    db: Database, remote: str, commit: str, env: Optional[Mapping[str, str]] = None
) -> None:
    """Bring ``commit`` into ``db`` from ``remote``; the working set is untouched."""
    fetch_pins(db, remote, [commit], env)


def clone_at(
    url: str,
    path: str | os.PathLike[str],
    commit: str,
    *,
    branch: str = "main",
    remote: str = "origin",
    params: Sequence[str] = (),
    env: Optional[Mapping[str, str]] = None,
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
    # Clone beside the destination and rename: an interrupted clone (even
    # kill -9) never leaves a half-made database where the next run looks.
    prefix = f".{dest.name}.dvc-dolt-clone-"
    for stale in dest.parent.glob(glob.escape(prefix) + "*"):
        shutil.rmtree(stale, ignore_errors=True)
    # dolt run outside a database probes its temp files by creating and
    # removing ./.dolt/tmp, so two clones sharing a working directory race
    # ("failed to create temp dir"): each clone gets a directory of its own.
    scratch = Path(tempfile.mkdtemp(prefix=prefix, dir=dest.parent))
    work = scratch / "db"
    pin = pin_branch(commit)
    try:
        runner.run(
            ["clone", "--single-branch", "--remote", remote, "-b", pin, *params, url, str(work)],
            scratch,
            timeout=_network_timeout(),
            env=env,
            error_class=DoltRemoteError,
            context=f"clone of commit {commit} into '{dest}'",
        )
        # The pin stays on the remote only; a local branch of it would make
        # `dolt push` from it look meaningful.
        heads = Database(work).rename_branch(pin, branch)
        if heads.commit != commit:  # pragma: no cover - a pin never moves
            raise DoltError(f"pin {pin} on '{redact(url)}' does not hold commit {commit}")
        os.rename(work, dest)
    except DoltRemoteError as exc:
        if _means_missing_ref(exc):
            raise _pin_missing(dest, commit, remote, url, exc) from exc
        raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return Database(dest)


def has_pins(
    db: Database, remote: str, commits: Iterable[str], env: Optional[Mapping[str, str]] = None
) -> bool:
    """Whether ``remote`` holds the pins of all ``commits``.

    Dolt cannot list a remote's branches, so this fetches each pin's ref;
    chunks already in ``db`` are not sent again. Unreachable remotes raise.
    """
    return all(_fetch_pin_ref(db, remote, commit, env) for commit in sorted(set(commits)))


def has_pin(db: Database, remote: str, commit: str) -> bool:
    """Whether ``remote`` holds the pin of ``commit``."""
    return has_pins(db, remote, [commit])


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
    error = PinNotFoundError(
        f"commit {commit} of Dolt database '{path}' is not on remote '{remote}' "
        f"({redact(url)}): was it pushed?",
        cause.exec_args if cause else [],
        cause.returncode if cause else None,
        reason=f"commit {commit} is not on the remote ({redact(url)})",
    )
    error.commit = commit
    return error
