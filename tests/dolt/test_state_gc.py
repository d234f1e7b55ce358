"""The heads cache across Dolt's storage rewrites: ``dolt gc`` in each form and
archive conversion (``dolt archive``). None changes the heads; writes after
them must still be seen."""

from __future__ import annotations

import os

import pytest
from helpers import dolt, sql

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


def _files(db):
    noms = db.path / ".dolt" / "noms"
    return {
        os.path.relpath(os.path.join(root, name), noms)
        for root, _, files in os.walk(noms)
        for name in files
    }


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
    for args in REWRITES[rewrite]:
        dolt(db.path, *args)
    if rewrite != "gc --shallow":
        assert _files(db) != files  # the rewrite happened
        assert state_key(db.path) != key
    assert cache.heads(db) == db.heads() == heads

    sql(db, "update t set v = 'after' where id = 2")
    assert cache.heads(db) == db.heads() != heads


def test_archive_conversion_writes_archives(big_db):
    """The premise of the archive cases: dolt 1.83 converts table files."""
    for args in REWRITES["archive --purge"]:
        dolt(big_db.path, *args)
    assert any(name.endswith(".darc") for name in _files(big_db))


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
