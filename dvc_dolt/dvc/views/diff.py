"""``dvc diff`` for Dolt outputs, with per-table row counts.

DVC's diff compares its data index, where uncached outputs never appear, so
Dolt outputs are compared here by their recorded heads and added to DVC's
result. Each changed database's entry carries ``"dolt": {"tables": {...}}``
with rows added, deleted and modified (``dolt_diff_stat`` between the two
commits), shown by ``--json`` as is, and in text and ``--md`` as a section
of its own after DVC's.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Optional

from dvc_dolt.dolt import DoltError
from dvc_dolt.dvc.items.database import databases_in
from dvc_dolt.dvc.items.describe import rel_path_of
from dvc_dolt.dvc.items.heads import read_heads
from dvc_dolt.dvc.items.reading import UnreadableDatabase, read_only
from dvc_dolt.dvc.project.records import at_revision
from dvc_dolt.dvc.project.staging import local_database

if TYPE_CHECKING:
    from dvc.repo import Repo

    from dvc_dolt.dolt import Heads, TableDiffStat


KEY = "dolt"


_COUNTS = ("rows_added", "rows_deleted", "rows_modified")


_STATES = ("added", "deleted", "modified")


def _outputs(repo: Repo, rev: Optional[str], targets: Any, recursive: bool) -> dict[str, Any]:
    """Dolt outputs at ``rev`` (None: the workspace) by repo-relative path."""
    found = {}
    with at_revision(repo, rev):
        # As DVC's diff: a target missing at one revision is not an error.
        view = repo.index.targets_view(targets, onerror=_ignore, recursive=recursive)
        for out in databases_in(view.outs):
            found[rel_path_of(out)] = out
    return found


def _ignore(target: Any, exc: Exception) -> None:
    pass


def _recorded(outs: dict[str, Any]) -> dict[str, Heads]:
    return {path: out.recorded_heads for path, out in outs.items() if out.recorded_heads}


def _actual(outs: dict[str, Any]) -> dict[str, Optional[Heads]]:
    """Heads of the databases in the workspace, as ``dvc diff`` compares files;
    None for one that no usable dolt can read."""
    found: dict[str, Optional[Heads]] = {}
    for path, out in outs.items():
        if out.database.exists:
            try:
                found[path] = read_heads(out)
            except UnreadableDatabase:
                found[path] = None
    return found


def _rev_of(heads: Heads) -> str:
    return heads.commit if heads.is_clean else "WORKING"


def _tables(repo: Repo, path: str, old: Heads, new: Heads) -> Optional[dict[str, dict]]:
    db = local_database(repo, path)
    try:
        if not db.exists or db.missing_commits({old.commit, new.commit}):
            return None  # `dvc fetch` brings the commits; the diff still lists the database
        stats = db.diff_stat(_rev_of(old), _rev_of(new))
    except DoltError:
        return None
    return {name: _counts(s) for name, s in sorted(stats.items())}


def _counts(stat: TableDiffStat) -> dict[str, int]:
    return {key: getattr(stat, key) for key in _COUNTS}


def dolt_diff(
    repo: Repo,
    a_rev: str = "HEAD",
    b_rev: Optional[str] = None,
    targets: Any = None,
    recursive: bool = False,
) -> dict[str, list[dict[str, Any]]]:
    """Dolt outputs added, deleted or modified from ``a_rev`` to ``b_rev``."""
    old = _recorded(_outputs(repo, a_rev, targets, recursive))
    new_outs = _outputs(repo, b_rev, targets, recursive)
    new = _recorded(new_outs) if b_rev else _actual(new_outs)
    result: dict[str, list[dict[str, Any]]] = {state: [] for state in _STATES}
    # A database no dolt can read is left out (the warning said so), not called deleted.
    unreadable = {path for path, heads in new.items() if heads is None}
    for path in sorted((set(old) | set(new)) - unreadable):
        before, after = old.get(path), new.get(path)
        rel_path = path + os.sep
        if before is None and after is not None:
            result["added"].append({"path": rel_path, "hash": after.commit})
        elif after is None and before is not None:
            result["deleted"].append({"path": rel_path, "hash": before.commit})
        elif before is not None and after is not None and before.checksum != after.checksum:
            entry = {"path": rel_path, "hash": {"old": before.commit, "new": after.commit}}
            tables = _tables(repo, path, before, after)
            if tables is not None:
                entry[KEY] = {"tables": tables}
            result["modified"].append(entry)
    return result


# Dependencies on one table (`<database>/<table>`) whose content differs,
# under a key of their own: DVC's states list outputs.
READS_KEY = "dolt tables read"


# (stage, database, table) -> (Dolt revision to diff at, table hash)
Reads = dict[tuple[str, str, str], tuple[str, str]]


def _table_reads(repo: Repo, rev: Optional[str]) -> Reads:
    """What each table dependency recorded at ``rev``; None: what the stages would
    read now (the HEAD commit, or WORKING for a table with uncommitted changes)."""
    from dvc_dolt.dvc.errors import DvcDoltError
    from dvc_dolt.dvc.items.table import DoltTableDependency
    from dvc_dolt.dvc.project.records import stage_name

    found: Reads = {}
    with at_revision(repo, rev):
        for stage in repo.index.stages:
            for dep in stage.deps:
                if not isinstance(dep, DoltTableDependency) or not dep.is_in_repo:
                    continue
                *parts, table = dep.index_key[1]
                key = (stage_name(stage), "/".join(parts), table)
                if rev is not None:
                    record = dep.recorded
                    if record is not None:
                        found[key] = (record.commit, record.table_hash)
                    continue
                try:
                    heads, _, tables = dep.inspect()
                except (DvcDoltError, DoltError):
                    continue  # the database is not here: nothing read now
                if table in tables.hashes:
                    at = "WORKING" if table in tables.uncommitted else heads.commit
                    found[key] = (at, tables.hashes[table])
    return found


def reads_diff(repo: Repo, a_rev: str = "HEAD", b_rev: Optional[str] = None) -> list[dict]:
    """Table dependencies whose table content differs from ``a_rev`` to ``b_rev``,
    with the rows added, deleted and modified when both commits are here."""
    new = _table_reads(repo, b_rev)
    if not new:
        return []  # only tables read at both revisions are compared
    old = _table_reads(repo, a_rev)
    entries = []
    for key in sorted(set(old) & set(new)):
        (before, old_hash), (after, new_hash) = old[key], new[key]
        if old_hash == new_hash:
            continue
        stage, path, table = key
        entry: dict[str, Any] = {
            "path": f"{path}/{table}",
            "stage": stage,
            "hash": {"old": before, "new": after},
        }
        db = local_database(repo, path)
        try:
            if db.exists and not db.missing_commits({before} | ({after} - {"WORKING"})):
                stat = db.diff_stat(before, after).get(table)
                if stat is not None:
                    entry[KEY] = _counts(stat)
        except DoltError:
            pass  # listed without counts
        entries.append(entry)
    return entries


def diff_with(dvc_diff, repo: Repo, a_rev="HEAD", b_rev=None, targets=None, recursive=False):
    """DVC's diff, plus the Dolt outputs that changed and the tables stages read."""
    result = dvc_diff(repo, a_rev, b_rev, targets=targets, recursive=recursive)
    if repo.scm.no_commits:
        return result
    with read_only():
        reads = [] if targets else reads_diff(repo, a_rev, b_rev)
        ours = dolt_diff(repo, a_rev, b_rev, targets, recursive)
    if reads:
        result = {**_all_states(result), READS_KEY: reads}
    if not any(ours.values()):
        return result
    paths = {e["path"] for entries in ours.values() for e in entries}
    merged = _all_states({})
    for state, entries in result.items():
        merged[state] = [e for e in entries if e.get("path") not in paths]
    for state, entries in ours.items():
        merged[state] += entries
    return merged


def _all_states(result: dict[str, list]) -> dict[str, list]:
    # DVC returns {} for no change, else every state, each a list.
    return {**{state: [] for state in (*_STATES, "renamed", "not in cache")}, **result}


def row_changes(diff: dict[str, Any]) -> list[list[str]]:
    """[database, table, added, deleted, modified] for each changed table."""
    rows = []
    for entry in diff.get("modified", []):
        for table, counts in entry.get(KEY, {}).get("tables", {}).items():
            rows.append([entry["path"], table, *(str(counts[k]) for k in _COUNTS)])
    return rows


def read_changes(diff: dict[str, Any]) -> list[list[str]]:
    """[stage, database/table, added, deleted, modified] for each table read."""
    rows = []
    for entry in diff.get(READS_KEY, []):
        counts = entry.get(KEY)
        rel_path = [str(counts[k]) if counts else "?" for k in _COUNTS]
        rows.append([entry["stage"], entry["path"], *rel_path])
    return rows


def show_rows(diff: dict[str, Any], markdown: bool = False) -> None:
    from dvc.ui import ui

    _show_outputs(diff, markdown)
    reads = read_changes(diff)
    if not reads:
        return
    ui.write()
    if markdown:
        ui.table(reads, headers=["Stage", "Table read", "Added", "Deleted", "Modified"],
                 markdown=True)  # fmt: skip
        return
    ui.write("[yellow]Dolt tables read by stages[/] (added, deleted, modified):", styled=True)
    for stage, path, added, deleted, modified in reads:
        ui.write(f"    {stage}: {path}: +{added} -{deleted} ~{modified}")


def _show_outputs(diff: dict[str, Any], markdown: bool) -> None:
    from dvc.ui import ui

    rows = row_changes(diff)
    if not rows:
        return
    if markdown:
        ui.write()
        ui.table(rows, headers=["Database", "Table", "Added", "Deleted", "Modified"], markdown=True)
        return
    ui.write()
    ui.write("[yellow]Dolt rows[/] (added, deleted, modified):", styled=True)
    for path, table, added, deleted, modified in rows:
        ui.write(f"    {path}{table}: +{added} -{deleted} ~{modified}")
