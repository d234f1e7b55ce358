"""Dolt's git remotes: a database inside any git repository, under a ref of its own.

Dolt (since 1.81.8) reaches ``git+file|ssh|http|https://`` URLs through the
``git`` binary, so the user's ssh keys and credential helpers apply. The ref
points at a git commit whose tree holds the database's table files; a plain
``git clone`` does not fetch it.
"""

from __future__ import annotations

from .binary import find_dolt, format_version
from .errors import DoltVersionError

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
