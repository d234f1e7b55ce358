"""DVC's experiments: run, queue, temporary copies, apply, rename, remove."""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

from dvc_dolt.dvc.plug.shape import LOCKED, check_point
from dvc_dolt.dvc.plug.undo import wrap


def patch_exp_run(module: ModuleType) -> None:
    def make_run(run):
        def run_(repo, *args, **kwargs):
            from dvc_dolt.dvc.experiments.run import run_with

            return run_with(run, repo, *args, **kwargs)

        return run_

    wrap(module, "run", make_run)


def patch_exp_queue(module: ModuleType) -> None:
    def make_stash(stash_exp):
        def stash_exp_(self, *args, **kwargs):
            from dvc_dolt.dvc.experiments.queue import stash_with

            return stash_with(stash_exp, self, *args, **kwargs)

        return stash_exp_

    wrap(module.BaseStashQueue, "_stash_exp", make_stash)


def patch_exp_executor(module: ModuleType) -> None:
    temp_executor = module.TempDirExecutor

    def make_init_cache(init_cache):
        def init_cache_(self, repo, rev, run_cache=True):
            from dvc_dolt.dvc.experiments.temp import prepare_temp

            init_cache(self, repo, rev, run_cache)
            prepare_temp(self, repo, rev)

        return init_cache_

    def make_collect_cache(collect_cache):
        def collect_cache_(self, repo, exp_ref, run_cache=True):
            from dvc_dolt.dvc.experiments.temp import bring_back

            collect_cache(self, repo, exp_ref, run_cache)
            # Workspace runs keep their commits in run_with.
            if isinstance(self, temp_executor):
                bring_back(self, repo, exp_ref)

        return collect_cache_

    wrap(module.TempDirExecutor, "init_cache", make_init_cache)
    wrap(module.BaseLocalExecutor, "collect_cache", make_collect_cache)


def patch_exp_apply(module: ModuleType) -> None:
    def make_apply(apply):
        def apply_(repo, *args, **kwargs):
            from dvc_dolt.dvc.experiments.apply import apply_with

            return apply_with(apply, repo, *args, **kwargs)

        return apply_

    wrap(module, "apply", make_apply)


def patch_exp_rename(module: ModuleType) -> None:
    def make_rename(rename):
        def rename_(repo, *args, **kwargs):
            from dvc_dolt.dvc.experiments.refs import rename_with

            return rename_with(rename, repo, *args, **kwargs)

        return rename_

    wrap(module, "rename", make_rename)


def patch_exp_remove(module: ModuleType) -> None:
    # DVC's remove holds the repo lock; ours also covers the branches dropped
    # after it (the lock is re-entrant).
    locked: Any = vars(sys.modules["dvc.repo"]).get("locked")
    check_point("dvc.repo.locked", locked, LOCKED)  # a function, or Unsupported

    def make_remove(remove):
        def remove_(repo, *args, **kwargs):
            from dvc_dolt.dvc.experiments.remove import remove_with

            return remove_with(remove, repo, *args, **kwargs)

        return locked(remove_)

    wrap(module, "remove", make_remove)
