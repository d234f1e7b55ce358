"""The first ``dvc push`` of a database to a remote copies its table files.

Where the remote lacks the database and the files hold exactly what the push
sends (see :mod:`dvc_dolt.dolt.remote_copy`), they are copied as they are:
seconds for a database that ``dolt push`` walks chunk by chunk for minutes.
Anything else pushes the pins as usual, and ``dvc push -v`` says why.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Optional
from urllib.parse import unquote, urlsplit

from dvc_dolt.dolt import Database, DoltError
from dvc_dolt.dolt.remote_copy import COPYABLE, copy_blockers, copy_to_empty

from .output import heads_cache_at

if TYPE_CHECKING:
    from dvc.repo import Repo

    from .remotes import DoltRemoteSpec

logger = logging.getLogger("dvc").getChild("dolt")


def may_copy(
    repo: Repo, remote: Optional[str], shown: str, db: Database, spec: DoltRemoteSpec
) -> bool:
    """Whether a first push may copy ``db``'s files to ``spec``: no dolt process.

    Asked before anything writes to the database (adding a Dolt remote
    does): the files must be as dvc-dolt's last full gc left them.
    """
    why = None
    if not spec.url.startswith(COPYABLE) or spec.user:
        why = "this kind of remote takes chunks only"
    elif not heads_cache_at(repo.tmp_dir).compacted(db):
        why = "its files changed since its last compaction"
    elif not _remote_lacks(repo, remote, spec.url):
        return False  # the usual case: the remote has it already
    if why:
        logger.debug("Dolt database '%s': no copy of its files on a first push: %s", shown, why)
    return why is None


def _remote_lacks(repo: Repo, remote: Optional[str], url: str) -> bool:
    """Whether nothing at all is stored under the Dolt remote ``url``; False when unsure."""
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
    db: Database, name: str, spec: DoltRemoteSpec, commits: set[str], shown: str
) -> Optional[list[str]]:
    """The commits pinned by copying ``db``'s files to the empty remote; None
    when they must be pushed as usual (said under ``-v``)."""
    try:
        blockers = copy_blockers(db, commits)
        if blockers.reasons:
            logger.debug(
                "Dolt database '%s': pushing chunk by chunk, as a copy of its files would"
                " send more than DVC records: %s",
                shown,
                "; ".join(blockers.reasons),
            )
            return None
        logger.debug("Dolt database '%s': the remote lacks it, copying its files", shown)
        return copy_to_empty(
            db, name, spec.url, spec.params, commits, blockers.branches, env=spec.env
        )
    except DoltError as exc:
        logger.debug("Dolt database '%s': copying its files failed, pushing: %s", shown, exc)
        return None
