"""Python API for stage code: read and save Dolt tables, and ask what stages used.

Reading::

    from dvc_dolt import api

    labels = api.read("data/labels", "labels")                 # working set
    old = api.read("data/labels", "labels", at="main~1")       # a Dolt ref or commit
    then = api.read("data/labels", "labels", rev="v1.0")       # what git tag v1.0 recorded
    counts = api.read("data/labels", sql="select label, count(*) n from labels group by 1")

Saving (see :func:`dvc_dolt.dolt.save.save` for the branch policies)::

    api.save(predictions, "data/predictions", "predictions", primary_key="row_id",
             message="predictions of run 42", author="CI <ci@example.com>")

Lineage, from a plain ``dvc.lock``::

    api.lineage("HEAD~1")                        # every stage's Dolt reads and writes
    api.read_input("train", "data/labels", "labels", rev="HEAD~1")
    api.same_inputs("train", "HEAD~1", "HEAD")
    api.read_output("train", "data/predictions", "predictions", rev="HEAD~1")

Reads and saves need the ``api`` extra: ``pip install 'dvc-dolt[api]'``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Callable, Optional, Union

from dvc_dolt.dolt import Database
from dvc_dolt.dolt.save import MergeFailedError, SaveResult
from dvc_dolt.dolt.save import save as _save
from dvc_dolt.dolt.tables import read_sql, read_table

# Nothing from DVC at import: reading a table from a path (a stage's usual
# call) neither imports DVC nor patches it. Each function that opens the DVC
# project imports what it needs.
if TYPE_CHECKING:
    import pandas as pd
    from dvc.repo import Repo

    from .dvc.project.records import DatabaseUse

__all__ = [
    "MergeFailedError",
    "SaveResult",
    "changed_inputs",
    "lineage",
    "read",
    "read_input",
    "read_output",
    "recorded_commit",
    "same_inputs",
    "save",
]

PathLike = Union[str, "os.PathLike[str]"]


def __getattr__(name: str) -> Any:
    if name == "DvcDoltError":  # importable from here, as before
        from .dvc.errors import DvcDoltError

        return DvcDoltError
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@contextmanager
def _project(repo: Optional[PathLike]) -> Iterator[Repo]:
    from dvc.repo import Repo

    with Repo(Repo.find_root(os.fspath(repo or os.curdir))) as project:
        yield project


def _relative(project: Repo, path: PathLike) -> str:
    """``path`` (absolute, or relative to the current directory) from the repo root."""
    from .dvc.errors import DvcDoltError

    full = os.path.abspath(os.fspath(path))
    rel = os.path.relpath(full, project.root_dir)
    if rel.startswith(os.pardir):
        raise DvcDoltError(f"'{path}' is outside the DVC project at '{project.root_dir}'")
    return rel.replace(os.sep, "/")


def _database_at(project: Repo, rel_path: str, commit: str, rev: Optional[str]) -> Database:
    """A local database holding ``commit``: the workspace's, or a clone fetched for it."""
    from .dvc.errors import DvcDoltError
    from .dvc.project.staging import local_database
    from .dvc.sharing.fetch import fetch

    # has_commit raises when dolt could not answer (a timeout, a lock), so a
    # busy database never sends every parallel stage to the remote.
    db = local_database(project, rel_path)
    if db.exists and db.has_commit(commit):
        return db
    revs = [rev] if rev else None
    fetch(project, targets=[rel_path], revs=revs, workspace=rev is None)
    db = local_database(project, rel_path)
    if not (db.exists and db.has_commit(commit)):
        raise DvcDoltError(
            f"commit {commit} of Dolt database '{rel_path}' is neither local nor on the remote"
        )
    return db


def _read(db: Database, table: Optional[str], sql: Optional[str], at: Optional[str], columns):
    if (table is None) == (sql is None):
        raise TypeError("read one table or one sql query (exactly one of them)")
    if sql is not None:
        if columns is not None:
            raise TypeError("columns= applies to tables; select the columns in the query")
        return read_sql(db, sql, rev=at)
    assert table is not None  # exactly one of table and sql, and sql is None
    return read_table(db, table, rev=at, columns=columns)


def read(
    path: PathLike,
    table: Optional[str] = None,
    *,
    sql: Optional[str] = None,
    at: Optional[str] = None,
    rev: Optional[str] = None,
    columns: Optional[Sequence[str]] = None,
    repo: Optional[PathLike] = None,
) -> pd.DataFrame:
    """A table (or a query's result) of the Dolt database at ``path``.

    By default from its working set. ``at``: a Dolt branch, tag or commit.
    ``rev``: a git revision of the DVC project; the commit that revision
    recorded for the database is read, fetched from the DVC remote first if
    it is not local. ``repo``: the project (default: the one around the
    current directory).

    A ``table`` read (with ``columns`` to narrow it) knows the SQL types and is
    the faster path for whole tables; ``sql`` suits filters and aggregates.
    """
    if at is not None and rev is not None:
        raise TypeError("give at= (a Dolt ref) or rev= (a git revision), not both")
    if rev is None:
        return _read(Database(path), table, sql, at, columns)
    with _project(repo) as project:
        rel_path = _relative(project, path)
        from .dvc.project.records import recorded_heads

        commit = recorded_heads(project, rel_path, rev).commit
        db = _database_at(project, rel_path, commit, rev)
    return _read(db, table, sql, commit, columns)


def recorded_commit(
    path: PathLike, rev: Optional[str] = None, repo: Optional[PathLike] = None
) -> str:
    """The Dolt commit git revision ``rev`` (default: the workspace's files) recorded."""
    from .dvc.project.records import recorded_heads

    with _project(repo) as project:
        return recorded_heads(project, _relative(project, path), rev).commit


def save(
    frame: pd.DataFrame,
    path: PathLike,
    table: str,
    *,
    mode: str = "upsert",
    primary_key: Union[str, Sequence[str], None] = None,
    branch: Optional[str] = None,
    start_point: Optional[str] = None,
    merge_into: Optional[str] = None,
    message: Optional[str] = None,
    author: Optional[str] = None,
    on_saved: Optional[Callable[[SaveResult], Any]] = None,
) -> SaveResult:
    """Write ``frame`` into ``table`` of the database at ``path`` and commit it.

    ``mode``: ``create``, ``replace`` or ``upsert``. Branch policies: commit
    on ``branch`` (default: the checked-out one; a new branch starts at
    ``start_point``, default HEAD), then merge it into ``merge_into`` if given.
    A failed merge raises :class:`MergeFailedError` and leaves ``merge_into``
    as it was. ``on_saved`` receives the :class:`SaveResult` (database, table,
    branch, commits before and after, row counts), e.g. to log it.
    """
    return _save(
        Database(path),
        table,
        frame,
        mode=mode,
        primary_key=primary_key,
        branch=branch,
        start_point=start_point,
        merge_into=merge_into,
        message=message,
        author=author,
        on_saved=on_saved,
    )


# -- lineage -------------------------------------------------------------


def lineage(
    rev: Optional[str] = None, stage: Optional[str] = None, repo: Optional[PathLike] = None
) -> list[DatabaseUse]:
    """Which Dolt database, commit and branch each stage read and wrote at ``rev``."""
    from .dvc.views.lineage import uses

    with _project(repo) as project:
        return uses(project, rev, stage)


def _one_use(
    project: Repo,
    stage: str,
    path: Optional[PathLike],
    rev: Optional[str],
    role: str,
    table: Optional[str] = None,
) -> DatabaseUse:
    from .dvc.errors import DvcDoltError
    from .dvc.project.records import records

    found = [u for u in records(project, rev, stage) if u.role == role]
    if path is not None:
        rel_path = _relative(project, path)
        found = [u for u in found if u.path == rel_path]
    if table is not None and len(found) > 1:
        # Several tables of one database: the one asked for, else the whole
        # database's record.
        found = [u for u in found if u.table == table] or [u for u in found if u.table is None]
    if len({(u.path, u.commit) for u in found}) == 1:
        found = found[:1]  # tables of one database, read at one commit
    verb = "read" if role == "read" else "write"
    if len(found) != 1:
        names = ", ".join(sorted({u.path for u in found})) or "none"
        raise DvcDoltError(
            f"stage '{stage}' did not {verb} exactly one Dolt database"
            f"{'' if path is None else f' at {path!r}'} (it did {verb}: {names})"
        )
    return found[0]


def _read_use(stage, path, table, sql, rev, repo, role) -> pd.DataFrame:
    with _project(repo) as project:
        use = _one_use(project, stage, path, rev, role, table)
        db = _database_at(project, use.path, use.commit, rev)
    return _read(db, table, sql, use.commit, None)


def read_input(
    stage: str,
    path: Optional[PathLike] = None,
    table: Optional[str] = None,
    *,
    sql: Optional[str] = None,
    rev: Optional[str] = None,
    repo: Optional[PathLike] = None,
) -> pd.DataFrame:
    """The exact Dolt data ``stage`` read at git revision ``rev``."""
    return _read_use(stage, path, table, sql, rev, repo, "read")


def read_output(
    stage: str,
    path: Optional[PathLike] = None,
    table: Optional[str] = None,
    *,
    sql: Optional[str] = None,
    rev: Optional[str] = None,
    repo: Optional[PathLike] = None,
) -> pd.DataFrame:
    """The Dolt data ``stage`` wrote at git revision ``rev``."""
    return _read_use(stage, path, table, sql, rev, repo, "wrote")


def changed_inputs(
    stage: str, rev_a: str, rev_b: Optional[str] = None, repo: Optional[PathLike] = None
) -> dict[str, tuple[Optional[str], Optional[str]]]:
    """Databases ``stage`` read at different commits in ``rev_a`` and ``rev_b``."""
    from .dvc.views.lineage import changed_inputs as changed

    with _project(repo) as project:
        return changed(project, stage, rev_a, rev_b)


def same_inputs(
    stage: str, rev_a: str, rev_b: Optional[str] = None, repo: Optional[PathLike] = None
) -> bool:
    """Whether ``stage`` read the same Dolt data at both git revisions."""
    return not changed_inputs(stage, rev_a, rev_b, repo)
