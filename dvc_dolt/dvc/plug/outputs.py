"""DVC's outputs, dependencies, stage loader and run cache: where Dolt items are made."""

from __future__ import annotations

from itertools import chain
from types import ModuleType

from dvc_dolt.dvc.plug.undo import wrap


def patch_output(module: ModuleType) -> None:
    def make_get(get):
        def _get(stage, path, **kwargs):
            from dvc_dolt.dvc.items.database import promote, wants_dolt

            item = get(stage, path, **kwargs)
            return promote(item) if wants_dolt(item) else item

        return _get

    def make_save(save):
        def save_(self):
            from dvc_dolt.dvc.items.database import is_dolt_item, promote, wants_dolt

            if not is_dolt_item(self) and wants_dolt(self):
                return promote(self).save()
            return save(self)

        return save_

    wrap(module, "_get", make_get)
    wrap(module.Output, "save", make_save)


def patch_dependency(module: ModuleType) -> None:
    def make_get(get):
        def _get(stage, p, info, **kwargs):
            from dvc_dolt.dvc.items.database import promote, wants_dolt
            from dvc_dolt.dvc.items.table import promote_table, wants_table

            item = get(stage, p, info, **kwargs)
            if wants_dolt(item):
                return promote(item)
            return promote_table(item) if wants_table(item) else item

        return _get

    wrap(module, "_get", make_get)


def patch_stage_loader(module: ModuleType) -> None:
    def make_fill(fill):
        def fill_from_lock(stage, lock_data=None):
            from dvc_dolt.dvc.items.database import promote, wants_dolt
            from dvc_dolt.dvc.items.table import promote_table, wants_table

            for key, item in chain(
                (("deps", dep) for dep in stage.deps), (("outs", out) for out in stage.outs)
            ):
                recorded = next(
                    (
                        entry
                        for entry in (lock_data or {}).get(key, [])
                        if isinstance(entry, dict) and entry.get("path") == item.def_path
                    ),
                    None,
                )
                if wants_dolt(item, recorded):
                    promote(item)
                elif wants_table(item, recorded):
                    promote_table(item)
            return fill(stage, lock_data)

        return fill_from_lock

    wrap(module.StageLoader, "fill_from_lock", make_fill)


def patch_stage_cache(module: ModuleType) -> None:
    def make_can_hash(can_hash):
        def _can_hash(stage):
            from dvc_dolt.dvc.tracking.run_cache import may_use

            return may_use(stage) and can_hash(stage)

        return _can_hash

    def make_cache_hash(get_cache_hash):
        def _get_cache_hash(cache, key=False):
            from dvc_dolt.dvc.tracking.run_cache import content_key

            return get_cache_hash(content_key(cache) if key else cache, key=key)

        return _get_cache_hash

    wrap(module, "_can_hash", make_can_hash)
    wrap(module, "_get_cache_hash", make_cache_hash)
