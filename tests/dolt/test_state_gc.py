"""The heads cache across Dolt's storage rewrites: ``dolt gc`` in each form and
archive conversion (``dolt archive``, or ``dolt gc --archive-level`` since Dolt
2.1.8). None changes the heads; writes after them must still be seen."""

from __future__ import annotations

import os

import pytest
from helpers import dolt, has_archive_command, sql

from dvc_dolt.dolt.state import HeadsCache, state_key

# Enough rows that dolt builds an archive (it skips table files of few chunks).
ROWS = (
    "insert into t with recursive c(n) as (select 1 union all select n + 1 from c where n < 1000)"
    " select n + 100, md5(n) from c;"
    " insert into t select id + 1000, md5(id) from t where id > 100;"
    " insert into t select id + 2000, md5(id) from t where id > 100;"
    " insert into t select id + 4000, md5(id) from t where id > 100"
)

REWRITES = {
    "gc": [["gc"]],
    "gc --full": [["gc", "--full"]],
    # A no-op on a journal-only store: listed so that a dolt where it is not
    # still finds the cache right.
    "gc --shallow": [["gc", "--shallow"]],
    "gc without archives": [["gc", "--archive-level=0"]],
    "archive": [["gc", "--archive-level=0"], ["archive"]],
    "archive --purge": [["gc", "--archive-level=0"], ["archive", "--purge"]],
    "archive --revert": [["gc", "--archive-level=0"], ["archive"], ["archive", "--revert"]],
}

# Dolt 2.x skips a gc that finds nothing new to collect; a branch made and
# deleted gives it new chunks and moves no head.
NUDGE = [["branch", "gc-nudge"], ["branch", "-d", "gc-nudge"]]

# Their equivalents where `dolt archive` is gone (Dolt >= 2.1.8).
ARCHIVES_BY_GC = {
    # Archives beside table files: the new generation archived, the old one not.
    "archive": [["gc", "--archive-level=0"], *NUDGE, ["gc", "--archive-level=1"]],
    # Every table file archived and removed.
    "archive --purge": [["gc", "--archive-level=0"], ["gc", "--full", "--archive-level=1"]],
    # Archives rebuilt into table files.
    "archive --revert": [
        ["gc", "--archive-level=0"],
        ["gc", "--full", "--archive-level=1"],
        *NUDGE,
        ["gc", "--full", "--archive-level=0"],
    ],
}


def _steps(rewrite: str) -> list[list[str]]:
    """The dolt calls of ``rewrite`` on the dolt under test."""
    if rewrite in ARCHIVES_BY_GC and not has_archive_command():
        return ARCHIVES_BY_GC[rewrite]
    return REWRITES[rewrite]


def _files(db):
    noms = db.path / ".dolt" / "noms"
    return {
        os.path.relpath(os.path.join(root, name), noms)
        for root, _, files in os.walk(noms)
        for name in files
    }


def _archived(db) -> bool:
    return any(name.endswith(".darc") for name in _files(db))


@pytest.fixture
def big_db(make_db):
    db = make_db()
    sql(db, ROWS)
    dolt(db.path, "add", "-A")
    dolt(db.path, "commit", "-m", "8000 rows")
    # Uncommitted work lives in the new generation, which gc treats apart.
    sql(db, "update t set v = 'working' where id = 1")
    return db


@pytest.mark.parametrize("rewrite", list(REWRITES))
def test_storage_rewrites_keep_the_cache_right(big_db, tmp_path, rewrite):
    db = big_db
    cache = HeadsCache(tmp_path / "heads.json")
    heads = cache.heads(db)
    key, files = state_key(db.path), _files(db)
    for args in _steps(rewrite):
        dolt(db.path, *args)
    if rewrite != "gc --shallow":
        assert _files(db) != files  # the rewrite happened
        assert state_key(db.path) != key
    if rewrite.startswith("archive"):  # and it was the one named
        assert _archived(db) == (rewrite != "archive --revert")
    assert cache.heads(db) == db.heads() == heads

    sql(db, "update t set v = 'after' where id = 2")
    assert cache.heads(db) == db.heads() != heads


def test_archive_conversion_writes_archives(big_db):
    """The premise of the archive cases: the dolt under test converts table files."""
    for args in _steps("archive --purge"):
        dolt(big_db.path, *args)
    assert _archived(big_db)


def test_writes_between_collections(big_db, tmp_path):
    db = big_db
    cache = HeadsCache(tmp_path / "heads.json")
    seen = [cache.heads(db)]
    steps = [
        ("sql", "-q", "insert into t values (50, 'fifty')"),
        ("gc",),
        ("sql", "-q", "call dolt_commit('-Am', 'fifty')"),
        ("gc", "--full"),
        ("sql", "-q", "delete from t where id = 50"),
        ("gc", "--shallow"),
        ("sql", "-q", "call dolt_reset('--hard')"),
    ]
    for args in steps:
        dolt(db.path, *args)
        assert cache.heads(db) == db.heads(), args
        seen.append(db.heads())
    assert len({h.checksum for h in seen}) == 4  # the writes moved the heads
