"""The identity of a Dolt database: its three heads, and their checksum form.

A checksum reads ``<commit>-<staged>-<working>.dolt``: the HEAD commit hash,
then the root hashes of the staged and working sets. Roots carry no
timestamps, so equal content gives equal roots.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from .errors import MalformedChecksumError

HASH_RE = re.compile(r"^[0-9a-v]{32}$")
CHECKSUM_SUFFIX = ".dolt"
_CHECKSUM_RE = re.compile(r"^([0-9a-v]{32})-([0-9a-v]{32})-([0-9a-v]{32})\.dolt$")


def is_hash(value: object) -> bool:
    return isinstance(value, str) and bool(HASH_RE.match(value))


def check_hash(value: str, what: str = "hash") -> str:
    if not is_hash(value):
        raise MalformedChecksumError(
            f"{what} {value!r} is not a Dolt hash (32 characters of 0-9 and a-v)"
        )
    return value


@dataclass(frozen=True)
class Heads:
    """HEAD commit, staged root and working root of a database.

    ``branch`` and ``head_root`` are facts of the moment the heads were read,
    not part of the identity, and are None for heads decoded from a checksum.
    """

    commit: str
    staged: str
    working: str
    branch: Optional[str] = field(default=None, compare=False)
    head_root: Optional[str] = field(default=None, compare=False)

    def __post_init__(self) -> None:
        check_hash(self.commit, "HEAD commit")
        check_hash(self.staged, "staged root")
        check_hash(self.working, "working root")

    @property
    def checksum(self) -> str:
        return f"{self.commit}-{self.staged}-{self.working}{CHECKSUM_SUFFIX}"

    @property
    def is_clean(self) -> bool:
        """Working and staged sets equal the HEAD commit's root.

        For heads decoded from a checksum (no ``head_root``) this means only
        that nothing was staged apart from the working set.
        """
        root = self.head_root or self.staged
        return self.working == self.staged == root

    @classmethod
    def from_checksum(cls, value: object) -> Heads:
        return decode_checksum(value)

    def __str__(self) -> str:
        return self.checksum


def is_checksum(value: object) -> bool:
    """True for a well-formed Dolt checksum (cheap; no exception)."""
    return isinstance(value, str) and bool(_CHECKSUM_RE.match(value))


def looks_like_checksum(value: object) -> bool:
    """True for values that were meant as Dolt checksums, well-formed or not."""
    return isinstance(value, str) and value.endswith(CHECKSUM_SUFFIX)


def decode_checksum(value: object) -> Heads:
    """Parse ``<commit>-<staged>-<working>.dolt``; MalformedChecksumError says why not."""
    if not isinstance(value, str):
        raise MalformedChecksumError(f"Dolt checksum must be a string, got {value!r}")
    match = _CHECKSUM_RE.match(value)
    if match:
        return Heads(*match.groups())
    if not value.endswith(CHECKSUM_SUFFIX):
        raise MalformedChecksumError(f"Dolt checksum {value!r} does not end in '{CHECKSUM_SUFFIX}'")
    parts = value[: -len(CHECKSUM_SUFFIX)].split("-")
    if len(parts) != 3:
        raise MalformedChecksumError(
            f"Dolt checksum {value!r} must have three '-'-separated hashes "
            f"(commit, staged root, working root), found {len(parts)} parts"
        )
    for what, part in zip(("HEAD commit", "staged root", "working root"), parts):
        if len(part) != 32:
            raise MalformedChecksumError(
                f"Dolt checksum {value!r}: {what} {part!r} has {len(part)} characters, not 32"
            )
        if not HASH_RE.match(part):
            raise MalformedChecksumError(
                f"Dolt checksum {value!r}: {what} {part!r} has characters outside 0-9 and a-v"
            )
    raise MalformedChecksumError(f"Dolt checksum {value!r} is malformed")  # pragma: no cover


# -- a table a stage reads ------------------------------------------------------

TABLE_CHECKSUM_SUFFIX = ".dolt-table"
_TABLE_CHECKSUM_RE = re.compile(r"^([0-9a-v]{32})-([0-9a-v]{32})\.dolt-table$")


@dataclass(frozen=True)
class TableRecord:
    """A table as a stage read it: its content hash (``dolt_hashof_table`` of
    the working set) and the database's HEAD commit then, for lineage.

    Only the content hash tells whether the table changed.
    """

    table_hash: str
    commit: str

    @property
    def checksum(self) -> str:
        return f"{self.table_hash}-{self.commit}{TABLE_CHECKSUM_SUFFIX}"


def looks_like_table_checksum(value: object) -> bool:
    return isinstance(value, str) and value.endswith(TABLE_CHECKSUM_SUFFIX)


def decode_table_checksum(value: object) -> TableRecord:
    """Parse ``<table hash>-<commit>.dolt-table``; MalformedChecksumError says why not."""
    match = _TABLE_CHECKSUM_RE.match(value) if isinstance(value, str) else None
    if match is None:
        raise MalformedChecksumError(
            f"Dolt table checksum {value!r} is not <table hash>-<commit>{TABLE_CHECKSUM_SUFFIX} "
            "(two 32-character hashes of 0-9 and a-v)"
        )
    return TableRecord(*match.groups())
