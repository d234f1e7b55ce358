"""The Dolt layer: runs the ``dolt`` executable and knows nothing of DVC."""

from .binary import DoltBinary, find_dolt
from .database import Database, RestoreResult, TableDiffStat, kept_branch, pin_branch
from .errors import (
    DirtyDatabaseError,
    DoltCommandError,
    DoltError,
    DoltNotFoundError,
    DoltRemoteError,
    DoltTimeoutError,
    DoltVersionError,
    MalformedChecksumError,
    NotADatabaseError,
    PinNotFoundError,
    UnknownCommitError,
)
from .heads import Heads, decode_checksum, is_checksum, looks_like_checksum

__all__ = [
    "Database",
    "DirtyDatabaseError",
    "DoltBinary",
    "DoltCommandError",
    "DoltError",
    "DoltNotFoundError",
    "DoltRemoteError",
    "DoltTimeoutError",
    "DoltVersionError",
    "Heads",
    "MalformedChecksumError",
    "NotADatabaseError",
    "PinNotFoundError",
    "RestoreResult",
    "TableDiffStat",
    "UnknownCommitError",
    "decode_checksum",
    "find_dolt",
    "is_checksum",
    "kept_branch",
    "looks_like_checksum",
    "pin_branch",
]
