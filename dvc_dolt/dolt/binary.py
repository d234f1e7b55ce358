"""Locate the ``dolt`` executable and check that it is new enough.

The lookup mirrors ``scripts/install-dolt``: ``$DVC_DOLT_DOLT``, then ``dolt``
on ``PATH``, then the per-user build cache the script fills.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .errors import DoltNotFoundError, DoltVersionError

ENV_DOLT = "DVC_DOLT_DOLT"
ENV_CACHE = "DVC_DOLT_CACHE"

# The release scripts/install-dolt builds, and the oldest we accept: 1.40.0 is
# the first minor release with dolt_hashof_db('STAGED'|'HEAD') (added to Dolt
# in June 2024, in 1.39.4), which the three-heads query needs.
BUILT_VERSION = "1.83.2"
MIN_VERSION = (1, 40, 0)

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


@dataclass(frozen=True)
class DoltBinary:
    path: str
    version: tuple[int, int, int]

    @property
    def version_string(self) -> str:
        return format_version(self.version)


def cache_dir() -> Path:
    """Where scripts/install-dolt keeps the dolt it builds."""
    root = os.environ.get(ENV_CACHE)
    if not root:
        xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
        root = os.path.join(xdg, "dvc-dolt")
    return Path(root) / f"dolt-{BUILT_VERSION}"


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
    """Run ``<path> version`` in a throw-away DOLT_ROOT_PATH; None if it is no dolt."""
    with tempfile.TemporaryDirectory(prefix="dvc-dolt-version-") as home:
        env = dict(os.environ, DOLT_ROOT_PATH=home, DOLT_DISABLE_EVENT_FLUSH="1")
        try:
            proc = subprocess.run(  # noqa: S603 - argv list, no shell
                [path, "version"],
                capture_output=True,
                text=True,
                errors="replace",
                env=env,
                timeout=timeout,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            return None
    return parse_version(proc.stdout)


def identity() -> str:
    """Path, size and modification time of every dolt :func:`find_dolt` considers.

    Tells an upgraded or replaced dolt from the one before without starting
    it (a process costs ~0.1 s): a few ``stat`` calls.
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
    """The dolt to run, checked once per process.

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
        version = probe_version(path)
        if version is None:
            rejected.append(f"{path} (from {origin}) does not report a dolt version")
        elif not is_supported(version):
            rejected.append(f"{path} (from {origin}) is dolt {format_version(version)}")
        else:
            return DoltBinary(os.path.abspath(path), version)
    raise DoltVersionError(f"no usable dolt: {'; '.join(rejected)}; dvc-dolt needs {hint}")
