"""Dolt's git remotes: a database inside any git repository, under a ref of its own.

Dolt (since 1.81.8) reaches ``git+file|ssh|http|https://`` URLs through the
``git`` binary, so the user's ssh keys and credential helpers apply. The ref
points at a git commit whose tree holds the database's table files; a plain
``git clone`` does not fetch it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Optional

from .binary import find_dolt, format_version
from .errors import DoltVersionError
from .runner import NETWORK_TIMEOUT, _timeout
from .storage import GIT_CACHE_DIR, STORAGE_DIR

GIT_REMOTES_VERSION = (1, 81, 8)

GIT_SCHEMES = ("git+file", "git+ssh", "git+http", "git+https")

# Dolt 2.x also force-pushes a branch of this name, which every `git clone` of
# the repository fetches; an empty value turns it off (1.x ignores it).
INFO_BRANCH_ENV = "DOLT_REMOTE_INFO_BRANCH"


def is_git_url(url: str) -> bool:
    scheme, sep, _ = url.partition("://")
    return bool(sep) and scheme.lower() in GIT_SCHEMES


def git_remote_env() -> dict[str, str]:
    """What every dolt process that talks to a git remote runs with."""
    return {INFO_BRANCH_ENV: ""}


def require_git_remotes() -> None:
    """Raise :class:`DoltVersionError` when the dolt in use has no git remotes."""
    dolt = find_dolt()
    if dolt.version < GIT_REMOTES_VERSION:
        raise DoltVersionError(
            f"git remotes need dolt >= {format_version(GIT_REMOTES_VERSION)}, "
            f"but {dolt.path} is dolt {dolt.version_string}: install a newer dolt "
            "(https://docs.dolthub.com/introduction/installation)"
        )


def stored_bytes(path: str | os.PathLike[str]) -> int:
    """About what a first push of the database sends: the size of its chunk
    store (0 when a release lays it out otherwise)."""
    return _tree_bytes(Path(path, STORAGE_DIR, "noms"))


def _tree_bytes(root: Path) -> int:
    return sum(f.stat().st_size for f in root.rglob("*") if f.is_file() and not f.is_symlink())


def git_cache_bytes(path: str | os.PathLike[str]) -> int:
    """The size of the database's git remote cache (0 when it has none)."""
    return _tree_bytes(Path(path, STORAGE_DIR, GIT_CACHE_DIR))


def drop_git_cache(path: str | os.PathLike[str]) -> int:
    """Delete the database's git remote cache; the bytes it held."""
    cache = Path(path, STORAGE_DIR, GIT_CACHE_DIR)
    size = git_cache_bytes(path)
    # Renamed first: a half-deleted cache is never where dolt looks.
    doomed = cache.with_name(f".{GIT_CACHE_DIR}.deleting-{os.getpid()}")
    try:
        os.rename(cache, doomed)
    except FileNotFoundError:
        return 0
    shutil.rmtree(doomed, ignore_errors=True)
    return size


def keep_git_cache(path: str | os.PathLike[str]) -> None:
    """Make the database's git remote cache, so that a push run in a view of
    the database (:func:`.readonly.view`) fills it through the view's link
    instead of a copy the view takes away: else every push downloads the
    whole ref again."""
    Path(path, STORAGE_DIR, GIT_CACHE_DIR).mkdir(exist_ok=True)


def ref_exists(url: str, ref: str, env: Optional[Mapping[str, str]] = None) -> Optional[bool]:
    """Whether the git repository at ``url`` (a ``git+…`` URL) has ``ref``, asked
    with ``git ls-remote`` as Dolt reaches it; None when git cannot tell."""
    git_url = url.split("+", 1)[1] if is_git_url(url) else url
    try:
        proc = subprocess.run(  # noqa: S603 - argv list, no shell
            ["git", "ls-remote", "--exit-code", git_url, ref],
            capture_output=True,
            text=True,
            check=False,
            stdin=subprocess.DEVNULL,
            timeout=_timeout(NETWORK_TIMEOUT),
            # Never a password prompt: an answer, or none.
            env={**os.environ, **(env or {}), "GIT_TERMINAL_PROMPT": "0"},
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode == 0:
        return True
    return False if proc.returncode == 2 else None
