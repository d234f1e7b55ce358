"""A first push that copies table files instead of walking chunks.

``dolt push`` to a remote that lacks a database walks every chunk of it;
``dolt backup sync-url`` copies its table files as they are, in a fraction
of the time (README, "Performance"). A backup copies everything the files hold and
every ref, though, so it is used only where that is exactly what ``dvc push``
would send:

- the files are as a full ``dolt gc`` left them, so they hold nothing that no
  ref or working set reaches, and right after that gc every branch and
  remote-tracking ref was at a pushed commit or behind it, no working set was
  dirty, and there was no tag or stash (:func:`copy_check`, filed by the
  compaction with :meth:`HeadsCache.mark_compacted`);
- the remote holds nothing yet (the caller checks: a backup would replace
  its root).

After the copy the pins are pushed and the branches the copy took along are
deleted on the remote, with their (clean) working sets: what remains to be
seen there is the pins, as after a ``dolt push`` of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Optional

from . import runner
from .database import Database, pin_branch
from .errors import DoltRemoteError
from .heads import check_hash
from .runner import NETWORK_TIMEOUT, _timeout, quote_string
from .state import CopyCheck

# Remote kinds whose table files a backup can write (dolt:// takes no --user here);
# git remotes take the same --ref as the remote.
COPYABLE = (
    "file://",
    "aws://",
    "gs://",
    "git+file://",
    "git+ssh://",
    "git+http://",
    "git+https://",
)


def copy_check(db: Database, commit: str) -> CopyCheck:
    """What in ``db`` a copy would send beyond ``commit`` and its history, and
    the branches it would take along: one dolt process."""
    history = f"(select commit_hash from dolt_log({quote_string(check_hash(commit, 'commit'))}))"
    branches, tags, tracking, stashes = db.sql(
        f"select name, dirty, hash in {history} as pushed from dolt_branches;\n"
        "select tag_name as name from dolt_tags;\n"
        f"select name, hash in {history} as pushed from dolt_remote_branches;\n"
        "select count(*) as n from dolt_stashes"
    )
    reasons = []
    for row in branches:
        if _true(row["dirty"]):
            reasons.append(f"branch '{row['name']}' has uncommitted changes")
        elif not _true(row["pushed"]):
            reasons.append(f"branch '{row['name']}' holds commits DVC does not push")
    reasons += [f"tag '{row['name']}' would go along" for row in tags]
    reasons += [
        f"remote-tracking branch '{row['name']}' holds commits DVC does not push"
        for row in tracking
        if not _true(row["pushed"])
    ]
    if stashes and int(stashes[0]["n"]):
        reasons.append("it has stashed changes")
    return CopyCheck(commit, reasons, sorted(str(row["name"]) for row in branches))


def _true(value: object) -> bool:
    return value in (True, 1, "1", "true")


def copy_to_empty(
    db: Database,
    remote: str,
    url: str,
    params: Sequence[str],
    commits: Iterable[str],
    branches: Sequence[str],
    env: Optional[Mapping[str, str]] = None,
) -> list[str]:
    """Copy ``db``'s table files to ``url`` (Dolt remote ``remote``, which holds
    nothing yet), push the pins of ``commits``, and delete ``branches`` there:
    one dolt process. Returns the commits pinned.

    If another push filled the remote first, the copy leaves its root alone
    (Dolt sets the root of an empty remote only) and the pins are pushed on
    top. On any failure nothing is lost: the caller pushes the pins as usual.
    """
    commits = sorted({check_hash(c, "commit") for c in commits})
    remote_q = quote_string(remote)
    sync = ", ".join(map(quote_string, ["sync-url", *params, url]))
    pins = ", ".join(quote_string(f"{c}:refs/heads/{pin_branch(c)}") for c in commits)
    script = [
        f"call dolt_backup({sync})",
        # Remote-tracking refs of what the copy brought, for the deletes below.
        f"call dolt_fetch({remote_q})",
        f"call dolt_push({remote_q}, {pins})",
    ]
    script += [f"call dolt_push({remote_q}, {quote_string(':refs/heads/' + b)})" for b in branches]
    db.run(
        ["sql", *runner.find_dolt().sql_options, "-r", "json", "-q", ";\n".join(script)],
        timeout=_timeout(NETWORK_TIMEOUT),
        env=env,
        error_class=DoltRemoteError,
        context=f"copy of Dolt database '{db.path}' to remote '{remote}'",
        # What the fetch and the pushes record locally would change the files.
        aside=True,
    )
    return commits
