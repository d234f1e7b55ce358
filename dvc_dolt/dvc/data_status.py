"""``dvc data status`` for Dolt databases.

DVC builds `data status` from its data index, which holds cached outputs only:
a database (``cache: false``) never shows up there. This adds each database
to DVC's own sections, compared the way DVC compares a directory:

- uncommitted: the workspace heads against the record (``.dvc``/``dvc.lock``),
  i.e. what `dvc commit`/`dvc add` would record;
- committed: the record against the one at git ``HEAD``;
- unchanged: neither;
- not in cache: a database missing from the workspace that `dvc fetch` did not
  bring either (its clone waits in ``.dvc/tmp/dolt/fetched``);
- not in remote (``--not-in-remote``): a recorded commit whose pin the
  database's Dolt remote lacks (the remote is asked, as DVC asks its own).

Heads come from the heads cache: a no-op run starts no dolt process.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Optional

from .listing import databases
from .output import read_heads, warm_heads

if TYPE_CHECKING:
    from dvc.output import Output
    from dvc.repo import Repo

logger = logging.getLogger("dvc").getChild("dolt")

Key = tuple[str, ...]


def _shown(key: Key) -> str:
    # DVC's spelling of a directory entry: its path with a trailing separator.
    return os.path.join(*key, "")


def _recorded(repo: Repo) -> dict[Key, tuple[Output, Optional[str]]]:
    """Each database output of the repo's index, with its recorded checksum."""
    return {
        key: (out, out.hash_info.value if out.hash_info else None)
        for key, out in databases(repo).items()
    }


def _at_head(repo: Repo, head: str) -> Optional[dict[Key, Optional[str]]]:
    """Recorded checksums at git ``head``; {} before the first commit, None without git."""
    from dvc.scm import NoSCMError, RevError, SCMError

    try:
        with repo.switch(head):
            return {key: value for key, (_, value) in _recorded(repo).items()}
    except RevError:
        return {}
    except (SCMError, NoSCMError):
        return None


def _selected(keys: Iterable[Key], filters: list[Key]) -> list[Key]:
    """The keys a target selects: the database itself, a folder above it, or a
    path inside it (which DVC can only show as the whole database)."""
    if not filters:
        return list(keys)
    return [key for key in keys if any(key[: len(f)] == f or f[: len(key)] == key for f in filters)]


def _filters(repo: Repo, targets: Any) -> list[Key]:
    if not targets:
        return []
    if isinstance(targets, (str, os.PathLike)):
        targets = [targets]
    root = repo.root_dir
    keys = []
    for target in targets:
        rel = os.path.relpath(os.path.abspath(os.fspath(target)), root)
        keys.append(() if rel == os.curdir else tuple(rel.split(os.sep)))
    return keys


def _add(section: dict[str, list[str]], change: str, path: str) -> None:
    items = section.setdefault(change, [])
    if path not in items:
        items.append(path)


def _change(old: Optional[str], new: Optional[str]) -> Optional[str]:
    if old == new:
        return None
    if old is None:
        return "added"
    if new is None:
        return "deleted"
    return "modified"


def add_databases(
    repo: Repo,
    status: dict[str, Any],
    targets: Any = None,
    head: str = "HEAD",
    not_in_remote: bool = False,
    remote: Optional[str] = None,
) -> dict[str, Any]:
    """Put the repo's databases into ``status``, DVC's `data status` result."""
    recorded = _recorded(repo)
    keys = _selected(recorded, _filters(repo, targets))
    head_recorded = _at_head(repo, head) if keys else None
    if head_recorded:
        keys += [k for k in _selected(head_recorded, _filters(repo, targets)) if k not in keys]
    if not keys:
        return status

    present = {k: recorded[k][0] for k in keys if k in recorded and recorded[k][0].database.exists}
    warm_heads(present.values())

    uncommitted = status.setdefault("uncommitted", {})
    committed = status.setdefault("committed", {})
    unchanged = status.setdefault("unchanged", [])
    not_in_cache = status.setdefault("not_in_cache", [])
    for key in sorted(keys):
        shown = _shown(key)
        out, value = recorded.get(key, (None, None))
        changed = False
        if out is not None:
            workspace = read_heads(out).checksum if key in present else None  # type: ignore[arg-type]
            if workspace is None and value is not None and not _fetched(repo, key):
                not_in_cache.append(shown)
            change = _change(value, workspace)
            if change:
                _add(uncommitted, change, shown)
                changed = True
        if head_recorded is not None:
            change = _change(head_recorded.get(key), value)
            if change:
                _add(committed, change, shown)
                changed = True
        if not changed and value is not None and shown not in unchanged:
            unchanged.append(shown)

    if not_in_remote:
        status.setdefault("not_in_remote", []).extend(
            _shown(key) for key in _missing_on_remote(repo, keys, remote)
        )
    return status


def _fetched(repo: Repo, key: Key) -> bool:
    from dvc_dolt.dolt import Database

    from .sync import fetched_path

    return Database(fetched_path(repo, "/".join(key))).exists


def _missing_on_remote(repo: Repo, keys: list[Key], remote: Optional[str]) -> list[Key]:
    """The databases whose recorded commit's pin the remote lacks."""
    from dvc.config import NoRemoteError

    from dvc_dolt.dolt import DoltError
    from dvc_dolt.dolt.remote import PinProbe

    from .errors import DvcDoltError
    from .sync import _remote_has, collect

    wanted = {"/".join(key): key for key in keys}
    try:
        # push=True: as DVC, leave out what `push: false` keeps off the remote.
        found = collect(repo, remote=remote, push=True)
    except NoRemoteError:
        # As DVC does for its own files: without a remote, nothing is listed.
        logger.debug("no DVC remote: databases are not checked against one")
        return []
    todo = {t: c for t, c in found.items() if t.shown in wanted}
    missing = []
    with PinProbe() as probe:
        for target, commits in todo.items():
            try:
                if not _remote_has(repo, probe, target, commits):
                    missing.append(wanted[target.shown])
            except DoltError as exc:
                raise DvcDoltError(f"Dolt database '{target.shown}': {exc}") from None
    return missing


def status_with(dvc_status, repo: Repo, *args: Any, **kwargs: Any) -> Any:
    """DVC's ``data status`` (``dvc.repo.data.status``), then the databases'.

    DVC 3.50 takes no targets; later releases take them first.
    """
    result = dvc_status(repo, *args, **kwargs)
    targets = args[0] if args else kwargs.get("targets")
    return add_databases(
        repo,
        result,
        targets=targets,
        head=kwargs.get("head", "HEAD"),
        not_in_remote=bool(kwargs.get("not_in_remote")),
        remote=kwargs.get("remote"),
    )
