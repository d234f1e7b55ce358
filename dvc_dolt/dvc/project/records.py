"""What each revision recorded: which Dolt commit each stage read and wrote.

DVC records a Dolt dependency's and output's heads in ``dvc.lock`` (and a
``dvc add``-ed database's in its ``.dvc`` file). Read at a git revision, that
record answers the lineage questions: what exact data did stage S read at
revision R, did it read the same data at R1 and R2, and what did it write;
and which commits every revision needs kept.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

from dvc_dolt.dvc.errors import DvcDoltError
from dvc_dolt.dvc.items.database import DoltMixin, databases_in
from dvc_dolt.dvc.items.describe import rel_path_of

if TYPE_CHECKING:
    from dvc.repo import Repo

    from dvc_dolt.dolt import Heads


READ = "read"


WROTE = "wrote"


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
                    DatabaseUse(name, rel_path_of(item), role, item.recorded_heads)
                    for item in items
                    if isinstance(item, DoltMixin) and item.recorded_heads is not None
                )
            found.extend(_table_uses(name, item_stage.deps))
    return found


def _table_uses(name: str, deps: Iterable[Any]) -> Iterator[DatabaseUse]:
    from dvc_dolt.dvc.items.table import DoltTableDependency

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


def recorded_commits(repo: Repo) -> dict[str, set[str]]:
    """Every commit recorded for each database (by workspace path), in the
    workspace and at every git commit and experiment."""
    found: dict[str, set[str]] = defaultdict(set)
    root = repo.root_dir  # inside the brancher, git revisions have root "/"
    for _ in repo.brancher(all_commits=True, all_experiments=True, workspace=True):
        for out in databases_in(repo.index.outs):
            heads = out.recorded_heads
            if heads is not None:
                found[os.path.join(root, *out.index_key[1])].add(heads.commit)
    return found
