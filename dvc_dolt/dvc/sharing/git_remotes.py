"""A git repository as a DVC remote for databases: no bucket needed.

``dvc remote add NAME <git URL>`` takes every URL form Dolt does
(``git+file|ssh|http|https://``, ``git@host:org/repo.git``,
``https://host/org/repo.git``), and ``git+remote://origin`` names the project's
own git remote, resolved at each command so that a fork or a fresh clone uses
its own. Each database goes under ``refs/dolt/<key>`` there, pins and all; a
plain ``git clone`` downloads none of it.
"""

from __future__ import annotations

import os
import re
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Optional
from urllib.parse import urlsplit

from dvc_dolt.dolt.git_remote import GIT_SCHEMES, git_remote_env, require_git_remotes
from dvc_dolt.dolt.remote import split_credentials
from dvc_dolt.dolt.runner import redact
from dvc_dolt.dvc.errors import DvcDoltError
from dvc_dolt.dvc.layout import git_ref

if TYPE_CHECKING:
    from dvc.repo import Repo

# `git+remote://origin`: the git remote `origin` of the project at hand.
OWN_SCHEME = "git+remote"

# What a DVC remote of these schemes holds: databases, never files.
SCHEMES = (*GIT_SCHEMES, OWN_SCHEME)

# user@host:path, as git and Dolt read it (ssh); a user is required, so that
# local paths with a colon stay local paths.
_SCP_RE = re.compile(r"^(?P<user>[^@/:\s]+)@(?P<host>[^/:\s]+):(?P<path>.+)$")


def git_url_of(url: str) -> Optional[str]:
    """The ``git+…`` URL a DVC remote URL names; None when it names no git remote.

    ``git@host:org/repo.git`` and ``http(s)://…/repo.git`` are rewritten as
    Dolt rewrites them.
    """
    scheme, sep, rest = url.partition("://")
    if sep and scheme.lower() in SCHEMES:
        return f"{scheme.lower()}://{rest}"
    scp = _SCP_RE.match(url)
    if not sep and scp:
        path = scp["path"]
        path = path if path.startswith("/") else f"/./{path}"
        return f"git+ssh://{scp['user']}@{scp['host']}{path}"
    if scheme.lower() in ("http", "https") and urlsplit(url).path.rstrip("/").endswith(".git"):
        return f"git+{scheme.lower()}://{rest}"
    return None


def is_git_remote(url: str) -> bool:
    return git_url_of(url) is not None


def _from_git_config(url: str, root: str) -> Optional[str]:
    """A URL as ``git remote get-url`` prints it, as Dolt reaches it; None: it cannot."""
    found = git_url_of(url)
    if found is not None and not found.startswith(OWN_SCHEME):
        return found
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if sep and scheme in ("file", "ssh", "http", "https"):
        return f"git+{scheme}://{rest}"
    if not sep:  # a path, relative to the repository's root
        path = os.path.abspath(os.path.join(root, os.path.expanduser(url)))
        return "git+" + PurePosixPath(path).as_uri()
    return None


def resolve(repo: Repo, url: str, opened_from: Optional[str] = None) -> str:
    """``url`` as Dolt reaches it: ``git+remote://NAME`` becomes the URL of the
    project's git remote NAME, read now; other git URLs stay as they are.

    A source project of ``dvc import``/``get`` that DVC opened from
    ``opened_from`` without a clone has no remote NAME: its databases are
    in the repository itself."""
    git_url = git_url_of(url) or url
    if not git_url.startswith(f"{OWN_SCHEME}://"):
        return git_url
    name = git_url.partition("://")[2].strip("/") or "origin"
    from dvc.scm import SCMError
    from scmrepo.exceptions import SCMError as GitError

    try:
        scm = repo.scm
        root = scm.root_dir
        found = scm.get_remote_url(name)
    except (SCMError, GitError, AttributeError, NotImplementedError) as exc:
        if not opened_from:
            raise DvcDoltError(
                f"DVC remote '{url}' names the git remote '{name}', but this project's git "
                f"repository has none: add it with `git remote add {name} <url>`"
            ) from exc
        # DVC opened the source repository itself (a bare one, at a revision):
        # its databases are where it was opened from.
        found, root = opened_from, os.getcwd()
    resolved = _from_git_config(found, root)
    if resolved is None:
        raise DvcDoltError(
            f"the git remote '{name}' ({redact(found)}) cannot hold Dolt databases: Dolt "
            "reaches git repositories by path, file://, ssh:// (or user@host:path), "
            "http:// and https://"
        )
    return resolved


def git_remote(url: str, key: str) -> tuple[tuple[str, ...], dict[str, str]]:
    """The ``dolt remote add`` flags and the environment of database ``key`` in
    the git repository at ``url`` (a ``git+…`` URL)."""
    if split_credentials(url)[2] is not None:
        raise DvcDoltError(
            f"git remote '{redact(url)}' has a password in its URL, where Dolt would store "
            "it: remove it and let git's credential helper supply it "
            "(https://git-scm.com/docs/gitcredentials)"
        )
    require_git_remotes()
    return ("--ref", git_ref(key)), git_remote_env()
