"""``dvc exp run`` and ``dvc exp apply`` with Dolt databases.

An experiment run in the workspace commits its Dolt outputs on the
database's current branch, and the next experiment moves that branch on. So
that each experiment's data stays reachable by name, the output commits it
made get a branch ``dvc/exp/<experiment>``, in the databases it wrote only: a
database the experiment only read, or left at the commit it started from,
gets none. A name used again (on another baseline, or with ``exp run -f``)
moves that branch; the commit it leaves is kept on ``dvc/kept/<hash>``
unless another ref reaches it. ``exp rename`` moves the branch with the
experiment; ``exp remove`` drops it (see :mod:`dvc_dolt.dvc.prune`).

``--temp``, ``--queue`` and ``--run-all`` run the experiment in a copy of
the git repository, which does not hold the git-ignored databases. When DVC
stashes the experiment, each database's current commit is noted (a database
with uncommitted work is refused: only commits reach the copy). Before DVC
checks out and reproduces in the copy, in this process or in a queue worker,
each database is cloned there from the workspace's, through a local store (no
network): at the commit the experiment records, else at the one noted when it
was queued. When DVC has collected the experiment's git refs, the commits its
stages made come back the same way into the workspace's databases, on branch
``dvc/exp/<experiment>``. Parallel workers take turns on each workspace
database (DVC's experiment lock), so none of dvc-dolt's writes to it overlap.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import time
from collections import defaultdict
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from dvc_dolt.dolt import Database, DoltError, UnknownCommitError
from dvc_dolt.dolt.remote import (
    clone_at,
    fetch_pins,
    forget_pins,
    push_pins,
    remote_named_for,
)

from .errors import DvcDoltError, dvc_errors
from .lineage import WROTE, records
from .output import DoltMixin
from .remotes import database_key

if TYPE_CHECKING:
    from dvc.repo import Repo
    from dvc.repo.experiments.executor.base import BaseExecutor
    from dvc.repo.experiments.refs import ExpRefInfo

logger = logging.getLogger("dvc").getChild("dolt")

EXP_BRANCH_PREFIX = "dvc/exp/"
# Under .dvc/tmp: the store through which workspace databases and their
# copies in experiments' temporary directories trade commits.
EXCHANGE_DIR = os.path.join("dolt", "exchange")
EXCHANGE_REMOTE = "dvc-exchange"
# Under .dvc/tmp: experiments' databases whose commits could not be brought back.
STRANDED_DIR = os.path.join("dolt", "stranded")
# Under .dvc/tmp: the commit of each database when an experiment was queued,
# by stash commit (<stash_rev>.json); removed once its copy is made.
NOTED_DIR = os.path.join("dolt", "queued")
# In an experiment's temporary copy, under .dvc/tmp: the commit each database
# was cloned at, which its stages start from.
STARTED_FILE = os.path.join("dolt", "started.json")
# Seconds a worker waits for another's turn on a database (each turn is one
# or two local dolt processes).
LOCK_WAIT = 300.0


def experiment_branch(name: str) -> str:
    return EXP_BRANCH_PREFIX + name


def _dolt_items(repo: Repo) -> list[DoltMixin]:
    return [
        item
        for stage in repo.index.stages
        for item in (*stage.deps, *stage.outs)
        if isinstance(item, DoltMixin)
    ]


def run_with(dvc_run, repo: Repo, *args: Any, **kwargs: Any) -> dict:
    """DVC's ``exp run``; then a branch per experiment on the Dolt output commits it made."""
    # A run in a temporary copy keeps its commits when DVC collects it:
    # see bring_back().
    outside = any(kwargs.get(flag) for flag in ("queue", "run_all", "tmp_dir"))
    started = {} if outside else _workspace_starts(repo)
    results = dvc_run(repo, *args, **kwargs)
    if not outside:
        for exp_rev in results or {}:
            keep_experiment(repo, exp_rev, started)
    return results


def _workspace_starts(repo: Repo) -> dict[str, set[str]]:
    """The commits each workspace database may start a workspace run at, by path.

    DVC checks each output out at its recorded commit before reproducing,
    and first commits the ``.dvc`` files of data dependencies at their
    current commit: an output left at either was not written by the run.
    """
    from dvc.exceptions import DvcException

    from .output import heads_cache_at
    from .parallel import in_parallel

    try:
        found = records(repo)
        paths = database_paths(repo)
    except DvcException:
        return {}  # DVC's run says what is wrong with the pipeline
    starts: dict[str, set[str]] = defaultdict(set)
    for use in found:
        starts[use.path].add(use.commit)
    cache = heads_cache_at(repo.tmp_dir)

    def head(shown: str) -> str | None:
        db = Database(os.path.join(repo.root_dir, *shown.split("/")))
        try:
            return cache.heads(db).commit if db.exists else None
        except DoltError:
            return None  # unknown: its output counts as written

    for shown, commit in zip(paths, in_parallel(head, paths)):
        if commit:
            starts[shown].add(commit)
    return dict(starts)


def stash_with(dvc_stash, queue: Any, *args: Any, **kwargs: Any) -> Any:
    """DVC's ``_stash_exp``; first, for a run outside the workspace, note each
    database's commit, which the experiment then reads wherever it runs.

    A database with uncommitted work is refused before DVC stashes anything:
    only commits reach the temporary copy, so the experiment would silently
    run without that work.
    """
    from dvc.repo.experiments.queue.tempdir import TempDirQueue
    from dvc.repo.experiments.queue.workspace import WorkspaceQueue

    if isinstance(queue, WorkspaceQueue) and not isinstance(queue, TempDirQueue):
        return dvc_stash(queue, *args, **kwargs)
    repo = queue.repo
    noted = _note_commits(repo)
    entry = dvc_stash(queue, *args, **kwargs)
    if noted:
        _write_noted(repo, entry.stash_rev, noted)
    return entry


def _note_commits(repo: Repo) -> dict[str, str]:
    """The HEAD commit of each workspace database, by path; refuses dirty ones.

    Through the heads cache: queueing a grid of experiments asks dolt once per
    database, not once per experiment.
    """
    from .output import heads_cache_at
    from .parallel import in_parallel

    cache = heads_cache_at(repo.tmp_dir)

    def inspect(shown: str) -> tuple[str | None, list[str]]:
        db = Database(os.path.join(repo.root_dir, *shown.split("/")))
        if not db.exists:
            return None, []
        with dvc_errors(f"Dolt database '{shown}': "):
            heads, reasons = cache.inspect(db)
        return heads.commit, reasons

    paths = database_paths(repo)
    found = dict(zip(paths, in_parallel(inspect, paths)))
    refused = [
        f"Dolt database '{shown}': " + "; ".join(reasons)
        for shown, (_, reasons) in found.items()
        if reasons
    ]
    if refused:
        raise DvcDoltError(
            "cannot run an experiment outside the workspace: only Dolt commits reach "
            "its temporary copy. Commit the changes (`dolt commit`) first.\n" + "\n".join(refused)
        )
    return {shown: commit for shown, (commit, _) in found.items() if commit}


def _noted_path(repo: Repo, stash_rev: str) -> str:
    return os.path.join(repo.tmp_dir, NOTED_DIR, f"{stash_rev}.json")


def _write_noted(repo: Repo, stash_rev: str, noted: dict[str, str]) -> None:
    _write_commits(_noted_path(repo, stash_rev), noted)


def _read_noted(repo: Repo, stash_rev: str) -> dict[str, str]:
    return _read_commits(_noted_path(repo, stash_rev))


def _write_commits(path: str, commits: dict[str, str]) -> None:
    """A commit by database path, as JSON, replaced at once."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as fobj:
        json.dump(commits, fobj)
    os.replace(tmp, path)


def _read_commits(path: str) -> dict[str, str]:
    try:
        with open(path, encoding="utf-8") as fobj:
            found = json.load(fobj)
    except (OSError, ValueError):
        return {}
    if not isinstance(found, dict):
        return {}
    return {k: v for k, v in found.items() if isinstance(k, str) and isinstance(v, str)}


@contextmanager
def turn(repo: Repo, shown: str) -> Iterator[None]:
    """Hold database ``shown``'s turn among the processes that run experiments.

    Queue workers collect experiments in parallel: adding the exchange
    remote, fetching into the workspace database and moving its branches must
    not overlap. DVC's experiment lock names the database; a holder that died
    does not block (DVC checks its pid).
    """
    from dvc.lock import LockError
    from dvc.repo.experiments.utils import get_exp_rwlock

    name = f"dolt/{database_key(shown)}"
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        lock = get_exp_rwlock(repo, writes=[name])
        try:
            lock.__enter__()
        except LockError:
            if time.monotonic() > deadline:
                raise DvcDoltError(
                    f"Dolt database '{shown}' stayed locked by another experiment for "
                    f"{LOCK_WAIT:.0f} s"
                ) from None
            time.sleep(0.2)
            continue
        break
    try:
        yield
    finally:
        lock.__exit__(None, None, None)


def database_paths(repo: Repo) -> list[str]:
    """Repo-relative paths of the workspace's Dolt databases (deps, outputs, and
    those whose tables stages read)."""
    from .table_deps import DoltTableDependency

    paths = {
        "/".join(item.index_key[1])  # type: ignore[attr-defined]
        for item in _dolt_items(repo)
        if item.is_in_repo  # type: ignore[attr-defined]
    }
    paths.update(
        "/".join(dep.index_key[1][:-1])
        for stage in repo.index.stages
        for dep in stage.deps
        if isinstance(dep, DoltTableDependency) and dep.is_in_repo
    )
    return sorted(paths)


def _temp_root(executor: BaseExecutor) -> str:
    """The DVC root inside an executor's temporary copy of the git repository."""
    return os.path.dirname(os.path.join(executor.root_dir, executor.dvc_dir))


def _started_path(executor: BaseExecutor) -> str:
    # .dvc/tmp is git-ignored: the file stays out of the experiment's commit.
    return os.path.join(executor.root_dir, executor.dvc_dir, "tmp", STARTED_FILE)


def exchange_url(repo: Repo, shown: str) -> str:
    """The ``file://`` store through which database ``shown`` and its copies trade commits.

    A database with a chunk journal (every database dolt makes) cannot be a
    remote itself ("cannot create NBS store for directory containing chunk
    journal"), so commits travel through a plain store beside DVC's other
    temporary files. Only chunks it lacks are written to it.
    """
    path = os.path.abspath(os.path.join(repo.tmp_dir, EXCHANGE_DIR, database_key(shown)))
    # Dolt makes a file:// store's directory only when the remote is added;
    # one removed since (it is only a cache of commits) is made again here.
    if not os.path.lexists(path):
        os.makedirs(path, exist_ok=True)
    return PurePosixPath(path).as_uri()


def _exchange_remote(repo: Repo, db: Database, url: str) -> str:
    from .sync import _remotes_cache

    return remote_named_for(db, url, EXCHANGE_REMOTE, cache=_remotes_cache(repo.tmp_dir))


def prepare_temp(executor: BaseExecutor, repo: Repo, rev: str) -> None:
    """Clone each workspace database into the executor's temporary copy, no network.

    ``rev`` is the git commit the experiment starts from. A database it
    records (an output, a ``.dvc`` file) is cloned at that commit; one that
    stages only read, at the workspace's current commit, which is what a run
    in the workspace would read. DVC's checkout in the copy then finds each
    output at its recorded commit.
    """
    from .parallel import in_parallel

    paths = database_paths(repo)
    if not paths:
        return
    root = _temp_root(executor)
    recorded = {use.path: use.commit for use in records(repo, rev) if use.role == WROTE}
    noted = _read_noted(repo, rev)

    def clone(shown: str) -> str | None:
        workspace = Database(os.path.join(repo.root_dir, *shown.split("/")))
        dest = os.path.join(root, *shown.split("/"))
        if not workspace.exists or os.path.lexists(dest):
            return None
        url = exchange_url(repo, shown)
        with dvc_errors(f"Dolt database '{shown}': "):
            commit = recorded.get(shown) or noted.get(shown) or workspace.heads().commit
            try:
                with turn(repo, shown):
                    push_pins(workspace, _exchange_remote(repo, workspace, url), [commit])
            except UnknownCommitError:
                raise DvcDoltError(
                    f"Dolt database '{shown}' does not hold commit {commit}, which the "
                    f"experiment starts from: `dvc fetch {shown}` brings it"
                ) from None
            clone_at(url, dest, commit)
        logger.debug("Dolt database '%s' cloned at %s into '%s'", shown, commit, dest)
        return commit

    cloned = dict(zip(paths, in_parallel(clone, paths)))
    # DVC's checkout in the copy keeps these commits: an output still there
    # when the experiment is collected was not written by it.
    _write_commits(
        _started_path(executor), {shown: commit for shown, commit in cloned.items() if commit}
    )
    with contextlib.suppress(FileNotFoundError):
        os.remove(_noted_path(repo, rev))


def bring_back(executor: BaseExecutor, repo: Repo, exp_ref: ExpRefInfo) -> None:
    """Bring the commits an experiment made in its temporary copy into the workspace.

    Runs after DVC fetched the experiment's git refs and before it removes
    the copy. Each commit goes through the exchange store as a pin named by
    the commit, so two experiments never push to one branch; in the
    workspace database it then gets branch ``dvc/exp/<name>``. An output
    still at the commit it was cloned at stays where it is.
    """
    exp_rev = repo.scm.get_ref(str(exp_ref))
    if not exp_rev:
        return
    root = _temp_root(executor)
    started = {shown: {commit} for shown, commit in _read_commits(_started_path(executor)).items()}
    failed = []
    brought: dict[str, tuple[Database, str, str]] = {}
    for shown, commit in written(repo, exp_rev, started).items():
        parts = shown.split("/")
        clone = Database(os.path.join(root, *parts))
        workspace = Database(os.path.join(repo.root_dir, *parts))
        if not clone.exists:
            continue
        if not workspace.exists:
            _keep_for_apply(repo, clone, shown)
            continue
        try:
            brought[shown] = _bring_one(repo, clone, workspace, shown, commit)
        except DoltError as exc:
            # DVC removes the copy next: keep the database, and its commit, out of it.
            kept = os.path.join(repo.tmp_dir, STRANDED_DIR, exp_ref.name, database_key(shown))
            os.makedirs(os.path.dirname(kept), exist_ok=True)
            shutil.move(str(clone.path), kept)
            failed.append(
                f"Dolt database '{shown}': commit {commit} of experiment "
                f"'{exp_ref.name}' could not be brought back ({exc}); the database that "
                f"holds it is kept at '{kept}', and `dvc exp apply {exp_ref.name}` "
                "tries again"
            )
    _branch_brought(repo, exp_ref.name, brought)
    if failed:
        raise DvcDoltError("\n".join(failed))


def _bring_one(
    repo: Repo, clone: Database, workspace: Database, shown: str, commit: str
) -> tuple[Database, str, str]:
    """``commit`` of ``clone`` into ``workspace``, through the exchange store."""
    url = exchange_url(repo, shown)
    with turn(repo, shown):
        push_pins(clone, remote_named_for(clone, url, "origin"), [commit])
        exchange = _exchange_remote(repo, workspace, url)
        fetch_pins(workspace, exchange, [commit])
    return workspace, exchange, commit


def _branch_brought(repo: Repo, name: str, brought: dict[str, tuple[Database, str, str]]) -> None:
    commits = {shown: commit for shown, (_, _, commit) in brought.items()}
    for shown in _branch(repo, name, commits):
        # Branch dvc/exp/<name> holds the commit now: `dvc exp remove` can
        # let it go with the experiment.
        workspace, exchange, commit = brought[shown]
        with turn(repo, shown):
            forget_pins(workspace, exchange, [commit])


def bring_back_stranded(repo: Repo, rev: Any) -> None:
    """Try again to bring back the commits experiment ``rev`` left stranded.

    When that fails again, one error names where each commit is kept, before
    ``exp apply`` changes anything.
    """
    found = _stranded_experiment(repo, rev)
    if found is None:
        return
    name, exp_rev = found
    base = os.path.join(repo.tmp_dir, STRANDED_DIR, name)
    brought: dict[str, tuple[Database, str, str]] = {}
    for use in records(repo, exp_rev):
        kept = Database(os.path.join(base, database_key(use.path)))
        if use.role != WROTE or not kept.exists:
            continue
        workspace = Database(os.path.join(repo.root_dir, *use.path.split("/")))
        try:
            brought[use.path] = _bring_one(repo, kept, workspace, use.path, use.commit)
        except DoltError as exc:
            raise DvcDoltError(
                f"Dolt database '{use.path}': commit {use.commit} of experiment '{name}' "
                f"is only in the database kept at '{kept.path}', and it still cannot be "
                f"brought back ({exc})"
            ) from None
        shutil.rmtree(kept.path)
        logger.info("Dolt database '%s': commit %s brought back", use.path, use.commit)
    _branch_brought(repo, name, brought)
    with contextlib.suppress(OSError):
        os.rmdir(base)


def _stranded_experiment(repo: Repo, rev: Any) -> tuple[str, str] | None:
    """(name, git commit) of experiment ``rev`` when it has stranded databases."""
    base = os.path.join(repo.tmp_dir, STRANDED_DIR)
    if not rev or not os.path.isdir(base):
        return None
    from dvc.exceptions import DvcException
    from dvc.repo.experiments.utils import exp_refs
    from dvc.scm import resolve_rev

    try:
        exp_rev = resolve_rev(repo.scm, rev)
    except DvcException:
        return None
    names = set(os.listdir(base))
    for ref in exp_refs(repo.scm):
        if ref.name in names and repo.scm.get_ref(str(ref)) == exp_rev:
            return ref.name, exp_rev
    return None


def _keep_for_apply(repo: Repo, clone: Database, shown: str) -> None:
    """A database the workspace lacks: keep the experiment's clone where
    `dvc exp apply` (checkout) takes it from, as if `dvc fetch` had cloned it."""
    from .sync import fetched_path

    dest = fetched_path(repo, shown)
    if os.path.exists(dest):
        logger.warning(
            "Dolt database '%s' is not in the workspace and '%s' exists: "
            "the experiment's database is not kept",
            shown,
            dest,
        )
        return
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    shutil.move(str(clone.path), dest)


def written(repo: Repo, exp_rev: str, started: Mapping[str, Collection[str]]) -> dict[str, str]:
    """The output commit of each database experiment ``exp_rev`` wrote, by path:
    those it records at a commit other than the ones it ``started`` from."""
    return {
        use.path: use.commit
        for use in records(repo, exp_rev)
        if use.role == WROTE and use.commit not in started.get(use.path, ())
    }


def keep_experiment(repo: Repo, exp_rev: str, started: Mapping[str, Collection[str]]) -> set[str]:
    """Branch ``dvc/exp/<name>`` on each Dolt output commit experiment ``exp_rev``
    made; the databases (by path) whose branch holds it."""
    from dvc.repo.experiments.utils import exp_refs_by_rev

    refs = list(exp_refs_by_rev(repo.scm, exp_rev))
    if not refs:
        return set()
    return _branch(repo, refs[0].name, written(repo, exp_rev, started))


def _branch(repo: Repo, name: str, commits: Mapping[str, str]) -> set[str]:
    """Branch ``dvc/exp/<name>`` on each database's commit (by path); the
    databases whose branch holds it."""
    branch = experiment_branch(name)
    done: set[str] = set()
    for shown, commit in commits.items():
        db = Database(os.path.join(repo.root_dir, *shown.split("/")))
        try:
            with turn(repo, shown):
                kept = db.set_branch(branch, commit)
        except DoltError as exc:
            logger.warning("could not keep experiment commit of '%s': %s", shown, exc)
            continue
        done.add(shown)
        logger.info("Dolt database '%s': experiment commit on branch '%s'", shown, branch)
        if kept:
            # An earlier experiment of the same name (another baseline, or
            # `exp run -f`) had this branch: its commit stays reachable.
            logger.info(
                "Dolt database '%s': the earlier commit of '%s' is kept on branch '%s'",
                shown,
                branch,
                kept,
            )
    return done


def apply_with(dvc_apply, repo: Repo, *args: Any, **kwargs: Any) -> Any:
    """DVC's ``exp apply`` forces its checkout; refuse dirty databases first."""
    for shown in _applied_databases(repo, *args, **kwargs):
        db = Database(os.path.join(repo.root_dir, *shown.split("/")))
        if not db.exists:
            continue
        _, reasons = db.inspect()
        if reasons:
            raise DvcDoltError(
                f"cannot apply an experiment over Dolt database '{shown}': " + "; ".join(reasons)
            )
    bring_back_stranded(repo, args[0] if args else kwargs.get("rev"))
    return dvc_apply(repo, *args, **kwargs)


def _applied_databases(repo: Repo, rev: Any = None, *args: Any, **kwargs: Any) -> list[str]:
    """The output databases that applying experiment ``rev`` may restore."""
    from dvc.exceptions import DvcException

    try:
        return sorted(
            {
                "/".join(item.index_key[1])  # type: ignore[attr-defined]
                for item in _dolt_items(repo)
                if not item.IS_DEPENDENCY and item.is_in_repo  # type: ignore[attr-defined]
            }
        )
    except DvcException:
        pass
    # The workspace's pipeline does not load (DVC's apply replaces it): the
    # experiment's own records name what its checkout restores.
    from dvc.scm import resolve_rev

    try:
        exp_rev = resolve_rev(repo.scm, rev or kwargs.get("rev"))
        return sorted({use.path for use in records(repo, exp_rev) if use.role == WROTE})
    except DvcException:
        return []  # DVC's apply says what is wrong with ``rev``


def experiment_refs(repo: Repo) -> dict[str, tuple[ExpRefInfo, str]]:
    """Each local experiment's ref and git commit, by ref name."""
    from dvc.repo.experiments.utils import exp_refs
    from dvc.scm import Git

    if not isinstance(repo.scm, Git):
        return {}  # no experiments; DVC's command says so
    found = {}
    for ref in exp_refs(repo.scm):
        rev = repo.scm.get_ref(str(ref))
        if rev:
            found[str(ref)] = (ref, rev)
    return found


def rename_with(dvc_rename, repo: Repo, *args: Any, **kwargs: Any) -> Any:
    """DVC's ``exp rename``; then each renamed experiment's ``dvc/exp/<old>``
    branches become ``dvc/exp/<new>``."""
    before = experiment_refs(repo)
    renamed = dvc_rename(repo, *args, **kwargs)
    failed = [
        line
        for old, new, exp_rev in _renamed(before, experiment_refs(repo))
        for line in _move_branches(repo, old, new, exp_rev)
    ]
    if failed:
        raise DvcDoltError(
            "the experiments are renamed, but not all their Dolt branches:\n" + "\n".join(failed)
        )
    return renamed


def _renamed(
    before: Mapping[str, tuple[ExpRefInfo, str]], after: Mapping[str, tuple[ExpRefInfo, str]]
) -> Iterator[tuple[str, str, str]]:
    """(old name, new name, git commit) of each experiment whose ref was renamed."""
    gone = [value for key, value in before.items() if key not in after]
    for key, (ref, rev) in after.items():
        if key in before and before[key][1] == rev:
            continue
        # `exp rename -f` may replace a ref of the new name: new to us all the same.
        old = next(
            (r for r, r_rev in gone if r.baseline_sha == ref.baseline_sha and r_rev == rev), None
        )
        if old is not None and old.name != ref.name:
            yield old.name, ref.name, rev


def _move_branches(repo: Repo, old: str, new: str, exp_rev: str) -> list[str]:
    """Rename ``dvc/exp/<old>`` to ``dvc/exp/<new>`` in each database where it
    holds a commit experiment ``exp_rev`` records; an error line per database
    where that failed."""
    recorded: dict[str, set[str]] = defaultdict(set)
    # Any role: earlier dvc-dolt releases branched the databases experiments read too.
    for use in records(repo, exp_rev):
        recorded[use.path].add(use.commit)
    failed = []
    for shown, commits in sorted(recorded.items()):
        db = Database(os.path.join(repo.root_dir, *shown.split("/")))
        if not db.exists:
            continue
        try:
            with turn(repo, shown), dvc_errors(f"Dolt database '{shown}': "):
                moved = _move_branch(db, experiment_branch(old), experiment_branch(new), commits)
        except DvcDoltError as exc:
            failed.append(
                f"{exc}: branch '{experiment_branch(old)}' was not renamed to "
                f"'{experiment_branch(new)}'"
            )
            continue
        if moved:
            logger.info(
                "Dolt database '%s': branch '%s' renamed to '%s'",
                shown,
                experiment_branch(old),
                experiment_branch(new),
            )
    return failed


def _move_branch(db: Database, old: str, new: str, commits: Collection[str]) -> bool:
    heads = db.branch_heads(EXP_BRANCH_PREFIX)
    head = heads.get(old)
    if head is None or head not in commits:
        return False  # absent, or another experiment of that name (other baseline) holds it
    if new not in heads:
        db.rename_branch(old, new)
        return True
    # A branch of the new name (`exp rename -f`): the commit it leaves stays reachable.
    db.set_branch(new, head)
    others = [b for b in heads if b != old and b.startswith(old)]
    db.prune_branches([old], [head], protected=others)
    return True
