"""Which Dolt commit each stage read and wrote, from a plain dvc.lock.

DVC records a Dolt dependency's and output's heads in ``dvc.lock`` (and a
``dvc add``-ed database's in its ``.dvc`` file). Read at a git revision, that
record answers the lineage questions: what exact data did stage S read at
revision R, did it read the same data at R1 and R2, and what did it write.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Optional

from dvc_dolt.dolt import Database, DoltError, Heads

from .errors import DvcDoltError
from .output import DoltMixin

if TYPE_CHECKING:
    from dvc.repo import Repo

READ = "read"
WROTE = "wrote"
# dvc-dolt's own refs say nothing about where a user's data came from.
_OWN_REFS = ("dvc/pin/", "dvc/kept/")


@dataclass(frozen=True)
class DatabaseUse:
    """One Dolt database (or one table of it) one stage read or wrote, as a
    revision recorded it."""

    stage: str  # DVC's address of the stage: "train", "data/labels.dvc"
    path: str  # the database, relative to the repo root, with "/"
    role: str  # READ or WROTE (a .dvc file's database counts as written)
    heads: Optional[Heads]  # None for a table dependency: only its commit is recorded
    branches: tuple[str, ...] = ()  # local branches that reach the commit, tips first
    table: Optional[str] = None  # a table dependency's table
    table_hash: Optional[str] = None  # ...and its content hash
    recorded_commit: Optional[str] = None  # a table dependency's commit
    rows: Optional[int] = None  # a table dependency's rows at that commit, when known

    @property
    def commit(self) -> str:
        if self.heads is not None:
            return self.heads.commit
        assert self.recorded_commit is not None
        return self.recorded_commit

    @property
    def shown(self) -> str:
        return f"{self.path}/{self.table}" if self.table is not None else self.path

    def as_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "path": self.path,
            "table": self.table,
            "role": self.role,
            "commit": self.commit,
            "branch": self.branches[0] if self.branches else None,
            "branches": list(self.branches),
            "rows": self.rows,
        }


@contextmanager
def at_revision(repo: Repo, rev: Optional[str]):
    """Make ``repo``'s index show ``rev`` (None: the workspace's files)."""
    if rev is None:
        yield repo.root_dir
        return
    from scmrepo.exceptions import RevError

    try:
        for _ in repo.brancher(revs=[rev], workspace=False):
            # Inside, git revisions have root "/"; data lives in the workspace.
            yield repo.root_dir
            return
    except RevError as exc:
        raise DvcDoltError(f"unknown git revision '{rev}': {exc}") from None


def _path(item: DoltMixin) -> str:
    return "/".join(item.index_key[1])  # type: ignore[attr-defined]


def stage_name(stage: Any) -> str:
    """A stage's address from the repo root, whatever the current directory.

    DVC's ``addressing`` is relative to the current directory, which inside
    the brancher is not the repo's.
    """
    path = stage.path_in_repo.replace(os.sep, "/")
    name = getattr(stage, "name", None)
    if name is None:
        return path
    return name if path == "dvc.yaml" else f"{path}:{name}"


def records(
    repo: Repo, rev: Optional[str] = None, stage: Optional[str] = None
) -> list[DatabaseUse]:
    """Every Dolt database the stages of ``rev`` read and wrote; no dolt process."""
    found: list[DatabaseUse] = []
    with at_revision(repo, rev):
        stages = list(repo.index.stages)
        names = [stage_name(s) for s in stages]
        if stage is not None and stage not in names:
            known = ", ".join(sorted(names)) or "none"
            where = f"at revision '{rev}'" if rev else "in the workspace"
            raise DvcDoltError(f"no stage '{stage}' {where} (stages: {known})")
        for item_stage, name in zip(stages, names):
            if stage is not None and name != stage:
                continue
            for role, items in ((READ, item_stage.deps), (WROTE, item_stage.outs)):
                found.extend(
                    DatabaseUse(name, _path(item), role, item.recorded_heads)
                    for item in items
                    if isinstance(item, DoltMixin) and item.recorded_heads is not None
                )
            found.extend(_table_uses(name, item_stage.deps))
    return found


def _table_uses(name: str, deps: Iterable[Any]) -> Iterator[DatabaseUse]:
    from .table_deps import DoltTableDependency

    for dep in deps:
        record = dep.recorded if isinstance(dep, DoltTableDependency) else None
        if record is None:
            continue
        parts = dep.index_key[1]
        yield DatabaseUse(
            name,
            "/".join(parts[:-1]),
            READ,
            None,
            table=parts[-1],
            table_hash=record.table_hash,
            recorded_commit=record.commit,
        )


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
            own = [b for b in branches if not b.startswith(_OWN_REFS)]
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


def recorded_heads(repo: Repo, path: str, rev: Optional[str] = None) -> Heads:
    """The heads ``rev`` recorded for database ``path`` (an output first, else a dependency)."""
    wanted = path.strip("/")
    found = [u for u in records(repo, rev) if u.path == wanted and u.heads is not None]
    if not found:
        where = f"at revision '{rev}'" if rev else "in the workspace"
        raise DvcDoltError(f"no Dolt database '{wanted}' is recorded {where}")
    written = [u for u in found if u.role == WROTE]
    heads = (written or found)[0].heads
    assert heads is not None
    return heads


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
