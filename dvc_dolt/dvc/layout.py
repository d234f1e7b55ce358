"""Every name of dvc-dolt's own state: files under ``.dvc/tmp``, keys of its
records, the branches and remotes it makes inside databases, and where a
database lives on a DVC remote. Renaming any of these is a migration.

Imports nothing of dvc-dolt or DVC: the patches read :data:`SCHEME` at start-up.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import PurePosixPath

# -- Under .dvc/tmp (DVC's repo.tmp_dir) ---------------------------------------

# Each database's heads, filed by a key of its files: a no-op status asks no dolt.
HEADS_CACHE_FILE = "dolt-heads.json"

# Which tables changed between two commits, as table dependencies ask.
TABLE_CHANGES_FILE = "dolt-table-changes.json"

# The Dolt remotes each database has, so that a push need not ask.
REMOTES_CACHE_FILE = "dolt-remotes.json"

# Clones `dvc fetch` made of databases missing from the workspace, by key;
# checkout moves them into place.
FETCHED_DIR = os.path.join("dolt", "fetched")

# Under .dvc/tmp: the store through which workspace databases and their
# copies in experiments' temporary directories trade commits.
EXCHANGE_DIR = os.path.join("dolt", "exchange")

# Under .dvc/tmp: experiments' databases whose commits could not be brought back.
STRANDED_DIR = os.path.join("dolt", "stranded")

# Under .dvc/tmp: the commit of each database when an experiment was queued,
# by stash commit (<stash_rev>.json); removed once its copy is made.
NOTED_DIR = os.path.join("dolt", "queued")

# In an experiment's temporary copy, under .dvc/tmp: the commit each database
# was cloned at, which its stages start from.
STARTED_FILE = os.path.join("dolt", "started.json")

# -- In DVC's records and config -----------------------------------------------

# The hash name of a database or table entry: `checksum: <heads>.dolt`.
HASH_NAME = "checksum"

# `type: dolt` in a dvc.yaml/.dvc entry marks a database that does not exist yet.
ANNOTATION_TYPE = "dolt"

# `meta: {dolt_remote: URL}` on an output: the database's own home (e.g. DoltHub).
OVERRIDE_KEY = "dolt_remote"

# dolt://host/owner remotes (DoltHub, DoltLab, dolt sql-server).
SCHEME = "dolt"

# Set on an output whose record came from an import's source (--no-download).
RECORDED_ONLY = "_dvc_dolt_recorded_only"

# Where promote() keeps DVC's use_cache, for an item that turns out to be
# recorded as files (dvc.yaml outputs are built before dvc.lock is read).
USE_CACHE_ATTR = "_dvc_dolt_use_cache"

# -- Inside the databases: branches and remotes dvc-dolt names -----------------

EXP_BRANCH_PREFIX = "dvc/exp/"


def experiment_branch(name: str) -> str:
    return EXP_BRANCH_PREFIX + name


# How the Dolt remote is named inside a database when dvc-dolt adds it.
REMOTE_PREFIX = "dvc-"


def home_remote(remote: str) -> str:
    """The Dolt remote dvc-dolt adds to a database for DVC remote ``remote``
    ("" for the default)."""
    return REMOTE_PREFIX + (remote or "home")


# The remote through which a database and its copy in an experiment trade commits.
EXCHANGE_REMOTE = "dvc-exchange"

# -- On DVC remotes: each database's own place, by its key ---------------------

DOLT_DIR = "dolt"

# In a git repository serving as a DVC remote: the ref each database lives under.
GIT_REF_PREFIX = "refs/dolt/"


def git_ref(key: str) -> str:
    """The git ref of database ``key`` (see :func:`database_key`: a valid ref name)."""
    return GIT_REF_PREFIX + key


# Path characters that name a remote database as they are. Lower case only:
# database names are case-insensitive on some stores (macOS file systems,
# dolt sql-server), so ``Labels`` and ``labels`` must not meet there either.
_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")

# MySQL's limit for a database name, which dolt sql-server (a remotesapi
# remote) enforces; a key that long keeps a readable head and a digest.
MAX_KEY = 64


def _path_parts(def_path: str) -> list[str]:
    parts = PurePosixPath(def_path.replace(os.sep, "/")).parts
    return [p for p in parts if p not in ("", ".", "..")]


def database_key(def_path: str) -> str:
    """The remote database name of workspace path ``def_path``, one per path.

    ``/`` becomes ``--`` and every other byte (UTF-8) outside ``[a-z0-9_]`` a
    ``-`` and two hex digits: ``data/labels`` -> ``data--labels``,
    ``data-labels`` -> ``data-2dlabels``, ``Labels`` -> ``-4cabels``. A ``-``
    is always followed by ``-`` or a hex digit, so no two paths share a name,
    and names stay valid for file paths, object stores, dolt sql-server
    databases and DoltHub repositories.
    """
    path = "/".join(_path_parts(def_path)) or "."
    key = "".join(_escape(ch) for ch in path)
    if len(key) >= MAX_KEY:
        # Exactly MAX_KEY long, where every short key is shorter.
        digest = hashlib.sha256(path.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        key = f"{key[: MAX_KEY - len(digest) - 2]}-_{digest}"
    return key


def _escape(ch: str) -> str:
    if ch in _PLAIN:
        return ch
    if ch == "/":
        return "--"
    return "".join(f"-{byte:02x}" for byte in ch.encode("utf-8", "surrogatepass"))


def legacy_database_key(def_path: str) -> str:
    """The name dvc-dolt 0.1 gave a path's remote database (``data-labels`` for
    both ``data/labels`` and ``data-labels``): still read, never written."""
    name = "-".join(_path_parts(def_path))
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.")
    return name or "database"
