"""``dvc push/fetch/pull/status -c`` for Dolt databases, through Dolt remotes.

DVC moves its own objects first, unchanged; then the databases move.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dvc_dolt.dvc.project.scope import as_list, scope_args
from dvc_dolt.dvc.sharing.fetch import fetch
from dvc_dolt.dvc.sharing.push import push

if TYPE_CHECKING:
    from dvc.repo import Repo


def _dvc_then_dolt(dvc_transfer, dolt_transfer, dvc_error: type[Exception]) -> int:
    """DVC's own transfer, then the databases', even when DVC's failed for some files."""
    error, count = None, 0
    try:
        count = dvc_transfer()
    except dvc_error as exc:
        error = exc
    count += dolt_transfer()
    if error:
        raise error
    return count


def push_with(dvc_push, repo: Repo, targets=None, jobs=None, remote=None, glob=False, **kwargs):
    from dvc.exceptions import UploadError
    from dvc.utils import glob_targets

    return _dvc_then_dolt(
        lambda: dvc_push(repo, targets=targets, jobs=jobs, remote=remote, glob=glob, **kwargs),
        lambda: push(
            repo,
            jobs=jobs,
            targets=glob_targets(as_list(targets), glob=glob),
            remote=remote,
            **scope_args(kwargs),
        ),
        UploadError,
    )


def fetch_with(dvc_fetch, repo: Repo, targets=None, jobs=None, remote=None, **kwargs):
    from dvc.exceptions import DownloadError

    return _dvc_then_dolt(
        lambda: dvc_fetch(repo, targets=targets, jobs=jobs, remote=remote, **kwargs),
        lambda: fetch(
            repo, jobs=jobs, targets=as_list(targets), remote=remote, **scope_args(kwargs)
        ),
        DownloadError,
    )
