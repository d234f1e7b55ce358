"""How a database or table item is named: its path in the repo, and the
record that holds it, for messages."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dvc.output import Output


def where_recorded(item: Output) -> str:
    """`` in 'dvc.lock'`` (a dvc.yaml stage's record), `` in 'db.dvc'``, or nothing."""
    from dvc.dvcfile import ProjectFile

    stage = item.stage
    if stage is None:
        return ""
    dvcfile = getattr(stage, "dvcfile", None)
    path = getattr(dvcfile, "relpath", None) or getattr(stage, "relpath", "")
    if path and isinstance(dvcfile, ProjectFile):
        path = os.path.splitext(path)[0] + ".lock"  # DVC's own rule for dvc.yaml
    return f" in '{path}'" if path else ""


def rel_path_of(item: Output) -> str:
    """The item's path relative to the repo root, with "/" (DVC's index key)."""
    return "/".join(item.index_key[1])
