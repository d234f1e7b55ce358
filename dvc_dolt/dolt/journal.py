"""Dolt's chunk journal: how much of a database every dolt process must load.

Dolt appends every write to a chunk journal (``.dolt/noms/<32 v's>``) and
keeps an index of it; each dolt process reads that index when it opens the
database, whatever the command (``dolt version`` too), so a large journal
slows every process until ``dolt gc`` moves the data into table files
(figures: README, "Performance"). ``dolt gc`` keeps every branch, tag, row
and uncommitted change; ``--shallow`` leaves the journal as it is.

The journal's name and place are a storage detail of Dolt, not an interface:
:func:`journal_bytes` returns None when the layout is not the one it knows.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Optional

from . import runner
from .database import Database, kept_branch
from .runner import quote_string
from .storage import JOURNAL_NAME

# gc rewrites the whole store: an hour covers many GB on a slow machine.
GC_TIMEOUT = 3600.0


def journal_bytes(db_path: str | os.PathLike[str]) -> Optional[int]:
    """Bytes in the chunk journal of the database at ``db_path``.

    0 when the store has no journal (right after ``dolt gc``); None when
    ``.dolt/noms`` is not laid out as Dolt 1.x lays it out (no ``manifest``),
    so that callers skip whatever they meant to say about it.
    """
    noms = Path(db_path, ".dolt", "noms")
    if not (noms / "manifest").is_file():
        return None
    total = 0
    for store in (noms, noms / "oldgen"):
        try:
            total += (store / JOURNAL_NAME).stat().st_size
        except FileNotFoundError:
            pass
        except OSError:
            return None
    return total


def refuse_served(db: Database) -> None:
    """DoltCommandError when a ``dolt sql-server`` serves ``db``: the CLI would
    hand ``dolt gc`` to that server, which ends its clients' sessions."""
    db.refuse_served(
        ["gc"],
        "which would end its clients' sessions: stop the server and run the command"
        " again, or run `call dolt_gc()` through it",
    )


def gc(db: Database) -> float:
    """Run ``dolt gc --full`` on ``db``; the seconds it took. Refused while a
    ``dolt sql-server`` serves the database (:func:`refuse_served`).

    Full: the old generation is collected too, so that afterwards the files
    hold nothing that no ref or working set reaches (a commit dropped by
    ``dolt reset`` included), and can be copied as they are.
    """
    refuse_served(db)
    started = time.monotonic()
    db.run(["gc", "--full"], timeout=runner._timeout(GC_TIMEOUT))
    return time.monotonic() - started


def keep_unreached(db: Database, commits: Iterable[str], dry_run: bool = False) -> list[str]:
    """Those of ``commits`` that ``db`` holds and no branch or tag reaches, each
    now on a ``dvc/kept/<hash>`` branch (with ``dry_run``, not yet).

    ``dolt gc`` deletes every commit no branch or tag reaches, the reflog
    notwithstanding: a commit someone still needs must be on a ref first.
    Two dolt processes however many commits, three when one is kept.
    """
    wanted = sorted(set(commits))
    held = [c for c in wanted if c not in set(db.missing_commits(wanted))] if wanted else []
    if not held:
        return []
    results = db.sql(
        ";\n".join(
            f"select (select count(*) from dolt_branches where has_ancestor(hash, {q}))"
            f" + (select count(*) from dolt_tags where has_ancestor(tag_hash, {q})) as refs"
            for q in map(quote_string, held)
        )
    )
    unreached = [c for c, rows in zip(held, results) if not int(rows[0]["refs"])]
    if unreached and not dry_run:
        db.sql(
            ";\n".join(
                f"call dolt_branch({quote_string(kept_branch(c))}, {quote_string(c)})"
                for c in unreached
            )
        )
    return unreached
