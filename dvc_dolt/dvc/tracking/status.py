"""``dvc status`` with databases: reads without waiting for their locks, and the
heads of several databases asked in parallel once one is not on file.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import TYPE_CHECKING, Any

from dvc_dolt.dvc.items.database import warm_heads
from dvc_dolt.dvc.items.heads import heads_cache_at
from dvc_dolt.dvc.items.reading import read_only
from dvc_dolt.dvc.project.scope import as_list

if TYPE_CHECKING:
    from dvc.repo import Repo


def _warm(repo: Repo, targets: Any, kwargs: dict[str, Any]) -> None:
    """Databases' heads asked in parallel, once DVC's status, which reads them in
    turn, finds one not on file; before that, collecting them would cost time
    for nothing."""
    try:
        view = repo.index.targets_view(
            as_list(targets) or [None],
            with_deps=kwargs.get("with_deps", False),
            recursive=kwargs.get("recursive", False),
        )
        items = [*view.outs, *(dep for stage in view.stages for dep in stage.deps)]
    except Exception:
        # DVC's status reports bad targets its own way.
        return
    warm_heads(items)


def status_with(
    dvc_status, repo: Repo, targets=None, jobs=None, cloud=False, remote=None, **kwargs
):
    """DVC's status, reading databases without waiting for their locks."""
    warming: Any = nullcontext()
    if not (cloud or remote) and getattr(repo, "tmp_dir", None):
        warming = heads_cache_at(repo.tmp_dir).before_asking(lambda: _warm(repo, targets, kwargs))
    with read_only(), warming:
        return dvc_status(repo, targets=targets, jobs=jobs, cloud=cloud, remote=remote, **kwargs)
