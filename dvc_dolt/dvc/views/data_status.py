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
- unknown: a database no usable dolt can read (see :mod:`dvc_dolt.dvc.items.reading`);
- not in remote (``--not-in-remote``): a recorded commit whose pin the
  database's Dolt remote lacks (the remote is asked, as DVC asks its own).

With ``--granular`` each table is an entry of its database (``labels/train``),
in the sections its own change puts it, as DVC lists a directory's files: the
DVC extension for VS Code shows an entry as a folder only when it has some.
Untracked files inside a ``.dolt`` folder show as their database.

Heads come from the heads cache: a no-op run starts no dolt process.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Optional

from dvc_dolt.dolt import decode_checksum, is_checksum
from dvc_dolt.dolt.changes import WORKING
from dvc_dolt.dolt.storage import storage_owner
from dvc_dolt.dvc.items.database import DoltMixin, warm_heads
from dvc_dolt.dvc.items.heads import heads_cache, read_heads, table_changes_at
from dvc_dolt.dvc.items.reading import UNKNOWN, UnreadableDatabase, read_only, reading
from dvc_dolt.dvc.project.tracked import databases

if TYPE_CHECKING:
    from dvc.repo import Repo

logger = logging.getLogger(__name__)


Key = tuple[str, ...]


def _rel_path(key: Key) -> str:
    # DVC's spelling of a directory entry: its path with a trailing separator.
    return os.path.join(*key, "")


def _recorded(repo: Repo) -> dict[Key, tuple[DoltMixin, Optional[str]]]:
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
    granular: bool = False,
) -> dict[str, Any]:
    """Put the repo's databases into ``status``, DVC's `data status` result; with
    ``granular``, their tables too, as their entries."""
    recorded = _recorded(repo)
    filters = _filters(repo, targets)
    keys = _selected(recorded, filters)
    head_recorded = _at_head(repo, head) if keys else None
    if head_recorded:
        keys += [k for k in _selected(head_recorded, filters) if k not in keys]
    if not keys:
        return status

    present = {k: recorded[k][0] for k in keys if k in recorded and recorded[k][0].database.exists}
    warm_heads(present.values())

    _sections(status)
    for key in sorted(keys):
        out, value = recorded.get(key, (None, None))
        # A target inside a database shows, with --granular, its tables alone
        # (as DVC shows a file of a directory without the directory).
        whole = not granular or not filters or any(key[: len(f)] == f for f in filters)
        into = status if whole else _sections({})
        _add_entry(repo, into, key, out if key in present else None, value, head_recorded)
        if granular and key in present and value is not None:
            # The record at git HEAD: a checksum, None for none, ... without git.
            at_head = head_recorded.get(key) if head_recorded is not None else ...
            _add_tables(repo, status, key, present[key], value, at_head, filters)

    if not_in_remote:
        status.setdefault("not_in_remote", []).extend(
            _rel_path(key) for key in _missing_on_remote(repo, keys, remote)
        )
    return status


def _sections(status: dict[str, Any]) -> dict[str, Any]:
    for name, empty in (("uncommitted", {}), ("committed", {}), ("unchanged", [])):
        status.setdefault(name, empty)
    status.setdefault("not_in_cache", [])
    return status


def _add_entry(
    repo: Repo,
    status: dict[str, Any],
    key: Key,
    out: Optional[DoltMixin],
    value: Optional[str],
    head_recorded: Optional[dict[Key, Optional[str]]],
) -> None:
    """The database itself, compared as DVC compares a directory; ``out`` is
    None when it is not in the workspace."""
    rel_path = _rel_path(key)
    changed = False
    if value is not None or out is not None:
        try:
            workspace = read_heads(out).checksum if out is not None else None
        except UnreadableDatabase:
            _add(status["uncommitted"], UNKNOWN, rel_path)
            return
        if workspace is None and value is not None and not _fetched(repo, key):
            status["not_in_cache"].append(rel_path)
        change = _change(value, workspace)
        if change:
            _add(status["uncommitted"], change, rel_path)
            changed = True
    if head_recorded is not None:
        change = _change(head_recorded.get(key), value)
        if change:
            _add(status["committed"], change, rel_path)
            changed = True
    if not changed and value is not None and rel_path not in status["unchanged"]:
        status["unchanged"].append(rel_path)


def _commit(value: Optional[str]) -> Optional[str]:
    return decode_checksum(value).commit if is_checksum(value) else None


def _add_tables(
    repo: Repo,
    status: dict[str, Any],
    key: Key,
    out: DoltMixin,
    value: str,
    head_value: Any,
    filters: list[Key],
) -> None:
    """The database's tables as its entries (``labels/train``), each in the
    section its own change puts it: what `--granular` shows for a directory.

    ``head_value`` is the record at git HEAD (None: none there; ``...``: no git).
    """
    recorded = _commit(value)
    at_head = _commit(head_value) if head_value is not ... else None
    if recorded is None:
        return
    db = out.database
    cache = heads_cache(out)
    try:
        with reading(str(out)):
            heads, _, tables = cache.inspect_tables(db) if cache else db.inspect_tables()
            pairs = []
            if heads.checksum != value:
                pairs.append((recorded, WORKING))
            if at_head is not None and at_head != recorded:
                pairs.append((at_head, recorded))
            changes = table_changes_at(repo.tmp_dir)
            found = changes.between(db, pairs, heads.working) if pairs else {}
    except UnreadableDatabase:
        return  # the database itself is listed as unknown
    # Without dolt's answer (a recorded commit the database lacks), no table
    # can be called unchanged.
    known = all(pair in found for pair in pairs)
    uncommitted = found.get((recorded, WORKING), {})
    committed = found.get((at_head, recorded), {}) if at_head else {}
    if head_value is None and known:
        # Recorded since git HEAD: every table of the recorded commit is new to git.
        committed = {t: "added" for t in _tables_at_record(tables.hashes, uncommitted)}
    names = sorted({*tables.hashes, *uncommitted, *committed})
    for table in [t for t in names if _selected([(*key, t)], filters)]:
        path = os.path.join(*key, table)
        for section, change in (("uncommitted", uncommitted), ("committed", committed)):
            if table in change:
                _add(status[section], change[table], path)
        if known and table in tables.hashes and table not in {*uncommitted, *committed}:
            status["unchanged"].append(path)


def _tables_at_record(working: Iterable[str], uncommitted: dict[str, str]) -> list[str]:
    """The recorded commit's tables, from the working set's and what changed since."""
    return [t for t in working if uncommitted.get(t) != "added"] + [
        t for t, change in uncommitted.items() if change == "deleted"
    ]


def untracked_databases(untracked: list[str]) -> list[str]:
    """Git's untracked files, with the files of a database's ``.dolt`` folder
    rel_path once, as the database: the entry to `dvc add`."""
    rel_path = []
    for path in untracked:
        owner = storage_owner(path)
        entry = path if owner is None else os.path.join(owner, "")
        if entry not in rel_path:
            rel_path.append(entry)
    return rel_path


def _fetched(repo: Repo, key: Key) -> bool:
    from dvc_dolt.dolt import Database
    from dvc_dolt.dvc.project.staging import fetched_path

    return Database(fetched_path(repo, "/".join(key))).exists


def _missing_on_remote(repo: Repo, keys: list[Key], remote: Optional[str]) -> list[Key]:
    """The databases whose recorded commit's pin the remote lacks."""
    from dvc.config import NoRemoteError

    from dvc_dolt.dolt import DoltError
    from dvc_dolt.dolt.remote import PinProbe
    from dvc_dolt.dvc.errors import DvcDoltError
    from dvc_dolt.dvc.sharing.collect import collect
    from dvc_dolt.dvc.sharing.status import remote_has

    wanted = {"/".join(key): key for key in keys}
    try:
        # push=True: as DVC, leave out what `push: false` keeps off the remote.
        found = collect(repo, remote=remote, push=True)
    except NoRemoteError:
        # As DVC does for its own files: without a remote, nothing is listed.
        logger.debug("no DVC remote: databases are not checked against one")
        return []
    todo = {t: c for t, c in found.items() if t.rel_path in wanted}
    missing = []
    with PinProbe() as probe:
        for route, commits in todo.items():
            try:
                if not remote_has(repo, probe, route, commits):
                    missing.append(wanted[route.rel_path])
            except DoltError as exc:
                raise DvcDoltError(f"Dolt database '{route.rel_path}': {exc}") from None
    return missing


def data_status_with(dvc_status, repo: Repo, *args: Any, **kwargs: Any) -> Any:
    """DVC's ``data status`` (``dvc.repo.data.status``), then the databases'.

    DVC 3.50 takes no targets; later releases take them first.
    """
    result = dvc_status(repo, *args, **kwargs)
    targets = args[0] if args else kwargs.get("targets")
    if isinstance(result.get("untracked"), list):
        result["untracked"] = untracked_databases(result["untracked"])
    with read_only():
        return add_databases(
            repo,
            result,
            targets=targets,
            head=kwargs.get("head", "HEAD"),
            not_in_remote=bool(kwargs.get("not_in_remote")),
            remote=kwargs.get("remote"),
            granular=bool(kwargs.get("granular")),
        )
