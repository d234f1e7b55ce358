"""Locate the ``dolt`` executable and check that it is new enough.

The lookup mirrors ``scripts/install-dolt``: ``$DVC_DOLT_DOLT``, then ``dolt``
on ``PATH``, then the per-user build cache the script fills.

Asking a dolt its version costs a process, so the answer is kept in
``dolt-versions.json`` in the per-user cache directory, by the binary's path
and ``stat`` facts: a dolt upgraded, replaced or touched is asked again.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
import time
from functools import cache
from pathlib import Path
from typing import NamedTuple

from .errors import DoltNotFoundError, DoltVersionError
from .trace import announce

logger = logging.getLogger(__name__)

ENV_DOLT = "DVC_DOLT_DOLT"
ENV_CACHE = "DVC_DOLT_CACHE"
VERSIONS_FILE = "dolt-versions.json"
# Paths remembered; the oldest go first (each test run, say, uses new ones).
_MAX_VERSIONS = 32

# The release scripts/install-dolt builds, and the oldest we accept: 1.40.0 is
# the first minor release with dolt_hashof_db('STAGED'|'HEAD') (added to Dolt
# in June 2024, in 1.39.4), which the three-heads query needs.
BUILT_VERSION = "1.83.2"
MIN_VERSION = (1, 40, 0)
# `dolt sql` runs Dolt's automatic GC since dolthub/dolt#9726 (August 2025, in
# 1.58), which also added `--disable-auto-gc`; 1.59.0 is the first minor release
# sure to have both. Older releases would refuse the flag.
AUTO_GC_FLAG_VERSION = (1, 59, 0)

INSTALL_HINT = (
    "install dolt >= {floor} (https://docs.dolthub.com/introduction/installation, "
    "or `scripts/install-dolt` from a dvc-dolt checkout), then put it on PATH "
    f"or point ${ENV_DOLT} at it"
)

_VERSION_RE = re.compile(r"^dolt version (\d+)\.(\d+)\.(\d+)", re.MULTILINE)


def format_version(version: tuple[int, ...]) -> str:
    return ".".join(map(str, version))


def parse_version(output: str) -> tuple[int, int, int] | None:
    """Version from ``dolt version`` output, or None when there is none."""
    match = _VERSION_RE.search(output)
    if not match:
        return None
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def is_supported(version: tuple[int, ...]) -> bool:
    return tuple(version) >= MIN_VERSION


# A NamedTuple, not a frozen dataclass: this module loads in every `dvc`
# command that sees a database, and a frozen dataclass is slower to define.
class DoltBinary(NamedTuple):
    path: str
    version: tuple[int, int, int]

    @property
    def version_string(self) -> str:
        return format_version(self.version)

    @property
    def sql_options(self) -> tuple[str, ...]:
        """Options for dvc-dolt's own ``dolt sql`` statements.

        They write a few refs at most, so they leave no garbage to collect; an
        automatic GC they start is cut off when the process exits, after seconds
        of CPU on a large journal, having freed nothing.
        """
        return ("--disable-auto-gc",) if self.version >= AUTO_GC_FLAG_VERSION else ()


def cache_root() -> Path:
    """The per-user cache directory of dvc-dolt."""
    root = os.environ.get(ENV_CACHE)
    if not root:
        xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
        root = os.path.join(xdg, "dvc-dolt")
    return Path(root)


def cache_dir() -> Path:
    """Where scripts/install-dolt keeps the dolt it builds."""
    return cache_root() / f"dolt-{BUILT_VERSION}"


def _candidates() -> list[tuple[str, str]]:
    """(path, where it came from), in lookup order."""
    explicit = os.environ.get(ENV_DOLT)
    if explicit:
        # An explicit choice is never silently replaced by another dolt.
        return [(explicit, f"${ENV_DOLT}")]
    found = []
    on_path = shutil.which("dolt")
    if on_path:
        found.append((on_path, "PATH"))
    cached = cache_dir() / "dolt"
    if cached.is_file() and os.access(cached, os.X_OK):
        found.append((str(cached), "the dvc-dolt build cache"))
    return found


def probe_version(path: str, timeout: float = 30) -> tuple[int, int, int] | None:
    """Run ``<path> version`` in a throw-away DOLT_ROOT_PATH; None if it is no dolt.

    Logged and traced like every dolt process (``dvc -v``, ``$DVC_DOLT_TRACE``).
    """
    shown = ["dolt", "version"]
    announce(shown, None)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="dvc-dolt-version-") as home:
        env = dict(os.environ, DOLT_ROOT_PATH=home, DOLT_DISABLE_EVENT_FLUSH="1")
        try:
            proc = subprocess.run(  # noqa: S603 - argv list, no shell
                [path, "version"],
                capture_output=True,
                text=True,
                errors="replace",
                env=env,
                # Run inside a database, dolt would load its journal first just
                # to print its version.
                cwd=home,
                timeout=timeout,
                check=False,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            logger.debug("%s: %s", path, exc)
            return None
    logger.debug("dolt version: exit %d in %.3fs", proc.returncode, time.monotonic() - started)
    return parse_version(proc.stdout)


def _stat_facts(path: str) -> str | None:
    """What tells this file from a replaced, upgraded or touched one, without running it."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return f"{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}"


def _load_versions(file: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, RecursionError) as exc:  # unreadable or corrupt: ask dolt
        logger.debug("ignoring %s: %s", file, exc)
        return {}
    dolts = data.get("dolts") if isinstance(data, dict) else None
    if not isinstance(dolts, dict):
        return {}
    return {
        path: entry
        for path, entry in dolts.items()
        if isinstance(entry, dict)
        and isinstance(entry.get("stat"), str)
        and isinstance(entry.get("version"), str)
    }


def _cached_version(path: str, facts: str) -> tuple[int, int, int] | None:
    entry = _load_versions(cache_root() / VERSIONS_FILE).get(path)
    if entry is None or entry["stat"] != facts:
        return None
    return parse_version(f"dolt version {entry['version']}")


def _remember_version(path: str, facts: str, version: tuple[int, int, int]) -> None:
    """Add one entry, written atomically; a cache that cannot be written is skipped."""
    root = cache_root()
    file = root / VERSIONS_FILE
    dolts = _load_versions(file)
    dolts.pop(path, None)
    dolts[path] = {"stat": facts, "version": format_version(version)}
    kept = dict(list(dolts.items())[-_MAX_VERSIONS:])
    try:
        root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=root, prefix=f".{VERSIONS_FILE}.", suffix=".tmp")
    except OSError as exc:  # e.g. a read-only home: ask dolt next time too
        logger.debug("could not write %s: %s", file, exc)
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fobj:
            json.dump({"dolts": kept}, fobj, indent=1)
        # Readers in other processes see the old file or the new one, never half.
        os.replace(tmp, file)
    except OSError as exc:
        logger.debug("could not write %s: %s", file, exc)
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _version_of(path: str) -> tuple[int, int, int] | None:
    """The version of the dolt at ``path``: from the cache, else asked and remembered."""
    path = os.path.abspath(path)
    facts = _stat_facts(path)
    if facts is not None:
        version = _cached_version(path, facts)
        if version is not None:
            logger.debug("dolt %s at %s (version cached)", format_version(version), path)
            return version
    version = probe_version(path)
    # Only what a dolt said, and only if the file did not change meanwhile.
    if version is not None and facts is not None and _stat_facts(path) == facts:
        _remember_version(path, facts, version)
    return version


def identity() -> str:
    """Path, size and modification time of every dolt :func:`find_dolt` considers.

    Tells an upgraded or replaced dolt from the one before without starting
    it, which would cost a process: a few ``stat`` calls.
    """
    parts = []
    for path, _ in _candidates():
        try:
            stat = os.stat(path)
        except OSError:
            parts.append(f"{path}:-")
        else:
            parts.append(f"{os.path.abspath(path)}:{stat.st_size}:{stat.st_mtime_ns}")
    return "\n".join(parts)


@cache
def find_dolt() -> DoltBinary:
    """The dolt to run, checked once per process (its version once per binary, see
    :data:`VERSIONS_FILE`).

    Raises DoltNotFoundError or DoltVersionError with what was found, what is
    needed and how to install it.
    """
    floor = format_version(MIN_VERSION)
    hint = INSTALL_HINT.format(floor=floor)
    candidates = _candidates()
    if not candidates:
        raise DoltNotFoundError(f"dolt was not found on PATH; {hint}")

    rejected = []
    for path, origin in candidates:
        if not os.path.isfile(path) or not os.access(path, os.X_OK):
            rejected.append(f"{path} (from {origin}) is not an executable file")
            continue
        version = _version_of(path)
        if version is None:
            rejected.append(f"{path} (from {origin}) does not report a dolt version")
        elif not is_supported(version):
            rejected.append(f"{path} (from {origin}) is dolt {format_version(version)}")
        else:
            return DoltBinary(os.path.abspath(path), version)
    raise DoltVersionError(f"no usable dolt: {'; '.join(rejected)}; {hint}")
