"""Remember each database's heads behind a key of cheap file facts.

Asking dolt costs a process; most commands find every
database unchanged. What the key reads, and why each part is there:

- ``.dolt/noms`` (and ``noms/oldgen``): every table file and archive is named
  by its content, so a name and a size stand for the bytes; the ``manifest``
  files (which table files make up the store, and the root at the last gc)
  are read whole. Every write appends to the chunk journal
  (``noms/<32 v's>``), ending with a record of the new root and the time;
  its size and its last bytes stand for it. ``dolt gc`` (by hand, online
  through ``call dolt_gc()`` or automatic), ``gc --full`` and ``dolt archive``
  replace files with new names and rewrite the manifests.
- ``repo_state.json`` (the checked-out branch) but its remotes and backups,
  which no head depends on (so a ``dolt remote add`` keeps what is filed);
  whole when it does not read as the JSON object dolt writes today. And
  ``config.json`` and the global ``config_global.json`` whole: a
  ``sqlserver.global.<db>_default_branch`` set in either (``set
  @@persist...``) changes which branch dolt reads.
- ``sql-server.info``: which server, if any, answers for the database; its
  sessions may start on a branch of the server's own configuration. Only
  its inode and modification time: the file holds a secret.
- the dolt executable (:func:`..binary.identity`): a new dolt may answer
  differently for the same files.

Modification times of the store are useless: even a read-only ``dolt sql``
touches them. ``DVC_DOLT_HEADS_CACHE=0`` turns the cache off.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple, Optional

from . import binary, runner
from .database import SERVER_INFO, Database, TableHashes
from .heads import Heads
from .storage import JOURNAL_NAME

logger = logging.getLogger(__name__)

ENV_SWITCH = "DVC_DOLT_HEADS_CACHE"
_OFF = {"0", "false", "no", "off"}
# Bump when the key changes meaning, so that old entries never match.
_KEY_VERSION = b"dvc-dolt heads key 3\0"
_CONTENT_FILES = {"manifest"}
# Several root records; a root record is ~50 bytes.
_JOURNAL_TAIL = 4096
_SKIP = {"LOCK"}
# Where repo_state.json keeps the remotes and backups (`dolt remote add`).
_NOT_HEADS = ("remotes", "backups")


def enabled() -> bool:
    """False when the user switched the cache off (``DVC_DOLT_HEADS_CACHE=0``)."""
    return os.environ.get(ENV_SWITCH, "").strip().lower() not in _OFF


def _tail(path: str, size: int) -> bytes:
    with open(path, "rb") as fobj:
        fobj.seek(max(0, size - _JOURNAL_TAIL))
        return fobj.read(_JOURNAL_TAIL)


def _global_config() -> Path:
    # Where dolt keeps `dolt config --global`: $DOLT_ROOT_PATH, else home.
    root = os.environ.get("DOLT_ROOT_PATH") or os.path.expanduser("~")
    return Path(root, ".dolt", "config_global.json")


def _file_bytes(path: Path) -> bytes:
    try:
        return b"\0" + path.read_bytes()
    except FileNotFoundError:
        return b"\1"


def _repo_state(path: Path) -> bytes:
    """``repo_state.json`` without what no head depends on (see the module's doc)."""
    raw = path.read_bytes()
    try:
        state = json.loads(raw)
    except ValueError:
        return b"\0" + raw
    if not isinstance(state, dict):
        return b"\0" + raw
    for name in _NOT_HEADS:
        state.pop(name, None)
    return b"\1" + json.dumps(state, sort_keys=True).encode()


def state_key(db_path: str | os.PathLike[str]) -> Optional[str]:
    """A digest that changes whenever the database's heads can; None if unreadable."""
    dolt_dir = Path(db_path, ".dolt")
    digest = hashlib.sha256(_KEY_VERSION)
    digest.update(binary.identity().encode())
    try:
        digest.update(b"\0repo_state\0" + _repo_state(dolt_dir / "repo_state.json"))
        digest.update(b"\0config" + _file_bytes(dolt_dir / "config.json"))
        digest.update(b"\0global config" + _file_bytes(_global_config()))
        try:
            info = os.stat(dolt_dir / SERVER_INFO)
        except FileNotFoundError:
            digest.update(b"\0not served\0")
        else:
            digest.update(f"\0served {info.st_ino} {info.st_mtime_ns}\0".encode())
        noms = dolt_dir / "noms"
        for root, dirs, files in os.walk(noms):
            dirs.sort()
            rel = os.path.relpath(root, noms)
            for name in sorted(files):
                if name in _SKIP:
                    continue
                path = os.path.join(root, name)
                digest.update(f"\0{rel}/{name}\0".encode())
                if name in _CONTENT_FILES:
                    with open(path, "rb") as fobj:
                        digest.update(fobj.read())
                    continue
                size = os.stat(path).st_size
                digest.update(str(size).encode())
                if name == JOURNAL_NAME:
                    # Same size, other bytes: a journal copied over from another
                    # clone of the database.
                    digest.update(_tail(path, size))
    except OSError:
        return None
    return digest.hexdigest()


def remotes_key(db_path: str | os.PathLike[str]) -> Optional[str]:
    """A digest that changes whenever the database's remotes can; None if unreadable.

    Dolt keeps them in ``repo_state.json``; ``config.json`` and the dolt
    binary are in the key too, in case a release moves them.
    """
    dolt_dir = Path(db_path, ".dolt")
    digest = hashlib.sha256(b"dvc-dolt remotes key 1\0")
    digest.update(binary.identity().encode())
    try:
        digest.update(b"\0repo_state\0" + (dolt_dir / "repo_state.json").read_bytes())
    except OSError:
        return None
    digest.update(b"\0config" + _file_bytes(dolt_dir / "config.json"))
    return digest.hexdigest()


def store_json(path: Path, data: Any) -> None:
    """Replace the cache file at ``path`` whole: readers never see half of it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".dvc-dolt-")
        with os.fdopen(fd, "w") as fobj:
            json.dump(data, fobj)
        os.replace(tmp, path)
    except OSError as exc:  # a read-only tree still works, just slower
        logger.debug("could not write %s: %s", path, exc)


class EntryFile:
    """Entries by database path, kept in a JSON file between processes.

    A cache only: a lost, stale or unreadable file costs dolt processes,
    never an answer (each entry carries the key it is valid for).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._entries: Optional[dict[str, dict[str, Any]]] = None
        # push and fetch work on several databases at once, in threads.
        self._lock = threading.RLock()

    def _load(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            if self._entries is None:
                try:
                    self._entries = json.loads(self.path.read_text())
                    if not isinstance(self._entries, dict):
                        self._entries = {}
                except (OSError, ValueError):
                    self._entries = {}
            return self._entries

    def _store(self) -> None:
        with self._lock:
            store_json(self.path, self._entries)

    def _get(self, db: Database, key: Optional[str]) -> Optional[dict[str, Any]]:
        entry = self._load().get(os.path.abspath(db.path))
        if key and isinstance(entry, dict) and entry.get("key") == key:
            return entry
        return None

    def _put(self, db: Database, entry: dict[str, Any]) -> None:
        with self._lock:
            self._load()[os.path.abspath(db.path)] = entry
            self._store()

    def forget(self, db: Database) -> None:
        with self._lock:
            if self._load().pop(os.path.abspath(db.path), None) is not None:
                self._store()


class CopyCheck(NamedTuple):
    """Whether a copy of a database's files sends only ``commit`` and its history:
    yes when ``reasons`` is empty; ``branches`` are those the copy takes along."""

    commit: str
    reasons: list[str]
    branches: list[str]


class HeadsCache(EntryFile):
    """Heads by database path, behind :func:`state_key`.

    An entry dolt's answer to a look filed (:meth:`remember`, :meth:`file`)
    carries the database's dirty reasons, and is trusted. One that
    :meth:`file_hint` filed carries none: only a hint for the next move.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__(path)
        self._before_asking: Optional[Callable[[], None]] = None

    @contextmanager
    def before_asking(self, first: Callable[[], None]) -> Iterator[None]:
        """In the block, the first question for dolt runs ``first`` before it:
        say, a look at several databases in parallel, worth its cost only when
        one of them is not on file."""
        with self._lock:
            self._before_asking = first
        try:
            yield
        finally:
            with self._lock:
                self._before_asking = None

    def heads(self, db: Database) -> Heads:
        """The database's heads, from the cache when its files have not changed."""
        return self.inspect(db)[0]

    def inspect(self, db: Database) -> tuple[Heads, list[str]]:
        """:meth:`Database.inspect`, from the cache when the files have not changed.

        A miss asks the whole inspection, not just the heads: in the same
        process it costs little, and the `add`, `commit` or `repro` that
        follows a `status` needs it.
        """
        if not enabled():
            return db.inspect()
        key = state_key(db.path)
        entry = self._get(db, key)
        if entry is not None and isinstance(entry.get("reasons"), list):
            return self._heads_of(entry), [str(r) for r in entry["reasons"]]
        return self._ask(db, key)[:2]

    def inspect_tables(self, db: Database) -> tuple[Heads, list[str], TableHashes]:
        """:meth:`Database.inspect_tables`, from the cache when the files have not
        changed."""
        if not enabled():
            return db.inspect_tables()
        key = state_key(db.path)
        return self._filed_tables(db, key) or self._ask(db, key)

    def _filed_tables(
        self, db: Database, key: Optional[str]
    ) -> Optional[tuple[Heads, list[str], TableHashes]]:
        entry = self._get(db, key)
        if (
            entry is not None
            and isinstance(entry.get("reasons"), list)
            and isinstance(entry.get("tables"), dict)
            and isinstance(entry.get("uncommitted"), list)
        ):
            tables = TableHashes(
                {str(k): str(v) for k, v in entry["tables"].items()},
                frozenset(str(t) for t in entry["uncommitted"]),
            )
            return self._heads_of(entry), [str(r) for r in entry["reasons"]], tables
        return None

    def _ask(self, db: Database, key: Optional[str]) -> tuple[Heads, list[str], TableHashes]:
        with self._lock:
            first, self._before_asking = self._before_asking, None
        if first is not None:
            first()
            # It may have asked about this database too.
            filed = self._filed_tables(db, key)
            if filed is not None:
                return filed
        # The whole inspection, tables included: in the same process they cost
        # little, and a table dependency's status needs them.
        heads, reasons, tables = db.inspect_tables()
        self.remember(db, key, heads, reasons, tables)
        return heads, reasons, tables

    def filed(self, db: Database) -> tuple[Optional[Heads], bool]:
        """The heads on file for the database as it is now, and whether they
        are trusted (else only a hint); no dolt process."""
        entry = self._current(db)
        if entry is None:
            return None, False
        return self._heads_of(entry), isinstance(entry.get("reasons"), list)

    def _current(self, db: Database) -> Optional[dict[str, Any]]:
        """The entry filed for the database's files as they are now; no dolt process."""
        return self._get(db, state_key(db.path)) if enabled() else None

    def cached(self, db: Database) -> Optional[Heads]:
        """The trusted heads on file for the database as it is now."""
        heads, trusted = self.filed(db)
        return heads if trusted else None

    def key(self, db: Database) -> Optional[str]:
        """The database's :func:`state_key` now, for :meth:`remember`; None when off."""
        return state_key(db.path) if enabled() else None

    def remember(
        self,
        db: Database,
        key: Optional[str],
        heads: Heads,
        reasons: list[str],
        tables: Optional[TableHashes] = None,
    ) -> None:
        """File ``heads`` and ``reasons`` (the database's dirty reasons), and the
        table hashes when known, read from dolt after :meth:`key` gave ``key``,
        if no write came in between: a write racing with the query must not
        leave old heads under a new key."""
        if enabled() and key and state_key(db.path) == key:
            entry = self._entry(key, heads, reasons)
            if tables is not None:
                entry["tables"] = dict(tables.hashes)
                entry["uncommitted"] = sorted(tables.uncommitted)
            opened = runner.fastest_run(db.path)
            if opened is not None:
                # What a dolt process on these very files took: see opened().
                entry["opened"] = round(opened, 3)
            self._put(db, entry)

    def mark_compacted(self, db: Database, copy: CopyCheck) -> None:
        """Say that a full ``dolt gc`` made the database's files as they are now
        (they hold only what its refs and working sets reach), and whether a
        copy of them would send only HEAD's commit and its history (``copy``)."""
        key = self.key(db)
        entry = self._get(db, key) if key else None
        if entry is not None:
            self._put(db, {**entry, "compacted": copy._asdict()})

    def compacted(self, db: Database) -> Optional[CopyCheck]:
        """What :meth:`mark_compacted` said, while the files are still as it
        found them: any write since (a commit, a fetch, a remote added) changes
        the key."""
        entry = self._current(db)
        found = entry.get("compacted") if entry is not None else None
        if not isinstance(found, dict):
            return None
        try:
            return CopyCheck(
                str(found["commit"]),
                [str(r) for r in found["reasons"]],
                [str(b) for b in found["branches"]],
            )
        except (KeyError, TypeError):
            return None

    def opened(self, db: Database) -> Optional[float]:
        """Seconds the quickest dolt process took on the database's files as
        they are now, as filed with their heads; None when unknown."""
        entry = self._current(db)
        value = entry.get("opened") if entry is not None else None
        return float(value) if isinstance(value, (int, float)) else None

    def file(self, db: Database, key: str, heads: Heads, reasons: list[str]) -> None:
        """File ``heads`` for ``db`` under ``key``, the :func:`state_key` of the
        files they were read from (e.g. a clone nobody else could see yet)."""
        if enabled():
            self._put(db, self._entry(key, heads, reasons))

    def file_hint(self, db: Database, heads: Heads) -> None:
        """File heads dolt gave as it finished a command that wrote to the store.

        Only as a hint (a write between dolt's answer and reading the files for
        the key would be filed as that command's): :meth:`filed` offers them to
        a restore that checks them in dolt before it acts.
        """
        key = self.key(db)
        if key:
            self._put(db, self._entry(key, heads))

    @contextmanager
    def kept_across(self, db: Database) -> Iterator[None]:
        """Around a dolt command that leaves the heads alone but changes the files
        the key reads (a push writes remote-tracking refs): heads on file before
        it stay on file after it, as a hint (:meth:`file_hint`)."""
        before, _ = self.filed(db)
        yield
        if before is not None and self.filed(db)[0] is None:
            self.file_hint(db, before)

    def moved(self, old: Database, new: Database) -> None:
        """``old`` was renamed to ``new``: the key holds, the files are the same."""
        with self._lock:
            entry = self._load().pop(os.path.abspath(old.path), None)
            if entry is not None:
                self._put(new, entry)

    @staticmethod
    def _heads_of(entry: dict[str, Any]) -> Heads:
        return Heads(
            entry["commit"],
            entry["staged"],
            entry["working"],
            branch=entry.get("branch") or None,
            head_root=entry.get("head_root") or None,
        )

    @staticmethod
    def _entry(key: str, heads: Heads, reasons: Optional[list[str]] = None) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "key": key,
            "commit": heads.commit,
            "staged": heads.staged,
            "working": heads.working,
            "branch": heads.branch or "",
            "head_root": heads.head_root or "",
        }
        if reasons is not None:
            # Why the database is dirty, as dolt said it for these very files.
            entry["reasons"] = list(reasons)
        return entry
