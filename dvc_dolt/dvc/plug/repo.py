"""DVC's repository: push, fetch, status, diff, add, commit, checkout, data
status, get, import, and the stages it creates."""

from __future__ import annotations

import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any

from dvc_dolt.dvc.plug.shape import LOCKED, check_point
from dvc_dolt.dvc.plug.undo import wrap

if TYPE_CHECKING:
    pass


def patch_repo(module: ModuleType) -> None:
    def make_compacting(record):
        # Under the repo lock, like the command: compaction ends it.
        def record_(self, *args, **kwargs):
            from dvc_dolt.dvc.maintenance.auto_gc import compacting

            with compacting(self):
                return record(self, *args, **kwargs)

        return module.locked(record_)

    def make_push(push):
        def push_(self, *args, **kwargs):
            from dvc_dolt.dvc.sharing.commands import push_with

            return push_with(push, self, *args, **kwargs)

        return module.locked(push_)

    def make_fetch(fetch):
        def fetch_(self, *args, **kwargs):
            from dvc_dolt.dvc.sharing.commands import fetch_with

            return fetch_with(fetch, self, *args, **kwargs)

        return module.locked(fetch_)

    def make_status(status):
        def status_(self, targets=None, jobs=None, cloud=False, remote=None, **kwargs):
            from dvc_dolt.dvc.tracking.status import status_with

            result = status_with(status, self, targets, jobs, cloud, remote, **kwargs)
            if not (cloud or remote):  # the remote modules load for `status -c` only
                return result
            from dvc_dolt.dvc.sharing.status import cloud_status_with

            return cloud_status_with(result, self, targets, remote, kwargs)

        return module.locked(status_)

    def make_diff(diff):
        def diff_(self, *args, **kwargs):
            from dvc_dolt.dvc.views.diff import diff_with

            return diff_with(diff, self, *args, **kwargs)

        return module.locked(diff_)

    wrap(module.Repo, "diff", make_diff)
    wrap(module.Repo, "push", make_push)
    wrap(module.Repo, "fetch", make_fetch)
    wrap(module.Repo, "status", make_status)
    wrap(module.Repo, "add", make_compacting)
    wrap(module.Repo, "commit", make_compacting)


def patch_repo_checkout(module: ModuleType) -> None:
    # The module's function, not Repo.checkout: `dvc exp apply` calls it directly.
    # This runs inside dvc.repo's class body, after `locked` is defined.
    locked: Any = vars(sys.modules["dvc.repo"]).get("locked")
    check_point("dvc.repo.locked", locked, LOCKED)  # a function, or Unsupported

    def make_checkout(checkout):
        def checkout_(self, *args, **kwargs):
            from dvc_dolt.dvc.tracking.checkout import checkout_with

            return checkout_with(checkout, self, *args, **kwargs)

        return locked(checkout_)

    wrap(module, "checkout", make_checkout)


def patch_repo_stage(module: ModuleType) -> None:
    def make_create(create):
        def create_(self, *args, **kwargs):
            from dvc_dolt.dvc.items import storage as storage_guard
            from dvc_dolt.dvc.items import table as table_deps

            stage = create(self, *args, **kwargs)
            storage_guard.check_new_stage(stage)
            table_deps.check_new_stage(stage)
            return stage

        return create_

    wrap(module.StageLoad, "create", make_create)


def patch_stage_imports(module: ModuleType) -> None:
    # Runs while dvc.stage imports it, before it binds the function.
    def make_sync_import(sync_import):
        def sync_import_(stage, *args, **kwargs):
            from dvc_dolt.dvc.sharing.imports import sync_import_with

            return sync_import_with(sync_import, stage, *args, **kwargs)

        return sync_import_

    wrap(module, "sync_import", make_sync_import)


def patch_repo_get(module: ModuleType) -> None:
    # Runs inside dvc.repo's class body, before `Repo.get` binds the function.
    def make_get(get):
        def get_(url, path, *args, **kwargs):
            from dvc_dolt.dvc.sharing.imports import get_with

            return get_with(get, url, path, *args, **kwargs)

        return get_

    wrap(module, "get", make_get)


def patch_repo_data(module: ModuleType) -> None:
    # Runs before Repo's class body binds it as Repo.data_status.
    def make_status(status):
        def status_(repo, *args, **kwargs):
            from dvc_dolt.dvc.views.data_status import data_status_with

            return data_status_with(status, repo, *args, **kwargs)

        return status_

    wrap(module, "status", make_status)
