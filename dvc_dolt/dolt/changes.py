"""Which tables changed between two versions of a database, remembered by content.

A version is a commit hash, or the working set named by its root hash: both
name content that never changes, so a remembered answer is never stale and
needs no key of file facts. ``dolt_diff_summary`` compares table hashes and
reads no rows.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Optional

from .database import Database
from .errors import DoltCommandError
from .heads import check_hash, is_hash
from .runner import quote_string
from .state import store_json

logger = logging.getLogger(__name__)

WORKING = "WORKING"
# dolt_diff_summary's diff_type, in DVC's words; a rename is a deletion and an addition.
_KINDS = {"added": "added", "dropped": "deleted", "modified": "modified"}
# Enough for every database of a project across a few revisions.
_LIMIT = 512

Pair = tuple[str, str]
Changes = dict[str, str]


def _changes(rows: list[dict[str, Any]]) -> Changes:
    found: Changes = {}
    for row in rows:
        kind, old, new = row.get("t"), row.get("old"), row.get("new")
        if kind == "renamed":
            found[str(old)] = "deleted"
            found[str(new)] = "added"
        elif kind in _KINDS:
            found[str(new or old)] = _KINDS[kind]
    return found


def _query(pair: Pair) -> str:
    old, new = pair
    return (
        "select diff_type as t, from_table_name as old, to_table_name as new"
        f" from dolt_diff_summary({quote_string(old)}, {quote_string(new)})"
    )


class TableChanges:
    """Answers of :meth:`between`, kept in a JSON file between processes.

    A cache only: a lost or unreadable file costs a dolt process, never an answer.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._memo: Optional[dict[str, Changes]] = None
        self._lock = threading.Lock()

    def between(
        self, db: Database, pairs: Iterable[Pair], working: Optional[str] = None
    ) -> dict[Pair, Changes]:
        """``{table: "added" | "deleted" | "modified"}`` for each ``(from, to)`` pair:
        ``from`` a commit, ``to`` a commit or :data:`WORKING`, whose root the
        caller gives as ``working`` (from its heads). One dolt process for all the
        pairs not remembered; a pair dolt cannot compare (a commit the database
        lacks) is left out."""
        wanted = list(dict.fromkeys(pairs))
        for old, new in wanted:
            check_hash(old, "commit")
            if new != WORKING:
                check_hash(new, "commit")
        found: dict[Pair, Changes] = {}
        todo = []
        for pair in wanted:
            hit = self._get(self._key(pair, working))
            if hit is None:
                todo.append(pair)
            else:
                found[pair] = hit
        if todo:
            found.update(self._ask(db, todo))
        return found

    def _ask(self, db: Database, pairs: list[Pair]) -> dict[Pair, Changes]:
        # The working root is read by the same process, so that what is filed
        # under it is what dolt compared, whatever a user wrote meanwhile.
        statements = ["select dolt_hashof_db() as working", *map(_query, pairs)]
        try:
            results = db.sql(";\n".join(statements))
        except DoltCommandError:
            if len(pairs) == 1:
                logger.debug("dolt cannot compare %s in %s", pairs[0], db.path)
                return {}
            # One pair dolt cannot compare fails the batch: ask one by one.
            found: dict[Pair, Changes] = {}
            for pair in pairs:
                found.update(self._ask(db, [pair]))
            return found
        working = str(results[0][0].get("working")) if results[0] else None
        found = {pair: _changes(rows) for pair, rows in zip(pairs, results[1:])}
        self._put({self._key(p, working): c for p, c in found.items()})
        return found

    @staticmethod
    def _key(pair: Pair, working: Optional[str]) -> Optional[str]:
        old, new = pair
        if new == WORKING:
            if not is_hash(working):
                return None
            new = f"working:{working}"
        return f"{old}..{new}"

    def _load(self) -> dict[str, Changes]:
        if self._memo is None:
            try:
                memo = json.loads(self.path.read_text())
            except (OSError, ValueError):
                memo = {}
            self._memo = memo if isinstance(memo, dict) else {}
        return self._memo

    def _get(self, key: Optional[str]) -> Optional[Changes]:
        with self._lock:
            hit = self._load().get(key) if key else None
        if isinstance(hit, dict):
            return {str(k): str(v) for k, v in hit.items()}
        return None

    def _put(self, entries: dict[Optional[str], Changes]) -> None:
        with self._lock:
            memo = self._load()
            memo.update({k: v for k, v in entries.items() if k})
            for old in list(memo)[: max(0, len(memo) - _LIMIT)]:
                del memo[old]  # the oldest first: dicts keep insertion order
            store_json(self.path, memo)
