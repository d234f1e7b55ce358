"""The routes a ``dvc push``/``fetch``/``status -c`` moves, with the recorded
commits of each: every Dolt output in scope (targets, and the git revisions
``-a``/``-T``/``-A``/``--rev`` select).
"""

from __future__ import annotations

import os
from collections import defaultdict
from typing import TYPE_CHECKING, Any, Optional

from dvc_dolt.dvc.items.database import databases_in
from dvc_dolt.dvc.layout import OVERRIDE_KEY
from dvc_dolt.dvc.sharing.routes import Route, databases_remote

if TYPE_CHECKING:
    from dvc.repo import Repo


def collect(
    repo: Repo,
    targets: Any = None,
    remote: Optional[str] = None,
    push: bool = False,
    with_deps: bool = False,
    recursive: bool = False,
    all_branches: bool = False,
    all_tags: bool = False,
    all_commits: bool = False,
    revs: Any = None,
    workspace: bool = True,
) -> dict[Route, set[str]]:
    """Recorded commits per database, over the revisions DVC's flags select."""
    from dvc_dolt.dvc.sharing.recorded import import_route

    found: dict[Route, set[str]] = defaultdict(set)
    # `dvc config dolt.remote NAME`: where databases go when files go elsewhere.
    default_remote = databases_remote(repo)
    root = repo.root_dir  # inside the brancher, git revisions have root "/"
    for _ in repo.brancher(
        revs=revs,
        all_branches=all_branches,
        all_tags=all_tags,
        all_commits=all_commits,
        workspace=workspace,
    ):
        # Read the outputs inside the loop: the brancher swaps the repo's
        # view of its files for each revision.
        view = repo.index.targets_view(targets, with_deps=with_deps, recursive=recursive)
        for out in databases_in(view.outs):
            if (push and not out.can_push) or (remote and out.remote and remote != out.remote):
                continue
            heads = out.recorded_heads
            if heads is None:
                continue
            if out.stage.is_repo_import:
                # Like DVC's own imports: never pushed, fetched from the source.
                route = None if push else import_route(out, root)
                if route is not None:
                    found[route].add(heads.commit)
                continue
            parts = out.index_key[1]
            url = (out.annot.meta or {}).get(OVERRIDE_KEY)
            name = remote or out.remote or default_remote or ("" if url else None)
            if name is None:
                # DVC's own NoRemoteError, with its advice.
                repo.cloud.get_remote(None, "push" if push else "fetch")
            # name is None only when get_remote above found a default remote the
            # workspace's config does not name (a git revision's own config).
            route = Route(os.path.join(root, *parts), "/".join(parts), name, url)  # type: ignore[arg-type]
            found[route].add(heads.commit)
    return found
