"""`dvc add/status/commit/checkout/gc/remove/move` on Dolt databases, through the plain
`dvc` command, with the real dolt binary."""

import re

import pytest
import yaml
from helpers import (
    commit,
    conflicting_branches,
    dolt,
    dvc,
    error_lines,
    git,
    git_commit,
    insert,
    offers_force,
    sql,
    track,
)

from dvc_dolt.dolt import Database, decode_checksum

CHECKSUM_RE = re.compile(r"^[0-9a-v]{32}-[0-9a-v]{32}-[0-9a-v]{32}\.dolt$")


def changes(proc):
    """`dvc checkout` change lines as (letter, path)."""
    lines = proc.stdout.splitlines()
    return [tuple(line.split(None, 1)) for line in lines if re.match(r"^[AMD]\s", line)]


def out_entry(repo, dvcfile):
    return yaml.safe_load((repo / dvcfile).read_text())["outs"][0]


def test_add_records_heads_without_cache(dvc_repo, make_db):
    db = make_db("labels", parent=dvc_repo)
    proc = dvc(dvc_repo, "add", "labels")
    entry = out_entry(dvc_repo, "labels.dvc")
    assert entry["path"] == "labels"
    assert entry["cache"] is False
    assert CHECKSUM_RE.match(entry["checksum"])
    assert entry["checksum"] == db.heads().checksum
    assert "md5" not in entry
    assert not (dvc_repo / ".dvc" / "cache").exists()
    assert "/labels" in (dvc_repo / ".gitignore").read_text().splitlines()
    assert "git add" in proc.stdout
    assert "labels.dvc" in proc.stdout
    assert dvc(dvc_repo, "status").stdout.strip() == "Data and pipelines are up to date."


def test_add_is_valid_for_plain_dvc_too(dvc_repo, make_db):
    track(dvc_repo, make_db, "labels")
    plain = dvc(dvc_repo, "status", env={"DVC_DOLT_DISABLE": "1"})
    # Plain DVC loads the file without schema errors and never deletes the database.
    assert "modified" in plain.stdout
    dvc(dvc_repo, "checkout", "--force", env={"DVC_DOLT_DISABLE": "1"})
    assert (dvc_repo / "labels" / ".dolt").is_dir()


@pytest.mark.parametrize(
    ("make_dirty", "words"),
    [
        (lambda db: insert(db, [(9, "x")]), "uncommitted changes to table 't'"),
        (lambda db: (insert(db, [(9, "x")]), dolt(db.path, "add", "t")), "staged but uncommitted"),
        (lambda db: sql(db, "create table extra (id int primary key)"), "table 'extra'"),
    ],
)
def test_add_refuses_dirty_database_and_writes_nothing(dvc_repo, make_db, make_dirty, words):
    db = make_db("labels", parent=dvc_repo)
    make_dirty(db)
    proc = dvc(dvc_repo, "add", "labels", ok=False)
    (line,) = error_lines(proc)
    assert line.startswith("ERROR: cannot record Dolt database 'labels':")
    assert words in line
    assert "dolt" in line  # says what to run
    assert not (dvc_repo / "labels.dvc").exists()
    assert not (dvc_repo / ".gitignore").exists()
    assert git(dvc_repo, "status", "--porcelain", "--untracked-files=no") == ""


def test_add_refuses_merge_in_progress(dvc_repo, make_db):
    db = make_db("labels", parent=dvc_repo)
    conflicting_branches(db)
    dolt(db.path, "merge", "other", check=False)
    dolt(db.path, "conflicts", "resolve", "--ours", "t")
    proc = dvc(dvc_repo, "add", "labels", ok=False)
    (line,) = error_lines(proc)
    assert "merge" in line
    assert "dolt merge --abort" in line
    assert not (dvc_repo / "labels.dvc").exists()


def test_add_several_targets_with_plain_files(dvc_repo, make_db):
    make_db("db-one", parent=dvc_repo)
    make_db("db two", parent=dvc_repo)
    (dvc_repo / "image.bin").write_bytes(b"\x00\x01pixels")
    dvc(dvc_repo, "add", "db-one", "db two", "image.bin")
    assert out_entry(dvc_repo, "db-one.dvc")["checksum"].endswith(".dolt")
    assert out_entry(dvc_repo, "db two.dvc")["checksum"].endswith(".dolt")
    image = out_entry(dvc_repo, "image.bin.dvc")
    assert image["md5"]
    assert "checksum" not in image
    cached = [p for p in (dvc_repo / ".dvc" / "cache").rglob("*") if p.is_file()]
    assert len(cached) == 1  # the image only; no database file went into the cache


def test_add_glob(dvc_repo, make_db):
    make_db("db_a", parent=dvc_repo)
    make_db("db_b", parent=dvc_repo)
    dvc(dvc_repo, "add", "--glob", "db_*")
    assert (dvc_repo / "db_a.dvc").exists()
    assert (dvc_repo / "db_b.dvc").exists()


@pytest.mark.parametrize("name", ["with-dash", "with space", "ünïcode-データ"])
def test_awkward_names(dvc_repo, make_db, name):
    db = make_db(name, parent=dvc_repo)
    dvc(dvc_repo, "add", name)
    assert out_entry(dvc_repo, f"{name}.dvc")["checksum"] == db.heads().checksum
    insert(db, [(5, "e")])
    commit(db)
    assert "modified" in dvc(dvc_repo, "status").stdout
    dvc(dvc_repo, "checkout", "--force")
    assert dvc(dvc_repo, "status").stdout.strip() == "Data and pipelines are up to date."


def test_status_and_commit(dvc_repo, make_db):
    db = track(dvc_repo, make_db, "labels")
    recorded = out_entry(dvc_repo, "labels.dvc")["checksum"]

    insert(db, [(3, "c")])
    status = dvc(dvc_repo, "status").stdout
    assert "labels.dvc" in status
    assert "modified:           labels" in status
    # Uncommitted: commit is refused and the record stays.
    proc = dvc(dvc_repo, "commit", "-f", "labels.dvc", ok=False)
    assert "uncommitted changes to table 't'" in error_lines(proc)[0]
    assert out_entry(dvc_repo, "labels.dvc")["checksum"] == recorded

    new_commit = commit(db, "add c")
    dvc(dvc_repo, "commit", "-f", "labels.dvc")
    entry = out_entry(dvc_repo, "labels.dvc")
    assert decode_checksum(entry["checksum"]).commit == new_commit
    assert dvc(dvc_repo, "status").stdout.strip() == "Data and pipelines are up to date."


def test_switching_branch_is_a_change(dvc_repo, make_db):
    db = make_db("labels", parent=dvc_repo)
    dolt(db.path, "branch", "fashion")
    dvc(dvc_repo, "add", "labels")
    dolt(db.path, "checkout", "fashion")
    # Same commit, same roots: the branch alone is not the identity.
    assert dvc(dvc_repo, "status").stdout.strip() == "Data and pipelines are up to date."
    insert(db, [(3, "c")])
    commit(db, "fashion labels")
    assert "modified:           labels" in dvc(dvc_repo, "status").stdout
    dolt(db.path, "checkout", "main")
    assert dvc(dvc_repo, "status").stdout.strip() == "Data and pipelines are up to date."


def test_checkout_restores_recorded_commit_and_keeps_the_newer_one(dvc_repo, make_db):
    db = track(dvc_repo, make_db, "labels")
    recorded = db.heads()
    insert(db, [(3, "c")])
    newer = commit(db, "newer")
    proc = dvc(dvc_repo, "checkout")
    assert changes(proc) == [("M", "labels/")]
    assert db.heads() == recorded
    assert db.heads().branch == "main"
    # On stdout, beside `M labels/`: a client that drops stderr on success shows it.
    assert f"kept on branch 'dvc/kept/{newer}'" in proc.stdout
    assert "WARNING" not in proc.stderr
    assert f"dvc/kept/{newer}" in db.branches()
    # Nothing to do the second time.
    assert dvc(dvc_repo, "checkout").stdout == ""


def test_checkout_refuses_dirty_unless_forced(dvc_repo, make_db):
    db = track(dvc_repo, make_db, "labels")
    recorded = db.heads()
    insert(db, [(3, "c")])
    commit(db, "newer")
    insert(db, [(4, "uncommitted")])
    dirty = db.heads()
    proc = dvc(dvc_repo, "checkout", ok=False)
    assert len(error_lines(proc)) == 1
    assert offers_force(proc)
    assert "uncommitted changes to table 't'" in proc.stderr
    assert db.heads() == dirty  # untouched
    proc = dvc(dvc_repo, "checkout", "--force")
    assert changes(proc) == [("M", "labels/")]
    assert db.heads() == recorded


def test_checkout_targets_and_plain_files_together(dvc_repo, make_db):
    db = make_db("labels", parent=dvc_repo)
    (dvc_repo / "model.txt").write_text("v1")
    dvc(dvc_repo, "add", "labels", "model.txt")
    recorded = db.heads()
    insert(db, [(3, "c")])
    commit(db, "newer")
    (dvc_repo / "model.txt").unlink()
    # A target that is not the database leaves the database alone.
    proc = dvc(dvc_repo, "checkout", "model.txt.dvc")
    assert changes(proc) == [("A", "model.txt")]
    assert db.heads() != recorded
    proc = dvc(dvc_repo, "checkout", "labels.dvc")
    assert changes(proc) == [("M", "labels/")]
    assert db.heads() == recorded


def _cache_objects(repo) -> set[str]:
    cache = repo / ".dvc" / "cache"
    return {str(p.relative_to(cache)) for p in cache.rglob("*") if p.is_file()}


def test_gc_keeps_what_plain_dvc_keeps_and_never_touches_databases(tmp_path, make_db):
    """The same project twice, gc'd with dvc-dolt loaded and switched off: the cache
    ends up identical after every gc, the database untouched."""
    repos = {}
    for mode in ("dolt", "plain"):
        repo = tmp_path / mode
        repo.mkdir()
        git(repo, "init", "-q", "-b", "main")
        dvc(repo, "init", "-q")
        make_db("labels", parent=repo, rows=[(1, "a")])
        dvc(repo, "add", "labels")  # recorded by its heads, whatever runs gc later
        (repo / "model.bin").write_bytes(b"weights v1")
        dvc(repo, "add", "model.bin")
        git_commit(repo, "v1")
        (repo / "model.bin").write_bytes(b"weights v2")
        dvc(repo, "add", "model.bin")
        git(repo, "commit", "-qam", "v2")
        repos[mode] = repo
    off = {"DVC_DOLT_DISABLE": "1"}
    heads = Database(repos["dolt"] / "labels").heads()
    for flags in (
        ["-w", "--dry"],
        ["-a"],
        ["-T"],
        ["--all-commits"],
        ["--all-experiments"],
        ["-w", "--rev", "HEAD", "-n", "1"],
        ["--date", "2000-01-01"],
        ["-w", "-a", "-T", "--all-experiments", "--skip-failed", "-j", "1"],
        ["-w"],
    ):
        for mode, repo in repos.items():
            # A fresh unreferenced object each round, for gc to find.
            (repo / "junk.txt").write_text(f"junk {flags}")
            dvc(repo, "add", "junk.txt")
            dvc(repo, "remove", "junk.txt.dvc")
            dvc(repo, "gc", "-f", *flags, env=off if mode == "plain" else None)
        with_dolt, plain = (_cache_objects(r) for r in repos.values())
        assert with_dolt == plain, flags
        assert Database(repos["dolt"] / "labels").heads() == heads
    # The last round (-w) removed the v1 and junk objects, so gc really ran.
    assert len(_cache_objects(repos["dolt"])) == 1


def test_remove_untracks_but_keeps_database(dvc_repo, make_db):
    db = track(dvc_repo, make_db, "labels")
    heads = db.heads()
    dvc(dvc_repo, "remove", "--outs", "labels.dvc")
    assert not (dvc_repo / "labels.dvc").exists()
    assert db.heads() == heads
    ignore = dvc_repo / ".gitignore"
    assert not ignore.exists() or "/labels" not in ignore.read_text()


def test_move(dvc_repo, make_db):
    db = track(dvc_repo, make_db, "labels")
    heads = db.heads()
    dvc(dvc_repo, "move", "labels", "renamed-labels")
    moved = Database(dvc_repo / "renamed-labels")
    assert moved.heads() == heads
    assert out_entry(dvc_repo, "renamed-labels.dvc")["checksum"] == heads.checksum
    assert dvc(dvc_repo, "status").stdout.strip() == "Data and pipelines are up to date."


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("abc-def-ghi.dolt", "has 3 characters, not 32"),
        ("x" * 32 + "-" + "a" * 32 + "-" + "a" * 32 + ".dolt", "characters outside 0-9 and a-v"),
        ("a" * 32 + "-" + "a" * 32 + ".dolt", "three '-'-separated hashes"),
    ],
)
def test_malformed_entry_is_one_clear_error(dvc_repo, make_db, value, why):
    track(dvc_repo, make_db, "labels")
    text = (dvc_repo / "labels.dvc").read_text()
    entry = yaml.safe_load(text)
    entry["outs"][0]["checksum"] = value
    (dvc_repo / "labels.dvc").write_text(yaml.safe_dump(entry))
    proc = dvc(dvc_repo, "status", ok=False)
    (line,) = error_lines(proc)
    assert "malformed Dolt entry for 'labels'" in line
    assert why in line
    assert "Traceback" not in proc.stderr


def test_version_shows_dvc_dolt_and_dolt(dvc_repo, dolt_bin):
    out = dvc(dvc_repo, "version").stdout
    assert "dvc-dolt = " in out
    assert f"Dolt: dolt {dolt_bin.version_string} ({dolt_bin.path})" in out
    plain = dvc(dvc_repo, "version", env={"DVC_DOLT_DISABLE": "1"}).stdout
    assert "Dolt:" not in plain
    assert "dvc-dolt" not in plain


def test_missing_dolt_is_one_clear_error(dvc_repo, make_db, tmp_path):
    make_db("labels", parent=dvc_repo)
    env = {"DVC_DOLT_DOLT": str(tmp_path / "no-such-dolt")}
    proc = dvc(dvc_repo, "add", "labels", ok=False, env=env)
    (line,) = error_lines(proc)
    assert "no usable dolt" in line
    assert "is not an executable file" in line
    assert not (dvc_repo / "labels.dvc").exists()


def test_fresh_clone_recognises_databases(dvc_repo, make_db, tmp_path):
    track(dvc_repo, make_db, "labels", git_message="track labels")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(dvc_repo), str(clone))
    assert "deleted:            labels" in dvc(clone, "status").stdout
    proc = dvc(clone, "checkout", ok=False)
    assert "Checkout failed for following targets:\nlabels" in proc.stderr
    assert "Dolt database 'labels' does not exist" in proc.stderr
    assert "dvc pull" in proc.stderr
    assert not (clone / ".dvc" / "cache").exists()
