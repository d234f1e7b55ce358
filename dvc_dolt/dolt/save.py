"""Save a DataFrame as a Dolt commit, under a branch policy.

Two policies, as the integrations before this one had them:

- **append**: commit on ``branch`` (default: the checked-out branch);
- **branch and merge**: commit on ``branch``, created from ``start_point`` if
  it does not exist, then merge it into ``merge_into``.

Work happens through dolt's ``--branch``, so the directory's checked-out
branch never moves. A merge runs in one SQL transaction: when it conflicts,
dolt rolls it back and the target branch is left as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Callable, Optional, Union

from .database import Database, TableDiffStat
from .errors import DirtyDatabaseError, DoltCommandError, DoltError
from .heads import Heads
from .runner import quote_string
from .tables import write_table

if TYPE_CHECKING:
    import pandas as pd


class MergeFailedError(DoltError):
    """Merging the saved branch into its target failed; the target is unchanged."""


@dataclass(frozen=True)
class SaveResult:
    """What :func:`save` did; handed to the ``on_saved`` callback too."""

    database: str
    table: str
    branch: str
    commit_before: Optional[str]  # the branch's head before (None: a new branch)
    commit_after: str  # the branch's head after (== before when nothing changed)
    rows: TableDiffStat
    merged_into: Optional[str] = None
    merge_commit: Optional[str] = None
    message: str = ""
    author: Optional[str] = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return self.commit_before != self.commit_after


def _branch_heads(db: Database) -> dict[str, str]:
    rows = db.sql("select name as name, hash as hash from dolt_branches")[0]
    return {row["name"]: row["hash"] for row in rows}


def _require_clean(db: Database, branch: str, action: str) -> Heads:
    return db.on_branch(branch).check_clean(f"{action} on branch '{branch}'")


def save(
    db: Database,
    table: str,
    frame: pd.DataFrame,
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
    """Write ``frame`` into ``table`` and commit it; see the module for policies.

    ``author`` is ``"Name <email>"``. The branch written to (and ``merge_into``)
    must have no uncommitted changes, so a save never commits someone else's
    work. Returns (and passes to ``on_saved``) a :class:`SaveResult`.
    """
    action = f"save table '{table}'"
    current: Optional[Heads]
    before: Optional[str]
    heads = _branch_heads(db) if branch is not None or merge_into else {}
    if branch is None:
        # The usual call: the checked-out branch, looked at (and checked
        # clean) by one dolt process.
        current, reasons = db.inspect()
        target = current.branch
        if not target:
            raise DoltError(f"Dolt database '{db.path}' has no checked-out branch: pass branch=")
        if reasons:
            raise DirtyDatabaseError(str(db.path), reasons, f"{action} on branch '{target}'")
        if start_point is not None:
            raise DoltError(
                f"branch '{target}' exists already: start_point applies to new branches only"
            )
        before = start = current.commit
    else:
        target = branch
        # A new branch starts at start_point, else at the checked-out commit.
        if start_point is None:
            current = db.heads()
            base = current.commit
        else:
            current, base = None, start_point
        before = heads.get(target)
        if before is None:
            db.sql(f"call dolt_branch({quote_string(target)}, {quote_string(base)})")
        elif start_point is not None:
            raise DoltError(
                f"branch '{target}' exists already: start_point applies to new branches only"
            )
        start = _require_clean(db, target, action).commit
    if merge_into:
        if merge_into not in heads:
            raise DoltError(f"Dolt database '{db.path}' has no branch '{merge_into}' to merge into")
        _require_clean(db, merge_into, "merge")
    on_branch = db.on_branch(target)

    # `dolt table import`, the fast way in, only writes the checked-out
    # branch: without --branch, write_table may use it.
    checked_out = db.branch is None and current is not None and target == current.branch
    write_table(db if checked_out else on_branch, table, frame, mode=mode, primary_key=primary_key)
    message = message or f"Save table {table}"
    after, stats = _commit(on_branch, table, start, message, author)

    merge_commit = None
    if merge_into and after != heads.get(merge_into):
        merge_commit = _merge(db, target, merge_into, message, author)
    result = SaveResult(
        database=str(db.path),
        table=table,
        branch=target,
        commit_before=before,
        commit_after=after,
        rows=stats,
        merged_into=merge_into,
        merge_commit=merge_commit,
        message=message,
        author=author,
    )
    if on_saved is not None:
        on_saved(result)
    return result


_STATS = [f.name for f in fields(TableDiffStat) if f.name != "table"]


def _commit(
    db: Database, table: str, start: str, message: str, author: Optional[str]
) -> tuple[str, TableDiffStat]:
    """Commit whatever changed (nothing: no commit); the head after, and ``table``'s
    row counts since ``start``. One dolt process."""
    args = [quote_string("-Am"), quote_string(message), quote_string("--skip-empty")]
    if author:
        args += [quote_string("--author"), quote_string(author)]
    stats = ", ".join(f"{name} as {name}" for name in _STATS)
    results = db.sql(
        f"call dolt_commit({', '.join(args)});\n"
        "select dolt_hashof('HEAD') as head;\n"
        f"select {stats} from dolt_diff_stat({quote_string(start)}, 'HEAD', {quote_string(table)})"
    )
    # The call's own document is not counted on: the last two are the selects.
    (head,), rows = results[-2], results[-1]
    counts = {name: int(rows[0].get(name) or 0) for name in _STATS} if rows else {}
    return head["head"], TableDiffStat(table, **counts)


def _merge(db: Database, source: str, target: str, message: str, author: Optional[str]) -> str:
    """Merge ``source`` into ``target``; the new head of ``target``."""
    args = [quote_string(source), quote_string("-m"), quote_string(f"Merge {source}: {message}")]
    if author:
        args += [quote_string("--author"), quote_string(author)]
    on_target = db.on_branch(target)
    try:
        on_target.sql(f"call dolt_merge({', '.join(args)})")
    except DoltCommandError as exc:
        # "Merge conflict detected, @autocommit transaction rolled back. <advice>"
        why = exc.reason.split(". ")[0]
        raise MergeFailedError(
            f"Dolt database '{db.path}': merging '{source}' into '{target}' failed ({why}); "
            f"'{target}' is unchanged and the saved commit stays on '{source}'"
        ) from None
    return on_target.heads().commit
