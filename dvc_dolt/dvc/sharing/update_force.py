"""``dvc update --force``: let an update move imported databases that moved on locally.

DVC's ``update`` has no ``--force`` and passes none down to the import; the
flag travels in a context variable from the command to :mod:`.imports`. Kept
apart from that module: every ``dvc`` command builds the update parser, and
must not load the Dolt layer for it.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from typing import Any

_force: ContextVar[bool] = ContextVar("dvc_dolt_update_force", default=False)


def forced() -> bool:
    """Whether the running ``dvc update`` was given ``--force``."""
    return _force.get()


@contextmanager
def forcing(force: bool) -> Iterator[None]:
    token = _force.set(bool(force))
    try:
        yield
    finally:
        _force.reset(token)


def add_force_option(subparsers: Any) -> None:
    """``dvc update --force``, unless this DVC has its own."""
    parser = subparsers.choices.get("update")
    if parser is None:
        return
    with suppress(argparse.ArgumentError):  # argparse's word for "taken already"
        parser.add_argument(
            "-f",
            "--force",
            action="store_true",
            default=False,
            help=(
                "Move imported Dolt databases even when they are not at the commit their "
                "import recorded (their commits are kept on branches)."
            ),
        )
