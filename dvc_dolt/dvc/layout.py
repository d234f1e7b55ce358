"""TODO docstring (from experiments, fs, lineage, output, remotes, sync)."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import PurePosixPath

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


def experiment_branch(name: str) -> str:
    return EXP_BRANCH_PREFIX + name


SCHEME = "dolt"


# dvc-dolt's own refs say nothing about where a user's data came from.
_OWN_REFS = ("dvc/pin/", "dvc/kept/")


HASH_NAME = "checksum"


# Set on an output whose record came from an import's source (--no-download).
RECORDED_ONLY = "_dvc_dolt_recorded_only"


# `type: dolt` in a dvc.yaml/.dvc entry marks a database that does not exist yet.
ANNOTATION_TYPE = "dolt"


HEADS_CACHE_FILE = "dolt-heads.json"


TABLE_CHANGES_FILE = "dolt-table-changes.json"


# Where promote() keeps DVC's use_cache, for an item that turns out to be
# recorded as files (dvc.yaml outputs are built before dvc.lock is read).
_USE_CACHE_ATTR = "_dvc_dolt_use_cache"


DOLT_DIR = "dolt"


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


FETCHED_DIR = os.path.join("dolt", "fetched")


REMOTES_CACHE_FILE = "dolt-remotes.json"


# How the Dolt remote is named inside a database when dvc-dolt adds it.
REMOTE_PREFIX = "dvc-"


# `meta: {dolt_remote: URL}` on an output: the database's own home (e.g. DoltHub).
OVERRIDE_KEY = "dolt_remote"
