"""A Dolt database directory: its heads, whether it is clean, and moving its HEAD."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from . import runner
from .errors import (
    DirtyDatabaseError,
    DoltCommandError,
    DoltError,
    DoltTimeoutError,
    NotADatabaseError,
    UnknownCommitError,
)
from .heads import Heads, check_hash, is_hash
from .runner import quote_identifier, quote_string

# Refs dvc-dolt creates. Both are named by the commit they hold, so they never
# need to move: a name that exists already holds the right commit.
PIN_PREFIX = "dvc/pin/"
KEPT_PREFIX = "dvc/kept/"
# Holds HEAD's commit for the length of one restore process.
SCRATCH_PREFIX = "dvc/restoring/"
REBASE_BRANCH_PREFIX = "dolt_rebase_"
# Written by `dolt sql-server` into the .dolt/ of the directory it serves.
SERVER_INFO = "sql-server.info"

_HEADS_QUERY = (
    "select dolt_hashof('HEAD') as head_commit, dolt_hashof_db('HEAD') as head_root,"
    " dolt_hashof_db('STAGED') as staged_root, dolt_hashof_db() as working_root,"
    " active_branch() as branch"
)
# One process answers every question dirty_reasons() asks.
_INSPECT_QUERY = ";\n".join(
    [
        _HEADS_QUERY,
        "select table_name as table_name, staged as staged, status as status from dolt_status",
        "select is_merging as is_merging, source as source from dolt_merge_status",
        "select `table` as table_name, num_conflicts as n from dolt_conflicts",
        "select `table` as table_name, num_violations as n from dolt_constraint_violations",
        "select table_name as table_name from information_schema.tables"
        " where table_schema = database()",
        "show tables as of 'HEAD'",
    ]
)

# The content hash of each table in the working set (schema and rows): equal
# tables hash equal, whatever commit or branch holds them. Views have none.
_TABLES_QUERY = (
    "select table_name as table_name, dolt_hashof_table(table_name) as hash"
    " from information_schema.tables"
    " where table_schema = database() and table_type = 'BASE TABLE'"
)

_DIFF_STAT_COLUMNS = (
    "rows_unmodified",
    "rows_added",
    "rows_deleted",
    "rows_modified",
    "cells_added",
    "cells_deleted",
    "cells_modified",
    "old_row_count",
    "new_row_count",
)
_SPECIAL_REVS = {"HEAD", "STAGED", "WORKING"}


@dataclass(frozen=True)
class LocalServer:
    """A ``dolt sql-server`` announced in a ``.dolt/sql-server.info`` file."""

    pid: int
    port: Optional[int]

    @classmethod
    def read(cls, path: Path) -> Optional[LocalServer]:
        """The live server ``path`` names; None without one, or when its process is gone."""
        try:
            # "<pid>:<port or ->:<secret>"; the secret is dropped here.
            pid, port, _ = path.read_text(errors="replace").strip().split(":", 2)
            server = cls(int(pid), int(port) if port != "-" else None)
        except (OSError, ValueError):
            return None
        return server if process_exists(server.pid) else None


def process_exists(pid: int) -> bool:
    """Whether process ``pid`` is alive (another user's counts; on Windows, assumed)."""
    if pid <= 0:  # os.kill would signal a whole process group
        return False
    if os.name == "nt":
        # Signal 0 is CTRL_C_EVENT there; trust the file, which the server
        # removes when it stops.
        return True
    try:
        os.kill(pid, 0)
    except PermissionError:  # another user's process
        return True
    except OSError:
        return False
    return True


def pin_branch(commit: str) -> str:
    """Name of the remote branch that keeps ``commit`` fetchable."""
    return PIN_PREFIX + check_hash(commit, "commit")


def kept_branch(commit: str) -> str:
    """Name of the local branch that keeps a moved-away ``commit`` reachable."""
    return KEPT_PREFIX + check_hash(commit, "commit")


@dataclass(frozen=True)
class TableHashes:
    """Each table's content hash in the working set, by name, and the tables
    whose working content is not what the HEAD commit holds."""

    hashes: dict[str, str]
    uncommitted: frozenset[str] = frozenset()


@dataclass(frozen=True)
class TableDiffStat:
    """Row and cell counts of one table's change between two revisions."""

    table: str
    rows_unmodified: int = 0
    rows_added: int = 0
    rows_deleted: int = 0
    rows_modified: int = 0
    cells_added: int = 0
    cells_deleted: int = 0
    cells_modified: int = 0
    old_row_count: int = 0
    new_row_count: int = 0


class DatabaseChangedError(DoltError):
    """A write landed between looking at a database and moving its HEAD."""


@dataclass(frozen=True)
class RestorePlan:
    """What :meth:`Database.plan_restore` saw: the heads, why they are dirty
    (empty when clean), the refs, and whether moving to ``target`` would leave
    HEAD's commit on no ref (None: not known yet)."""

    target: str
    before: Heads
    reasons: tuple[str, ...]
    refs: dict[str, list[str]]
    lose: Optional[bool]

    @property
    def needed(self) -> bool:
        """False when the database already is the clean ``target``."""
        return bool(self.reasons) or self.before.commit != self.target


@dataclass(frozen=True)
class RestoreResult:
    """What :meth:`Database.restore` did."""

    before: Heads
    after: Heads
    # The branch that now keeps the commit HEAD left, when nothing else did.
    kept: Optional[str] = None

    @property
    def changed(self) -> bool:
        return self.before != self.after


def _plural(items: list[str], noun: str) -> str:
    names = ", ".join(f"'{item}'" for item in items)
    return f"{noun}{'s' if len(items) > 1 else ''} {names}"


def _quote_rev(rev: str) -> str:
    if rev.upper() in _SPECIAL_REVS:
        return quote_string(rev.upper())
    return quote_string(rev)


class Database:
    """A directory that holds a Dolt database (``<path>/.dolt``).

    With ``branch``, every command works on that branch (dolt's global
    ``--branch``) and leaves the directory's checked-out branch alone.
    """

    def __init__(self, path: str | os.PathLike[str], branch: Optional[str] = None) -> None:
        self.path = Path(path)
        self.branch = branch

    def __repr__(self) -> str:
        extra = f", branch={self.branch!r}" if self.branch else ""
        return f"{type(self).__name__}({str(self.path)!r}{extra})"

    def on_branch(self, branch: Optional[str]) -> Database:
        """The same database, working on ``branch`` (None: the checked-out one)."""
        return Database(self.path, branch)

    @property
    def _global_args(self) -> list[str]:
        return ["--branch", self.branch] if self.branch else []

    def __fspath__(self) -> str:
        return str(self.path)

    @property
    def exists(self) -> bool:
        return (self.path / ".dolt").is_dir()

    def _require(self) -> None:
        if not self.exists:
            raise NotADatabaseError(f"'{self.path}' is not a Dolt database (no .dolt directory)")

    def run(self, args: list[str], **kwargs: Any) -> str:
        """Run ``dolt <args>`` in this database; its stdout.

        An ``env`` (a remote's endpoint or credentials) only reaches dolt when
        no sql-server serves the database: the server would do the work with
        its own environment, so that case is refused.
        """
        self._require()
        kwargs.setdefault("context", self._context)
        if kwargs.get("env"):
            self.refuse_served(
                args,
                f"which would run `dolt {args[0]}` without this remote's settings"
                " (endpoint, credentials): stop the server and run the command again",
                kwargs.get("error_class", DoltCommandError),
                kwargs["context"],
            )
        return runner.run([*self._global_args, *args], self.path, **kwargs).stdout

    @property
    def _context(self) -> str:
        return f"Dolt database '{self.path}'"

    def refuse_served(
        self,
        args: list[str],
        what_then: str,
        error_class: type[DoltCommandError] = DoltCommandError,
        context: str = "",
    ) -> None:
        """Raise ``error_class`` when a ``dolt sql-server`` serves the database,
        which dolt's CLI would hand ``dolt <args>`` to; ``what_then`` says what
        the server would do with it, and what to do instead."""
        server = self.server()
        if server is None:
            return
        why = f"the database is served by a running dolt sql-server (pid {server.pid}), {what_then}"
        prefix = f"{context or self._context}: "
        raise error_class(prefix + why, runner.redact_argv(["dolt", *args]), None, reason=why)

    def server(self) -> Optional[LocalServer]:
        """The running ``dolt sql-server`` that dolt's CLI would route through, if any.

        Like dolt, looks for ``.dolt/sql-server.info`` here and in every parent
        directory (a server started above serves the databases below it).
        """
        for folder in (self.path.absolute(), *self.path.absolute().parents):
            server = LocalServer.read(folder / ".dolt" / SERVER_INFO)
            if server is not None:
                return server
        return None

    def sql(self, query: str) -> list[list[dict[str, Any]]]:
        """Rows of each ``;``-separated statement."""
        self._require()
        return runner.sql(
            query,
            self.path,
            context=self._context,
            global_args=self._global_args,
        )

    # -- identity -------------------------------------------------------

    def heads(self) -> Heads:
        """HEAD commit, staged root, working root and branch: one dolt process."""
        (row,) = self.sql(_HEADS_QUERY)[0]
        return _heads_from_row(row)

    # -- cleanliness ----------------------------------------------------

    def inspect(self) -> tuple[Heads, list[str]]:
        """Heads and :meth:`dirty_reasons`, from one dolt process."""
        return _inspect_results(self.sql(_INSPECT_QUERY))

    def inspect_tables(self) -> tuple[Heads, list[str], TableHashes]:
        """:meth:`inspect`, and the :class:`TableHashes`; one dolt process."""
        results = self.sql(_INSPECT_QUERY + ";\n" + _TABLES_QUERY)
        heads, reasons = _inspect_results(results[:7])
        status, working, at_head = results[1], results[5], results[6]
        # dolt_status names changed tables; ones dolt_ignore hides are
        # simply not at HEAD.
        uncommitted = {str(r["table_name"]) for r in status} | (
            {str(r["table_name"]) for r in working} - {str(_first_value(r)) for r in at_head}
        )
        hashes = {str(r["table_name"]): str(r["hash"]) for r in results[7]}
        return heads, reasons, TableHashes(hashes, frozenset(uncommitted))

    def dirty_reasons(self) -> list[str]:
        """Empty for a clean database, else one sentence per problem, with its fix."""
        return self.inspect()[1]

    def check_clean(self, action: str = "") -> Heads:
        """The heads of a clean database; DirtyDatabaseError otherwise."""
        heads, reasons = self.inspect()
        if reasons:
            raise DirtyDatabaseError(str(self.path), reasons, action)
        return heads

    # -- history --------------------------------------------------------

    def has_commit(self, commit: str) -> bool:
        """Whether this database holds ``commit``.

        A dolt that could not answer (a timeout, a lock, a damaged database)
        raises: "could not ask" must never pass for "missing".
        """
        check_hash(commit, "commit")
        try:
            self.sql(f"select dolt_hashof({quote_string(commit)}) as h")
        except DoltTimeoutError:
            raise
        except DoltCommandError as exc:
            # What dolt says of a well-formed hash it does not hold.
            if "invalid ref spec" in exc.reason.lower():
                return False
            raise
        return True

    def missing_commits(self, commits: Iterable[str]) -> list[str]:
        """Those of ``commits`` this database does not hold, from one dolt process."""
        wanted = sorted({check_hash(c, "commit") for c in commits})
        if not wanted:
            return []
        listed = ", ".join(quote_string(c) for c in wanted)
        rows = self.sql(
            f"select commit_hash as h from dolt_commits where commit_hash in ({listed})"
        )[0]
        held = {row["h"] for row in rows}
        return [c for c in wanted if c not in held]

    def root_commits(self, commits: Iterable[str]) -> list[str]:
        """The first commits (no parent) of the history of ``commits``: what two
        databases share when one was cloned from the other."""
        wanted = sorted({check_hash(c, "commit") for c in commits})
        if not wanted:
            return []
        logs = " union ".join(
            f"select commit_hash from dolt_log({quote_string(c)})" for c in wanted
        )
        rows = self.sql(
            "select distinct a.commit_hash as h from dolt_commit_ancestors a"
            f" where a.parent_hash is null and a.commit_hash in ({logs})"
        )[0]
        return sorted(row["h"] for row in rows)

    def is_ancestor(self, ancestor: str, rev: str) -> bool:
        """True when ``ancestor`` is ``rev`` or in its history."""
        rows = self.sql(
            f"select count(*) as n from dolt_log({quote_string(rev)})"
            f" where commit_hash = {quote_string(ancestor)}"
        )[0]
        return bool(rows) and _truthy(rows[0].get("n"))

    def plan_restore(self, commit: str) -> RestorePlan:
        """Look at the database before :meth:`restore` moves it: one dolt process.

        Callers that must refuse a dirty database before doing other work (DVC's
        own checkout) look first, then pass the plan to :meth:`restore`.
        """
        check_hash(commit, "commit")
        before, reasons, refs, lose = self._inspect_for_restore(commit)
        return RestorePlan(commit, before, tuple(reasons), refs, lose)

    def restore(
        self, commit: str, force: bool = False, plan: Optional[RestorePlan] = None
    ) -> RestoreResult:
        """Make ``commit`` the HEAD of the current branch, with a clean working set.

        Refuses a dirty database unless ``force`` (which discards uncommitted
        work, aborts a merge or rebase in progress and drops untracked tables).
        The commit HEAD leaves is never lost: unless another branch, a tag or
        ``commit`` itself reaches it, a ``dvc/kept/<hash>`` branch is created
        on it and named in the result; it is deleted again once a restore
        brings the branch back to that commit.

        The move happens only if the database still has the heads and branch
        it was inspected with (``plan``, from :meth:`plan_restore`, or a fresh
        look): a write that lands in between makes it fail with
        DatabaseChangedError, and nothing is reset.

        Two dolt processes, look and move (one with a ``plan``); more where SQL
        cannot tell what HEAD's commit is reachable from (histories without a
        common ancestor) or the commit is not here.
        """
        if plan is None:
            plan = self.plan_restore(commit)
        elif plan.target != commit:
            raise ValueError(f"plan is for commit {plan.target}, not {commit}")
        before, refs, lose = plan.before, plan.refs, plan.lose
        if not plan.needed:
            return RestoreResult(before, before)
        if plan.reasons and not force:
            raise DirtyDatabaseError(str(self.path), list(plan.reasons), f"restore commit {commit}")

        current = before
        if (before.branch or "").startswith(REBASE_BRANCH_PREFIX):
            # The rebase works on a temporary branch; the user's branch is
            # untouched until it finishes, so abort and restore that branch.
            self.run(["rebase", "--abort"])
            current, _, refs = self._inspect_with_refs()
            lose = None

        if current.commit == commit:
            keep = False
        elif lose is None:
            keep = self._would_lose(current, commit, refs)
        else:
            keep = lose
        kept = kept_branch(current.commit) if keep else None
        # Compare and swap: the first statement fails, and dolt runs none of the
        # rest, unless the database is still as it was inspected.
        statements = [_unchanged_since(current)]
        if kept and kept not in refs["branches"]:
            statements.append(
                f"call dolt_branch({quote_string(kept)}, {quote_string(current.commit)})"
            )
        statements.append(f"call dolt_reset('--hard', {quote_string(commit)})")
        if force:
            # Tables that were never staged survive reset --hard.
            statements.append("call dolt_clean()")
        if kept_branch(commit) in refs["branches"]:
            # A kept branch on the commit we come back to has done its job.
            statements.append(f"call dolt_branch('-D', {quote_string(kept_branch(commit))})")
        statements.append(_HEADS_QUERY)
        try:
            results = self.sql(";\n".join(statements))
        except DoltCommandError as exc:
            now = self.heads()
            if now != current or now.branch != current.branch:
                raise DatabaseChangedError(
                    f"Dolt database '{self.path}' changed while restoring commit {commit}"
                    f" (HEAD {current.commit} became {now.commit} on branch '{now.branch}',"
                    f" working root {current.working} became {now.working}); nothing was"
                    " reset: look at it, then run the command again"
                ) from exc
            raise
        after = _heads_from_row(results[-1][0])
        return RestoreResult(before, after, kept)

    def restore_known(self, commit: str, known: Heads) -> Optional[RestoreResult]:
        """:meth:`restore` in one dolt process, for a database the caller has
        seen clean at ``known`` (e.g. through a heads cache); None when it is
        not so any more (then :meth:`restore` looks and says why).

        Whether HEAD's commit needs a ``dvc/kept/`` branch is decided inside
        the process, after the move: the commit is first held by a scratch
        branch, copied to the kept branch only if nothing else reaches it,
        and dropped. A failure after the move leaves the commit kept.
        """
        check_hash(commit, "commit")
        branch = known.branch or ""
        if (
            known.head_root is None
            or not known.is_clean
            or not branch
            or branch.startswith((REBASE_BRANCH_PREFIX, PIN_PREFIX, KEPT_PREFIX))
            or known.commit == commit
        ):
            return None
        left, kept, back = known.commit, kept_branch(known.commit), kept_branch(commit)
        scratch = f"{SCRATCH_PREFIX}{uuid.uuid4().hex}"
        q_left, q_scratch = quote_string(left), quote_string(scratch)
        reached = " or ".join(
            [
                f"dolt_merge_base({q_left}, dolt_hashof('HEAD')) = {q_left}",
                "exists (select 1 from dolt_branches where name != active_branch()"
                f" and name != {q_scratch} and dolt_merge_base({q_left}, hash) = {q_left})",
                f"exists (select 1 from dolt_tags where dolt_merge_base({q_left}, tag_hash)"
                f" = {q_left})",
            ]
        )
        statements = [
            _clean_and_unchanged_since(known),
            f"call dolt_branch('-f', {q_scratch}, {q_left})",
            f"call dolt_reset('--hard', {quote_string(commit)})",
            f"select case when {reached} then 0 else 1 end as lose",
            # Procedure arguments are expressions: "copy" to itself when reached.
            f"call dolt_branch('-c', '-f', {q_scratch},"
            f" case when {reached} then {q_scratch} else {quote_string(kept)} end)",
            # A kept branch on the commit we come back to has done its job.
            f"call dolt_branch('-f', {quote_string(back)}, {quote_string(commit)})",
            f"call dolt_branch('-D', {q_scratch}, {quote_string(back)})",
            _HEADS_QUERY,
        ]
        try:
            results = self.sql(";\n".join(statements))
        except DoltCommandError:
            return self._after_failed_restore(known, scratch, kept, back)
        lose = _truthy(results[3][0].get("lose")) if results[3] else False
        return RestoreResult(known, _heads_from_row(results[-1][0]), kept if lose else None)

    def _after_failed_restore(
        self, known: Heads, scratch: str, kept: str, back: str
    ) -> Optional[RestoreResult]:
        """Tidy up after :meth:`restore_known` stopped part-way; None if HEAD never moved."""
        now, _, refs = self._inspect_with_refs()
        branches = refs["branches"]
        if scratch not in branches:
            return None  # the first statement stopped it: nothing changed
        moved = now.commit != known.commit or now.branch != known.branch
        scratch_sql, kept_sql = quote_string(scratch), quote_string(kept)
        if not moved or kept in branches:
            statements = [f"call dolt_branch('-D', {scratch_sql})"]
        else:
            # Keeping is always safe; whether something else reaches the commit
            # is what could not be worked out.
            statements = [f"call dolt_branch('-m', {scratch_sql}, {kept_sql})"]
        if moved and back in branches:
            statements.append(f"call dolt_branch('-D', {quote_string(back)})")
        self.sql(";\n".join(statements))
        if not moved:
            return None
        return RestoreResult(known, now, None if kept in branches else kept)

    def _inspect_with_refs(self) -> tuple[Heads, list[str], dict[str, list[str]]]:
        results = self.sql(_INSPECT_QUERY + _REFS_QUERY)
        heads, reasons = _inspect_results(results[:7])
        return heads, reasons, _refs(results[7:9])

    def _inspect_for_restore(
        self, target: str
    ) -> tuple[Heads, list[str], dict[str, list[str]], Optional[bool]]:
        """:meth:`_inspect_with_refs`, and whether moving the branch to ``target``
        would leave HEAD's commit on no ref: None when SQL could not tell, and
        when the database lacks ``target`` (:meth:`_would_lose` then says so).

        HEAD's commit stays reachable when it is an ancestor of the target, of
        another branch or of a tag: then their merge base is that commit.
        """
        target_sql = quote_string(target)
        on_head = "dolt_merge_base({}, dolt_hashof('HEAD')) = dolt_hashof('HEAD')"
        known = f"exists (select 1 from dolt_commits where commit_hash = {target_sql})"
        reach = ";\n".join(
            [
                # NULL (left out of dolt's JSON) for a target the database lacks.
                f"select case when {known} then {on_head.format(target_sql)} end as n",
                "select count(*) as n from dolt_branches"
                f" where name != active_branch() and {on_head.format('hash')}",
                f"select count(*) as n from dolt_tags where {on_head.format('tag_hash')}",
            ]
        )
        try:
            results = self.sql(_INSPECT_QUERY + _REFS_QUERY + ";\n" + reach)
        except DoltCommandError:
            # dolt_merge_base fails on histories with no common ancestor.
            return (*self._inspect_with_refs(), None)
        heads, reasons = _inspect_results(results[:7])
        refs = _refs(results[7:9])
        (target_row,), (branch_row,), (tag_row,) = results[9:12]
        if target_row.get("n") is None:
            return heads, reasons, refs, None
        reached = any(_truthy(row.get("n")) for row in (target_row, branch_row, tag_row))
        return heads, reasons, refs, not reached

    def _would_lose(self, current: Heads, target: str, refs: dict[str, list[str]]) -> bool:
        """Whether moving the branch from ``current`` to ``target`` leaves a commit on no ref.

        Also the check that ``target`` is here at all (UnknownCommitError).
        """
        others = [b for b in refs["branches"] if b != current.branch] + refs["tags"]
        statements = [f"select dolt_hashof({quote_string(target)}) as h"] + [
            f"select count(*) as n from dolt_log({quote_string(rev)})"
            f" where commit_hash = {quote_string(current.commit)}"
            for rev in [target, *others]
        ]
        try:
            results = self.sql(";\n".join(statements))
        except DoltCommandError as exc:
            if not self.has_commit(target):
                raise UnknownCommitError(
                    f"commit {target} is not in Dolt database '{self.path}'; fetch it first"
                ) from exc
            raise
        return not any(rows and _truthy(rows[0].get("n")) for rows in results[1:])

    def branches(self) -> list[str]:
        return [row["name"] for row in self.sql("select name as name from dolt_branches")[0]]

    def branch_heads(self, prefix: str = "") -> dict[str, str]:
        """The head commit of each branch whose name starts with ``prefix``. One dolt process."""
        rows = self.sql("select name as name, hash as hash from dolt_branches")[0]
        return {r["name"]: r["hash"] for r in rows if r["name"].startswith(prefix)}

    def rename_branch(self, old: str, new: str) -> Heads:
        """Rename branch ``old`` (even the checked-out one) to ``new``; the heads after.

        One dolt process.
        """
        (row,) = self.sql(
            f"call dolt_branch('-m', {quote_string(old)}, {quote_string(new)});\n{_HEADS_QUERY}"
        )[-1]
        return _heads_from_row(row)

    def set_branch(self, name: str, commit: str) -> Optional[str]:
        """Point branch ``name`` at ``commit``, creating or moving it.

        The commit a moved branch leaves is never lost: unless another branch,
        a tag or ``commit`` reaches it, a ``dvc/kept/<hash>`` branch is created
        on it first and returned. Two dolt processes, look and move.
        """
        check_hash(commit, "commit")
        left = self._left_by_move(name, commit)
        kept = kept_branch(left) if left else None
        statements = [f"call dolt_branch('-f', {quote_string(name)}, {quote_string(commit)})"]
        if left and kept:
            statements.insert(0, f"call dolt_branch({quote_string(kept)}, {quote_string(left)})")
        self.sql(";\n".join(statements))
        return kept

    def _left_by_move(self, name: str, commit: str) -> Optional[str]:
        """The commit branch ``name`` holds, if moving it to ``commit`` leaves it on no ref."""
        refs = (
            "(select count(*) from dolt_branches o where o.name != b.name and {branch})"
            " + (select count(*) from dolt_tags t where {tag}) + ({target}) as refs"
        )
        reached = "dolt_merge_base({}, b.hash) = b.hash"
        query = "select b.hash as old, {refs} from dolt_branches b where b.name = " + quote_string(
            name
        )
        try:
            rows = self.sql(
                query.format(
                    refs=refs.format(
                        branch=reached.format("o.hash"),
                        tag=reached.format("t.tag_hash"),
                        target=reached.format(quote_string(commit)),
                    )
                )
            )[0]
        except DoltCommandError:
            # dolt_merge_base fails on histories with no common ancestor: count
            # only refs that point at the commit itself.
            rows = self.sql(
                query.format(
                    refs=refs.format(
                        branch="o.hash = b.hash", tag="t.tag_hash = b.hash", target="false"
                    )
                )
            )[0]
        if not rows or rows[0]["old"] == commit or _truthy(rows[0].get("refs")):
            return None
        return rows[0]["old"]

    def prune_branches(
        self,
        prefixes: Iterable[str],
        needed: Iterable[str],
        protected: Iterable[str] = (),
        dry_run: bool = False,
    ) -> list[str]:
        """Delete the branches under ``prefixes`` that no ``needed`` commit requires.

        A needed commit this database holds stays reachable: from a tag, a
        branch outside ``prefixes``, or a branch under them that is kept for
        it (one whose head is the commit, else one under the earliest of
        ``prefixes``). ``protected`` branches and
        the checked-out one are never deleted. Returns the branches deleted
        (with ``dry_run``: that would be). Four dolt processes at most.
        """
        prefixes = tuple(prefixes)
        kept = set(protected)

        def rank(branch: str) -> int:
            return next(i for i, p in enumerate(prefixes) if branch.startswith(p))

        rows = self.sql(
            "select name as name, hash as hash, name = active_branch() as active"
            " from dolt_branches order by name"
        )[0]
        candidates = {
            r["name"]: r["hash"]
            for r in rows
            if r["name"].startswith(prefixes)
            and r["name"] not in kept
            and not _truthy(r.get("active"))
        }
        if not candidates:
            return []
        commits = sorted({check_hash(c, "commit") for c in needed})
        missing = set(self.missing_commits(commits)) if commits else set()
        wanted = [c for c in commits if c not in missing]
        # One statement per commit: has_ancestor in a join crashes dolt 1.83.2.
        reach = "select {col} as name from {table} where has_ancestor({ref}, {commit})"
        statements = [
            reach.format(col=col, table=table, ref=ref, commit=quote_string(c))
            for c in wanted
            for col, table, ref in (
                ("name", "dolt_branches", "hash"),
                ("tag_name", "dolt_tags", "tag_hash"),
            )
        ]
        results = self.sql(";\n".join(statements)) if statements else []
        for i, commit in enumerate(wanted):
            branches = [r["name"] for r in results[2 * i]]
            if results[2 * i + 1] or any(b not in candidates or b in kept for b in branches):
                continue
            reaching = [b for b in branches if b in candidates]
            if reaching:
                # Keep the branch whose head is the commit, else the one under
                # the earliest prefix.
                kept.add(min(reaching, key=lambda b: (candidates[b] != commit, rank(b), b)))
        doomed = sorted(b for b in candidates if b not in kept)
        if doomed and not dry_run:
            self.sql(";\n".join(f"call dolt_branch('-D', {quote_string(b)})" for b in doomed))
        return doomed

    def branches_containing(self, commits: Iterable[str]) -> dict[str, list[str]]:
        """For each commit this database holds, the branches that reach it.

        Branches whose head *is* the commit come first. Two dolt processes.
        """
        wanted = sorted({check_hash(c, "commit") for c in commits})
        present = [c for c in wanted if c not in self.missing_commits(wanted)]
        if not present:
            return {}
        results = self.sql(
            ";\n".join(
                "select name as name, hash as hash from dolt_branches"
                f" where has_ancestor(hash, {quote_string(c)}) order by name"
                for c in present
            )
        )
        found = {}
        for commit, rows in zip(present, results):
            tips = [r["name"] for r in rows if r["hash"] == commit]
            found[commit] = tips + [r["name"] for r in rows if r["hash"] != commit]
        return found

    def row_counts(self, reads: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """Rows of table ``t`` at commit ``c`` for each ``(t, c)``, from one dolt
        process; a pair dolt cannot count (a table or commit it lacks) is left out."""
        wanted = sorted({(t, check_hash(c, "commit")) for t, c in reads})

        def query(pairs: list[tuple[str, str]]) -> list[list[dict[str, Any]]]:
            return self.sql(
                ";\n".join(
                    f"select count(*) as n from {quote_identifier(t)} as of {quote_string(c)}"
                    for t, c in pairs
                )
            )

        if not wanted:
            return {}
        try:
            results = query(wanted)
        except DoltCommandError:
            # One pair dolt cannot count fails the batch: count them one by one.
            counts = {}
            for pair in wanted:
                with contextlib.suppress(DoltCommandError):
                    counts[pair] = int(query([pair])[0][0].get("n") or 0)
            return counts
        return {pair: int(rows[0].get("n") or 0) for pair, rows in zip(wanted, results)}

    def diff_stat(self, from_rev: str, to_rev: str) -> dict[str, TableDiffStat]:
        """Per-table row/cell counts of the change ``from_rev`` -> ``to_rev``.

        Revisions are commit hashes, branch or tag names, or HEAD/STAGED/WORKING.
        """
        for rev in (from_rev, to_rev):
            if not (is_hash(rev) or rev.upper() in _SPECIAL_REVS or rev):
                raise ValueError(f"empty revision {rev!r}")
        cols = ", ".join(f"{c} as {c}" for c in ("table_name", *_DIFF_STAT_COLUMNS))
        rows = self.sql(
            f"select {cols} from dolt_diff_stat({_quote_rev(from_rev)}, {_quote_rev(to_rev)})"
        )[0]
        return {
            row["table_name"]: TableDiffStat(
                row["table_name"], **{c: int(row.get(c) or 0) for c in _DIFF_STAT_COLUMNS}
            )
            for row in rows
        }


_REFS_QUERY = ";\nselect name as name from dolt_branches;\nselect tag_name as name from dolt_tags"


def _refs(results: list[list[dict[str, Any]]]) -> dict[str, list[str]]:
    branches, tags = results
    return {"branches": [r["name"] for r in branches], "tags": [r["name"] for r in tags]}


def _truthy(value: Any) -> bool:
    # The embedded engine's JSON gives booleans and counts as JSON values
    # (true, 1); through a running sql-server every value is text ("0").
    return value not in (None, False, 0, "0", "false", "")


def _inspect_results(results: list[list[dict[str, Any]]]) -> tuple[Heads, list[str]]:
    heads = _heads_from_row(results[0][0])
    status, merge, conflicts, violations, working_tables, head_tables = results[1:7]
    return heads, _reasons(heads, status, merge, conflicts, violations, working_tables, head_tables)


def _unchanged_since(heads: Heads) -> str:
    """A statement that fails unless the database still has ``heads`` and branch."""
    checks = [
        f"dolt_hashof('HEAD') = {quote_string(heads.commit)}",
        f"dolt_hashof_db('STAGED') = {quote_string(heads.staged)}",
        f"dolt_hashof_db() = {quote_string(heads.working)}",
    ]
    if heads.branch is not None:
        checks.append(f"active_branch() = {quote_string(heads.branch)}")
    same = " and ".join(checks)
    # Not a valid ref name, so dolt_hashof fails on it.
    return f"select dolt_hashof(case when {same} then 'HEAD' else 'changed: stop' end) as same"


def _clean_and_unchanged_since(heads: Heads) -> str:
    """:func:`_unchanged_since`, and no merge, conflict or violation either."""
    guard = _unchanged_since(heads)
    clean = (
        "not exists (select 1 from dolt_merge_status where is_merging)"
        " and not exists (select 1 from dolt_conflicts)"
        " and not exists (select 1 from dolt_constraint_violations)"
    )
    return guard.replace(" then 'HEAD'", f" and {clean} then 'HEAD'", 1)


def _heads_from_row(row: dict[str, Any]) -> Heads:
    return Heads(
        commit=row["head_commit"],
        staged=row["staged_root"],
        working=row["working_root"],
        branch=row.get("branch"),
        head_root=row["head_root"],
    )


def _first_value(row: dict[str, Any]) -> Any:
    return next(iter(row.values()))


def _reasons(
    heads: Heads,
    status: list[dict[str, Any]],
    merge: list[dict[str, Any]],
    conflicts: list[dict[str, Any]],
    violations: list[dict[str, Any]],
    working_tables: list[dict[str, Any]],
    head_tables: list[dict[str, Any]],
) -> list[str]:
    reasons = []
    branch = heads.branch or ""
    rebasing = branch.startswith(REBASE_BRANCH_PREFIX)
    if rebasing:
        reasons.append(
            f"a rebase of branch '{branch[len(REBASE_BRANCH_PREFIX) :]}' is in progress:"
            " finish it with `dolt rebase --continue` or abort it with `dolt rebase --abort`"
        )
    merging = bool(merge) and _truthy(merge[0].get("is_merging"))
    if merging and not rebasing:
        source = merge[0].get("source", "")
        reasons.append(
            f"a merge (or cherry-pick/revert) of '{source}' is in progress: finish it with"
            " `dolt commit` or abort it with `dolt merge --abort` (`dolt cherry-pick --abort`)"
        )
    for row in conflicts:
        reasons.append(
            f"table '{row['table_name']}' has {row.get('n', 0)} unresolved conflict(s):"
            " resolve them with `dolt conflicts resolve`"
        )
    for row in violations:
        reasons.append(
            f"table '{row['table_name']}' has {row.get('n', 0)} constraint violation(s):"
            f" fix the rows and clear `dolt_constraint_violations_{row['table_name']}`"
        )
    skip = {"conflict", "constraint violation"}
    changed = [r for r in status if r.get("status") not in skip]
    unstaged = sorted({r["table_name"] for r in changed if not _truthy(r.get("staged"))})
    staged = sorted({r["table_name"] for r in changed if _truthy(r.get("staged"))})
    if unstaged:
        reasons.append(
            f"uncommitted changes to {_plural(unstaged, 'table')}: run `dolt add` and `dolt commit`"
        )
    if staged:
        reasons.append(
            f"staged but uncommitted changes to {_plural(staged, 'table')}: run `dolt commit`"
        )
    roots_differ = not (heads.working == heads.staged == heads.head_root)
    if roots_differ and not reasons:
        # Roots see what dolt_status hides: tables matched by dolt_ignore.
        known = {_first_value(r) for r in head_tables} | {r["table_name"] for r in status}
        hidden = sorted({r["table_name"] for r in working_tables} - known)
        if hidden:
            reasons.append(
                f"{_plural(hidden, 'table')} matched by dolt_ignore "
                "change the working set: drop them, or commit them (`dolt add -f`)"
            )
        else:
            reasons.append(
                "the working set differs from HEAD: run `dolt status`, then `dolt add` and "
                "`dolt commit`"
            )
    return reasons
