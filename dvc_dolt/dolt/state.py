"""Remember each database's heads behind a key of cheap file facts.

Asking dolt costs a process (~0.1 s, ~120 MB); most commands find every
database unchanged. Dolt appends every write to its chunk journal
(``.dolt/noms/<32 v's>``), rewrites ``manifest`` on gc and ``repo_state.json``
on a branch switch, and writes new table files under new names. So the names
and sizes of the files under ``.dolt/noms`` plus the bytes of the manifests
and ``repo_state.json`` change whenever the heads can. Modification times are
useless: even a read-only ``dolt sql`` touches them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Optional

from .database import Database
from .heads import Heads

logger = logging.getLogger(__name__)

_CONTENT_FILES = {"manifest"}
_SKIP = {"LOCK"}


def state_key(db_path: str | os.PathLike[str]) -> Optional[str]:
    """A digest that changes whenever the database's heads can; None if unreadable."""
    dolt_dir = Path(db_path, ".dolt")
    digest = hashlib.sha256()
    try:
        digest.update(b"repo_state\0" + (dolt_dir / "repo_state.json").read_bytes())
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
                else:
                    digest.update(str(os.stat(path).st_size).encode())
    except OSError:
        return None
    return digest.hexdigest()


class HeadsCache:
    """Heads by database path, kept in a JSON file between processes."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._entries: Optional[dict[str, dict[str, str]]] = None

    def _load(self) -> dict[str, dict[str, str]]:
        if self._entries is None:
            try:
                self._entries = json.loads(self.path.read_text())
                if not isinstance(self._entries, dict):
                    self._entries = {}
            except (OSError, ValueError):
                self._entries = {}
        return self._entries

    def _store(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".heads-")
            with os.fdopen(fd, "w") as fobj:
                json.dump(self._entries, fobj, sort_keys=True)
            os.replace(tmp, self.path)
        except OSError as exc:  # a read-only tree still works, just slower
            logger.debug("could not write %s: %s", self.path, exc)

    def heads(self, db: Database) -> Heads:
        """The database's heads, from the cache when its files have not changed."""
        key = state_key(db.path)
        cached = self._lookup(db, key)
        if cached is not None:
            return cached
        heads = db.heads()
        self._remember(db, key, heads)
        return heads

    def inspect(self, db: Database) -> tuple[Heads, list[str]]:
        """:meth:`Database.inspect`, leaving its heads in the cache."""
        key = state_key(db.path)
        heads, reasons = db.inspect()
        self._remember(db, key, heads)
        return heads, reasons

    def _lookup(self, db: Database, key: Optional[str]) -> Optional[Heads]:
        entry = self._load().get(os.path.abspath(db.path))
        if not (key and entry and entry.get("key") == key):
            return None
        return Heads(
            entry["commit"],
            entry["staged"],
            entry["working"],
            branch=entry.get("branch") or None,
            head_root=entry.get("head_root") or None,
        )

    def _remember(self, db: Database, key: Optional[str], heads: Heads) -> None:
        # Only trust a key that held across the query: a write racing with it
        # must not leave old heads filed under a new key.
        if not key or state_key(db.path) != key:
            return
        self._load()[os.path.abspath(db.path)] = {
            "key": key,
            "commit": heads.commit,
            "staged": heads.staged,
            "working": heads.working,
            "branch": heads.branch or "",
            "head_root": heads.head_root or "",
        }
        self._store()

    def forget(self, db: Database) -> None:
        if self._load().pop(os.path.abspath(db.path), None) is not None:
            self._store()
