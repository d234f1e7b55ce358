"""The first ``dvc push`` of a database to a remote copies its table files.

Where the remote lacks the database and the files hold exactly what the push
sends (see :mod:`dvc_dolt.dolt.remote_copy`), they are copied as they are:
seconds for a database that ``dolt push`` walks chunk by chunk for minutes.
Anything else pushes the pins as usual, and ``dvc push -v`` says why. The
first push costs the dolt processes it always did: what may be copied was
asked by the compaction, while the files were as it left them.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Optional
from urllib.parse import unquote, urlsplit

from dvc_dolt.dolt import DoltError
from dvc_dolt.dolt.git_remote import is_git_url, ref_exists
from dvc_dolt.dolt.remote import params_dict
from dvc_dolt.dolt.remote_copy import COPYABLE, copy_to_empty
from dvc_dolt.dvc.items.heads import heads_cache_at

if TYPE_CHECKING:
    from dvc.repo import Repo

    from dvc_dolt.dolt import Database
    from dvc_dolt.dolt.state import CopyCheck
    from dvc_dolt.dvc.sharing.remotes import DoltRemoteSpec

logger = logging.getLogger(__name__)


_CHUNKS_ONLY = "this kind of remote takes chunks only"


def may_copy(
    repo: Repo,
    remote: Optional[str],
    rel_path: str,
    db: Database,
    spec: DoltRemoteSpec,
    commits: set[str],
) -> Optional[CopyCheck]:
    """How a first push may copy ``db``'s files to ``spec``; None when it may not.
    No dolt process: asked before anything writes to the database (adding a
    Dolt remote does), as the files must be as dvc-dolt's last full gc left them.
    """
    if not spec.url.startswith(COPYABLE) or spec.user:
        logger.debug("Dolt database '%s': pushing chunk by chunk: %s", rel_path, _CHUNKS_ONLY)
        return None
    check = heads_cache_at(repo.tmp_dir).compacted(db)
    why = None
    if check is None:
        why = "its files changed since its last compaction"
    elif check.reasons:
        why = "a copy would send more than DVC records: " + "; ".join(check.reasons)
    elif check.commit not in commits:
        why = f"its HEAD commit {check.commit} is not among those pushed"
    elif not _remote_lacks(repo, remote, spec):
        return None  # the usual case: the remote has it already
    if why:
        logger.debug("Dolt database '%s': pushing chunk by chunk: %s", rel_path, why)
        return None
    return check


def _remote_lacks(repo: Repo, remote: Optional[str], spec: DoltRemoteSpec) -> bool:
    """Whether nothing at all is stored under the Dolt remote ``spec``; False when unsure."""
    url = spec.url
    if is_git_url(url):
        ref = params_dict(spec.params).get("git_ref")
        return ref is not None and ref_exists(url, ref, spec.env) is False
    scheme, _, rest = url.partition("://")
    where, _, path = rest.partition("/")
    try:
        if scheme == "file":
            return not os.path.lexists(unquote(urlsplit(url).path))
        fs = repo.cloud.get_remote(remote).fs
        bucket = where.strip("[]").rpartition(":")[2]  # aws://[table:bucket]/path
        return not fs.exists(f"{bucket}/{unquote(path).strip('/')}")
    except Exception as exc:
        logger.debug("cannot tell whether '%s' is empty: %s", url, exc)
        return False


def push_by_copy(
    db: Database,
    name: str,
    spec: DoltRemoteSpec,
    commits: set[str],
    rel_path: str,
    check: CopyCheck,
) -> Optional[list[str]]:
    """The commits pinned by copying ``db``'s files to the empty remote; None
    when they must be pushed as usual (said under ``-v``)."""
    logger.debug("Dolt database '%s': the remote lacks it, copying its files", rel_path)
    try:
        return copy_to_empty(db, name, spec.url, spec.params, commits, check.branches, spec.env)
    except DoltError as exc:
        logger.debug("Dolt database '%s': copying its files failed, pushing: %s", rel_path, exc)
        return None
