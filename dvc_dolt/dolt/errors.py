"""Exceptions raised by the Dolt layer.

Every message is one line a user can act on: it names the database, says what
is wrong and, where there is one, the command that fixes it.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Sequence


class DoltError(Exception):
    """Base of every error the Dolt layer raises."""


class DoltNotFoundError(DoltError):
    """No usable ``dolt`` executable."""


class DoltVersionError(DoltError):
    """The ``dolt`` found is older than the floor, or is not dolt at all."""


class DoltCommandError(DoltError):
    """``dolt`` exited non-zero.

    Where doltcli is loaded, also a :class:`doltcli.DoltException`, so code
    written against doltcli keeps catching it (see :func:`_adopt_doltcli`). Its
    attributes (``exec_args``, ``stdout``, ``stderr``, ``exitcode``) are set either way.
    """

    def __new__(cls, *args, **kwargs):
        _adopt_doltcli()
        return super().__new__(cls, *args, **kwargs)

    def __init__(
        self,
        message: str,
        args: Sequence[str],
        returncode: int | None,
        stdout: str = "",
        stderr: str = "",
        reason: str = "",
    ) -> None:
        Exception.__init__(self, list(args), stdout, stderr, returncode)
        self.exec_args = list(args)
        self.stdout = stdout
        self.stderr = stderr
        self.exitcode = returncode
        self.message = message
        self.returncode = returncode
        # dolt's own words, without what we were doing and where.
        self.reason = reason or message

    def __str__(self) -> str:
        return self.message


def _adopt_doltcli() -> None:
    """Make DoltCommandError a doltcli.DoltException too, if doltcli is loaded.

    Only code that imported doltcli can catch its exception class, so doltcli
    is not imported here: every `dvc` command would pay for its import. Instead the
    base is added when an error is made, whichever was imported first. doltcli
    is optional, and does not install on CPython 3.12+ (see pyproject).
    """
    base = getattr(sys.modules.get("doltcli"), "DoltException", None)
    if not isinstance(base, type) or issubclass(DoltCommandError, base):
        return
    # TypeError: a doltcli whose exception cannot be a second base.
    with contextlib.suppress(TypeError):
        DoltCommandError.__bases__ = (DoltError, base)


class DoltTimeoutError(DoltCommandError):
    """``dolt`` did not finish within its time limit."""


class DoltRemoteError(DoltCommandError):
    """A remote could not be reached, or refused the operation."""


class NotADatabaseError(DoltError):
    """The directory holds no ``.dolt/``."""


class DirtyDatabaseError(DoltError):
    """The database has uncommitted work or an operation in progress."""

    def __init__(self, path: str, reasons: Sequence[str], action: str = "") -> None:
        self.path = path
        self.reasons = list(reasons)
        what = f" to {action}" if action else ""
        super().__init__(
            f"Dolt database '{path}' is not clean enough{what}: " + "; ".join(self.reasons)
        )


class UnknownCommitError(DoltError):
    """A commit is not in the database (nor fetched into it)."""


class PinNotFoundError(DoltRemoteError):
    """A remote does not hold the pin of a recorded commit."""

    commit: str = ""


class MalformedChecksumError(DoltError, ValueError):
    """A recorded Dolt checksum does not parse."""
