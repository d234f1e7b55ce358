"""TODO docstring (from output)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dvc.output import Output


def _where(item: Output) -> str:
    stage = item.stage
    if stage is None:
        return ""
    dvcfile = getattr(stage, "dvcfile", None)
    lockfile = getattr(dvcfile, "_lockfile", None)
    path = getattr(lockfile or dvcfile, "relpath", None) or getattr(stage, "relpath", "")
    return f" in '{path}'" if path else ""
