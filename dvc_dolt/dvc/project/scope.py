"""The arguments of DVC's commands that select outputs and revisions."""

from __future__ import annotations

from typing import Any

_SCOPE = ("with_deps", "recursive", "all_branches", "all_tags", "all_commits", "revs", "workspace")


def scope_args(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The arguments of DVC's commands that select outputs and revisions."""
    return {k: v for k, v in kwargs.items() if k in _SCOPE}


def as_list(targets: Any) -> Any:
    return [targets] if isinstance(targets, str) else targets
