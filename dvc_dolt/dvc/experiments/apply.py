"""``dvc exp apply``: databases with uncommitted work are refused before DVC
forces its checkout, which then restores the experiment's commits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dvc_dolt.dvc.errors import DvcDoltError
from dvc_dolt.dvc.experiments.temp import bring_back_stranded
from dvc_dolt.dvc.items.describe import rel_path_of
from dvc_dolt.dvc.project.records import WROTE, records
from dvc_dolt.dvc.project.staging import workspace_database
from dvc_dolt.dvc.project.tracked import dolt_items

if TYPE_CHECKING:
    from dvc.repo import Repo


def apply_with(dvc_apply, repo: Repo, *args: Any, **kwargs: Any) -> Any:
    """DVC's ``exp apply`` forces its checkout; refuse dirty databases first."""
    for rel_path in _applied_databases(repo, *args, **kwargs):
        db = workspace_database(repo, rel_path)
        if not db.exists:
            continue
        _, reasons = db.inspect()
        if reasons:
            raise DvcDoltError(
                f"cannot apply an experiment over Dolt database '{rel_path}': " + "; ".join(reasons)
            )
    bring_back_stranded(repo, args[0] if args else kwargs.get("rev"))
    return dvc_apply(repo, *args, **kwargs)


def _applied_databases(repo: Repo, rev: Any = None, *args: Any, **kwargs: Any) -> list[str]:
    """The output databases that applying experiment ``rev`` may restore."""
    from dvc.exceptions import DvcException

    try:
        return sorted(
            {
                rel_path_of(item)
                for item in dolt_items(repo)
                if not item.IS_DEPENDENCY and item.is_in_repo
            }
        )
    except DvcException:
        pass
    # The workspace's pipeline does not load (DVC's apply replaces it): the
    # experiment's own records name what its checkout restores.
    from dvc.scm import resolve_rev

    try:
        # None only if DVC's apply is called without its required rev.
        exp_rev = resolve_rev(repo.scm, rev or kwargs.get("rev"))  # type: ignore[arg-type]
        return sorted({use.path for use in records(repo, exp_rev) if use.role == WROTE})
    except DvcException:
        return []  # DVC's apply says what is wrong with ``rev``
