"""Read a Dolt database without taking the lock a user's next dolt command needs.

Dolt's CLI opens a database by taking an exclusive ``flock`` on
``.dolt/noms/LOCK`` and holds it until the process exits; a process that
cannot get it within 100 ms opens the database read-only, and then every
write it tries fails with "cannot update manifest: database is read only"
(Dolt: ``go/store/nbs/journal.go`` ``newJournalLock``, ``lockFileTimeout`` in
``file_manifest.go``; ``dolthub/fslock`` is ``flock``). So a dvc-dolt read
that starts between a user's ``dolt add -A`` and ``dolt commit`` made the
commit fail. The CLI has no flag or variable to open read-only on purpose.

Instead a read runs in a *view*: a temporary directory of the database's
name whose ``.dolt/noms`` holds the database's files and a ``LOCK`` of its
own, so dolt never touches the real ``LOCK``. Table files are named by their
contents and never change: a view links them. The files that do change (the
manifest, the chunk journal and its index) it copies while they are small,
as they are after a compaction; dolt then takes the view's own lock at once,
and whatever it writes (a push's remote-tracking refs, the modification
times a dolt with the lock updates) stays in the view. A larger journal is
linked instead, and we hold the view's ``LOCK``: dolt opens it read-only,
100 ms later, and reads the linked files as any read-only dolt does while
another process writes. Either way every file of the database stays as it
was (no change, to a file watcher), and a view costs a temporary directory
and a few links or small copies; never a process.
``DVC_DOLT_LOCKFREE_READS=0`` turns views off.

No view (the read runs as before) without ``flock`` (Windows), when a
``dolt sql-server`` announces itself (the CLI would route the read to it),
without the chunk journal, or when ``.dolt/noms`` is laid out in a way this
module does not know.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import IO, NamedTuple, Optional

from .storage import GIT_CACHE_DIR, JOURNAL_NAME

try:
    import fcntl
except ImportError:  # Windows: dolt locks with LockFileEx there
    fcntl = None  # type: ignore[assignment]  # mypy types the name as the module

logger = logging.getLogger(__name__)

ENV_SWITCH = "DVC_DOLT_LOCKFREE_READS"
_OFF = {"0", "false", "no", "off"}
VIEW_PREFIX = "dvc-dolt-read-"
# Written by `dolt sql-server`; the CLI then hands commands to the server.
_SERVER_FILES = {"sql-server.info", "sql-server.lock"}
_LOCK = "LOCK"
# Files of .dolt/ itself up to this size are copied into a view, larger ones linked.
_COPY_MAX = 1 << 16
_OLDGEN = "oldgen"
# A table file's name is the hash of its contents (go/store/nbs); the chunk
# journal's (JOURNAL_NAME) looks like one, and it grows.
_TABLE_FILE_RE = re.compile(r"[0-9a-v]{32}(\.darc)?")
# A view copies the store's changing files when they hold this much at most:
# copying 32 MiB takes less than dolt's 100 ms wait for a lock it cannot have.
_COPY_STORE_MAX = 32 << 20

# What dvc-dolt's own `dolt sql` reads look like: global --branch, then sql
# with these options and one -q query.
_GLOBAL_WITH_VALUE = {"--branch"}
_SQL_FLAGS = {"--disable-auto-gc"}
_SQL_WITH_VALUE = {"-r", "--result-format"}
_QUERY_FLAGS = {"-q", "--query"}
# Statements that cannot write: Dolt has no select-form of its procedures. (Not
# WITH or EXPLAIN: `with ... update` and `explain analyze` can.) A write run in a
# view that copies would be lost with the view.
_READ_WORDS = {"select", "show", "describe", "desc"}
_CALL_RE = re.compile(r"\bcall\b", re.IGNORECASE)


# Views help commands that leave the database alone (status, data status, diff: what
# editors and scripts run while a user works); one that writes next (add, checkout)
# takes the lock for that write anyway, and a view that cannot copy costs dolt's
# 100 ms wait for a lock. So reads go through views only inside lock_free().
_wanted = 0


def enabled() -> bool:
    """False when the user switched views off (``DVC_DOLT_LOCKFREE_READS=0``)."""
    return os.environ.get(ENV_SWITCH, "").strip().lower() not in _OFF


@contextmanager
def lock_free() -> Iterator[None]:
    """Reads in this block (in any thread) run in views, so that they never hold
    the lock a user's next dolt command needs."""
    global _wanted
    _wanted += 1
    try:
        yield
    finally:
        _wanted -= 1


def query_of(args: Sequence[str]) -> Optional[str]:
    """The query of a ``dolt [--branch B] sql [-r F] [--disable-auto-gc] -q Q`` argv, else None."""
    args = list(args)
    i = 0
    while i < len(args) and args[i] in _GLOBAL_WITH_VALUE:
        i += 2
    if args[i : i + 1] != ["sql"]:
        return None
    query = None
    i += 1
    while i < len(args):
        arg = args[i]
        if arg in _SQL_FLAGS:
            i += 1
        elif arg in _SQL_WITH_VALUE and i + 1 < len(args):
            i += 2
        elif arg in _QUERY_FLAGS and i + 1 < len(args) and query is None:
            query = args[i + 1]
            i += 2
        else:
            return None  # --file, --batch, a second query...: not ours to judge
    return query


def is_read(args: Sequence[str]) -> bool:
    """Whether ``dolt <args>`` is a ``dolt sql -q`` of statements that only read.

    A statement's first word decides, among words that cannot write.
    """
    query = query_of(args)
    if not query or _CALL_RE.search(query):
        return False
    statements = [s.strip() for s in query.split(";") if s.strip()]
    return bool(statements) and all(_first_word(s) in _READ_WORDS for s in statements)


def _first_word(statement: str) -> str:
    words = statement.lstrip("(").split(None, 1)
    return words[0].lower() if words else ""


def _served(db: Path) -> bool:
    """Whether a ``dolt sql-server`` announces itself here or above (the CLI looks up)."""
    return any((folder / ".dolt" / "sql-server.info").exists() for folder in (db, *db.parents))


def _source(cwd: str | os.PathLike[str], copy_only: bool) -> Optional[Path]:
    """The database directory dolt would open in ``cwd``, if a view can stand in for it."""
    if (
        not (_wanted or copy_only)
        or fcntl is None
        or not enabled()
        or os.environ.get("DOLT_DISABLE_CHUNK_JOURNAL")
    ):
        return None
    # dolt names the database after the directory it finds itself in, links resolved.
    db = Path(os.path.realpath(cwd))
    if not db.name or not (db / ".dolt" / "noms" / "manifest").is_file() or _served(db):
        return None
    return db


class _UnknownLayout(Exception):
    """``.dolt/noms`` holds something a view would not know how to stand in for."""


def _immutable(name: str) -> bool:
    return name != JOURNAL_NAME and _TABLE_FILE_RE.fullmatch(name) is not None


def _changing_bytes(noms: Path) -> int:
    """The size of the store's files that a dolt with its lock may write to."""
    total = 0
    for folder in (noms, noms / _OLDGEN):
        if not folder.is_dir():
            continue
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_file(follow_symlinks=False) and not _immutable(entry.name):
                    total += entry.stat(follow_symlinks=False).st_size
    return total


def _fill_store(source: Path, target: Path, nested: bool, copy: bool) -> None:
    """Link every file of one chunk store but its LOCK, or with ``copy`` copy those
    that can change; ``oldgen`` (once) likewise."""
    target.mkdir()
    # The journal last: a user's dolt may append to it meanwhile, and an index
    # copied before it covers a part of it, where one copied after could point
    # past its end.
    for entry in sorted(os.scandir(source), key=lambda e: e.name == JOURNAL_NAME):
        if entry.name == _LOCK:
            continue
        if entry.is_dir(follow_symlinks=False):
            if not (nested and entry.name == _OLDGEN):
                raise _UnknownLayout(entry.path)
            _fill_store(Path(entry.path), target / entry.name, nested=False, copy=copy)
        elif copy and not _immutable(entry.name):
            shutil.copyfile(entry.path, target / entry.name)
        else:
            os.symlink(entry.path, target / entry.name)


def _build(db: Path, base: Path, copy: bool) -> Path:
    """The view of ``db`` under ``base``: same name, linked (or with ``copy``, partly
    copied) store, copied small files."""
    view = base / db.name
    dolt_dir = view / ".dolt"
    dolt_dir.mkdir(parents=True)
    for entry in os.scandir(db / ".dolt"):
        if not entry.is_file(follow_symlinks=False) or entry.name in _SERVER_FILES:
            continue  # stats/ and temptf/ are dolt's caches and scratch space
        if copy or entry.stat(follow_symlinks=False).st_size <= _COPY_MAX:
            # repo_state.json, config.json: a copy can never be written back.
            shutil.copyfile(entry.path, dolt_dir / entry.name)
        else:
            os.symlink(entry.path, dolt_dir / entry.name)
    _fill_store(db / ".dolt" / "noms", dolt_dir / "noms", nested=True, copy=copy)
    git_cache = db / ".dolt" / GIT_CACHE_DIR
    if git_cache.is_dir():
        # Dolt's cache of git remotes, outside the store: a push there keeps it.
        os.symlink(git_cache, dolt_dir / GIT_CACHE_DIR)
    return view


def _hold(lock_path: Path) -> IO[bytes]:
    """The view's LOCK, taken: the dolt run in the view must open it read-only."""
    fobj = open(lock_path, "ab")  # noqa: SIM115 - released by the caller
    try:
        assert fcntl is not None
        # A new file of our own: nobody else can hold it, so never wait.
        fcntl.flock(fobj.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BaseException:
        fobj.close()
        raise
    return fobj


class View(NamedTuple):
    """A view: where to run dolt, and how the store looked when it was made."""

    path: Path
    db: Path
    stamp: tuple[tuple[int, int, int], ...]
    # Whether the store's changing files are copies: dolt may write in the view.
    copied: bool

    def went_stale(self, output: str) -> bool:
        """Whether a failure of dolt in the view may be the view's, not the query's:
        a file it links went away, or another dolt's gc replaced the store's
        manifests meanwhile. A new view may then succeed."""
        # The directory's random name: dolt may print the path with links resolved.
        return self.path.parent.name in output or _stamp(self.db) != self.stamp


def _stamp(db: Path) -> tuple[tuple[int, int, int], ...]:
    """Identity of the store's manifests, which gc replaces (never edits in place)."""
    found = []
    noms = db / ".dolt" / "noms"
    for manifest in (noms / "manifest", noms / _OLDGEN / "manifest"):
        try:
            st = manifest.stat()
        except OSError:
            found.append((0, 0, 0))
        else:
            found.append((st.st_ino, st.st_mtime_ns, st.st_size))
    return tuple(found)


@contextmanager
def view(
    cwd: str | os.PathLike[str] | None, *, copy_only: bool = False
) -> Iterator[Optional[View]]:
    """A view in which dolt reads the database at ``cwd`` without its lock.

    With ``copy_only``, only a view dolt may write to (see :class:`View`), even
    outside :func:`lock_free`. None when no view can stand in (the caller
    then runs dolt in ``cwd``). The view is removed on leaving; dolt must
    have exited by then.
    """
    db = _source(cwd, copy_only) if cwd is not None else None
    opened = _open_view(db, copy_only) if db is not None else None
    if opened is None:
        yield None
        return
    found, lock = opened
    try:
        with lock if lock is not None else nullcontext():
            yield found
    finally:
        shutil.rmtree(found.path.parent, ignore_errors=True)


def _open_view(db: Path, copy_only: bool) -> Optional[tuple[View, Optional[IO[bytes]]]]:
    """A new view of ``db``, and its LOCK held unless the view is a copy; None
    when it cannot be made."""
    base = None
    try:
        stamp = _stamp(db)
        copy = _changing_bytes(db / ".dolt" / "noms") <= _COPY_STORE_MAX
        if copy_only and not copy:
            return None
        base = Path(tempfile.mkdtemp(prefix=VIEW_PREFIX))
        path = _build(db, base, copy)
        found = View(path, db, stamp, copy)
        return found, None if copy else _hold(path / ".dolt" / "noms" / _LOCK)
    except (OSError, _UnknownLayout) as exc:
        logger.debug("no view of %s: %s", db, exc)
        if base is not None:
            shutil.rmtree(base, ignore_errors=True)
        return None
