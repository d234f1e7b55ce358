"""Dolt-layer errors as DVC exceptions, so DVC prints one clean ``ERROR:`` line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Optional

from dvc.exceptions import DvcException

from dvc_dolt.dolt import DoltError

# DVC's own last words (`dvc commit`) for a refusal that -f overrides. The DVC
# extension for VS Code offers "Force" only on /Use\s['`](-f|--force).*?['`]\sto\sforce\./
# (older releases: /Use\s['`]-f.*?['`]\sto\sforce\./); this sentence matches both.
USE_FORCE = "Use `-f|--force` to force."


class DvcDoltError(DvcException):
    """A Dolt database could not be handled as asked.

    ``dolt_error`` keeps the Dolt-layer error; it is not chained as the
    cause, because DVC would print its message a second time.
    """

    def __init__(self, msg: str, dolt_error: Optional[DoltError] = None) -> None:
        super().__init__(msg)
        self.dolt_error = dolt_error


@contextmanager
def dvc_errors(prefix: str = "") -> Iterator[None]:
    """Re-raise Dolt-layer errors as :class:`DvcDoltError`."""
    try:
        yield
    except DoltError as exc:
        raise DvcDoltError(f"{prefix}{exc}", exc) from None
