"""``dvc dolt lineage`` and :mod:`dvc_dolt.api`'s lineage: which stage read or
wrote which commit, across revisions, and which inputs changed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Optional

from dvc_dolt.dolt import Database, DoltError
from dvc_dolt.dolt.database import KEPT_PREFIX, PIN_PREFIX
from dvc_dolt.dvc.project.records import READ, records

if TYPE_CHECKING:
    from dvc.repo import Repo

    from dvc_dolt.dvc.project.records import DatabaseUse


def uses(repo: Repo, rev: Optional[str] = None, stage: Optional[str] = None) -> list[DatabaseUse]:
    """:func:`records`, with the local branches that reach each commit."""
    return _with_branches(repo, records(repo, rev, stage))


def _with_branches(repo: Repo, found: list[DatabaseUse]) -> list[DatabaseUse]:
    commits: dict[str, set[str]] = defaultdict(set)
    for use in found:
        commits[use.path].add(use.commit)
    named: dict[tuple[str, str], tuple[str, ...]] = {}
    reads: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for use in found:
        if use.table is not None:
            reads[use.path].add((use.table, use.commit))
    counts: dict[tuple[str, str, str], int] = {}
    for path, wanted in commits.items():
        db = Database(f"{repo.root_dir}/{path}")
        if not db.exists:
            continue
        try:
            containing = db.branches_containing(wanted)
            rows = db.row_counts(reads[path]) if reads[path] else {}
        except DoltError:
            continue  # lineage still answers without branch names and row counts
        for commit, branches in containing.items():
            own = [b for b in branches if not b.startswith((PIN_PREFIX, KEPT_PREFIX))]
            named[(path, commit)] = tuple(own or branches)
        counts.update({(path, t, c): n for (t, c), n in rows.items()})
    return [
        replace(
            u,
            branches=named.get((u.path, u.commit), ()),
            rows=counts.get((u.path, u.table, u.commit)) if u.table is not None else None,
        )
        for u in found
    ]


def changed_inputs(
    repo: Repo, stage: str, rev_a: str, rev_b: Optional[str] = None
) -> dict[str, tuple[Optional[str], Optional[str]]]:
    """Databases ``stage`` read at ``rev_a`` and ``rev_b`` whose commits differ.

    Maps each path (``<database>/<table>`` for a table dependency) to
    (commit at a, commit at b); None where it was not read. Empty when the
    stage read the same Dolt data at both revisions: for a table, the same
    content, whichever commits held it.
    """

    def read(rev: Optional[str]) -> dict[str, tuple[str, str]]:
        return {
            u.shown: (u.commit, u.table_hash or u.commit)
            for u in records(repo, rev, stage)
            if u.role == READ
        }

    a, b = read(rev_a), read(rev_b)
    return {
        p: (a[p][0] if p in a else None, b[p][0] if p in b else None)
        for p in sorted(set(a) | set(b))
        if (a.get(p) or (None, None))[1] != (b.get(p) or (None, None))[1]
    }


def table_headers(found: Iterable[DatabaseUse]) -> list[str]:
    """Headers for ``dvc dolt lineage``'s table: Rows only with table dependencies."""
    rows = ["Rows"] if any(u.table is not None for u in found) else []
    return ["Stage", "Role", "Database", "Commit", "Branch", *rows]


def table_rows(found: Iterable[DatabaseUse]) -> list[list[str]]:
    """Rows for ``dvc dolt lineage``'s table (Rows: a table dependency's rows)."""
    with_rows = any(u.table is not None for u in found)
    return [
        [u.stage, u.role, u.shown, u.commit, ", ".join(u.branches[:3]) or "-"]
        + (["-" if u.rows is None else str(u.rows)] if with_rows else [])
        for u in found
    ]
