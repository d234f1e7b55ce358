"""Every place dvc-dolt changes DVC, in one module.

DVC has no plugin hook for output kinds, so each entry below wraps one DVC
internal. Each wrapper is a few lines that hand over to plain classes in this
package. When a new DVC release comes out, this is the file to revisit: the
signatures listed were checked against DVC 3.50 - 3.67.1.

  module            patch point                      why
  ----------------  -------------------------------  ----------------------------------
  dvc.output        _get(stage, path, **kw)          build Dolt outputs (.dvc, CLI, dvc.yaml)
  dvc.output        Output.save(self)                an output that became a database
                                                     while its stage ran
  dvc.dependency    _get(stage, p, info, **kw)       build Dolt dependencies
  dvc.stage.loader  StageLoader.fill_from_lock       recognise Dolt entries of dvc.lock
                    (staticmethod: stage, lock_data)  before the directory exists
  dvc.stage.cache   _can_hash(stage)                 no run cache for stages touching Dolt
  dvc.repo.checkout checkout(repo, ...) (locked;     restore recorded Dolt commits
                    Repo.checkout and exp apply)
  dvc.repo          Repo.push, Repo.fetch            move recorded commits through Dolt
                    (locked methods; pull calls both) remotes, after DVC's own objects
  dvc.repo          Repo.status (locked method)      `status -c` for databases
  dvc.repo          Repo.diff (locked method)        Dolt outputs and their row counts
                                                     in `dvc diff`
  dvc.repo.experiments.run  run(repo, ...)          refuse --temp/--queue; branch
                                                     dvc/exp/<name> on output commits
  dvc.repo.experiments.apply  apply(repo, rev, ...)  refuse dirty databases (DVC forces
                                                     its checkout)
  dvc.commands.diff CmdDiff._show_diff (static),     show the row counts in text and
                    _show_markdown(diff, ...)        Markdown
  dvc.config_schema SCHEMA["remote"][str] (validator) the dolt:// remote type and the s3
                    (+ dvc.config.get_compiled_schema option dolt_dynamodb_table
                    memo, dvc_objects known_implementations)
  dvc.info          get_dvc_info(), SUBPROJECTS      `dvc version` shows dvc-dolt and dolt
  dvc.cli.parser    COMMANDS (list of modules)       `dvc run`, an alias of
                                                     `dvc stage add --run`;
                                                     `dvc dolt lineage`
"""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from itertools import chain
from types import ModuleType
from typing import Any

from dvc_dolt._bootstrap import PATCHED_MODULES

logger = logging.getLogger("dvc").getChild("dolt")

_MARK = "__dvc_dolt_patched__"


def _wrap(owner: Any, name: str, make: Callable[[Callable], Callable]) -> None:
    original = getattr(owner, name)
    wrapper = make(original)
    functools.update_wrapper(wrapper, original)
    setattr(owner, name, wrapper)


# Imports from dvc_dolt.dvc.* happen inside the wrappers: these patches run
# while DVC is still importing itself, before the classes they need exist.


def _patch_output(module: ModuleType) -> None:
    def make_get(get):
        def _get(stage, path, **kwargs):
            from .output import promote, wants_dolt

            item = get(stage, path, **kwargs)
            return promote(item) if wants_dolt(item) else item

        return _get

    def make_save(save):
        def save_(self):
            from .output import is_dolt_item, promote, wants_dolt

            if not is_dolt_item(self) and wants_dolt(self):
                return promote(self).save()
            return save(self)

        return save_

    _wrap(module, "_get", make_get)
    _wrap(module.Output, "save", make_save)


def _patch_dependency(module: ModuleType) -> None:
    def make_get(get):
        def _get(stage, p, info, **kwargs):
            from .output import promote, wants_dolt

            item = get(stage, p, info, **kwargs)
            return promote(item) if wants_dolt(item) else item

        return _get

    _wrap(module, "_get", make_get)


def _patch_stage_loader(module: ModuleType) -> None:
    def make_fill(fill):
        def fill_from_lock(stage, lock_data=None):
            from .output import promote, wants_dolt

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
            return fill(stage, lock_data)

        return fill_from_lock

    loader = module.StageLoader
    original = loader.__dict__["fill_from_lock"].__func__
    wrapper = make_fill(original)
    functools.update_wrapper(wrapper, original)
    loader.fill_from_lock = staticmethod(wrapper)


def _patch_stage_cache(module: ModuleType) -> None:
    def make_can_hash(can_hash):
        def _can_hash(stage):
            from .output import is_dolt_item

            # A run-cache hit would skip the command and "restore" a database
            # DVC never stored.
            if any(is_dolt_item(item) for item in chain(stage.deps, stage.outs)):
                return False
            return can_hash(stage)

        return _can_hash

    _wrap(module, "_can_hash", make_can_hash)


def _patch_repo(module: ModuleType) -> None:
    def make_push(push):
        def push_(self, *args, **kwargs):
            from .sync import push_with

            return push_with(push, self, *args, **kwargs)

        return module.locked(push_)

    def make_fetch(fetch):
        def fetch_(self, *args, **kwargs):
            from .sync import fetch_with

            return fetch_with(fetch, self, *args, **kwargs)

        return module.locked(fetch_)

    def make_status(status):
        def status_(self, *args, **kwargs):
            from .sync import status_with

            return status_with(status, self, *args, **kwargs)

        return module.locked(status_)

    def make_diff(diff):
        def diff_(self, *args, **kwargs):
            from .diff import diff_with

            return diff_with(diff, self, *args, **kwargs)

        return module.locked(diff_)

    _wrap(module.Repo, "diff", make_diff)
    _wrap(module.Repo, "push", make_push)
    _wrap(module.Repo, "fetch", make_fetch)
    _wrap(module.Repo, "status", make_status)


def _patch_repo_checkout(module: ModuleType) -> None:
    # The module's function, not Repo.checkout: `dvc exp apply` calls it directly.
    # This runs inside dvc.repo's class body, after `locked` is defined.
    from dvc.repo import locked

    def make_checkout(checkout):
        def checkout_(self, *args, **kwargs):
            from .checkout import checkout_with

            return checkout_with(checkout, self, *args, **kwargs)

        return locked(checkout_)

    _wrap(module, "checkout", make_checkout)


def _patch_exp_run(module: ModuleType) -> None:
    def make_run(run):
        def run_(repo, *args, **kwargs):
            from .experiments import run_with

            return run_with(run, repo, *args, **kwargs)

        return run_

    _wrap(module, "run", make_run)


def _patch_exp_apply(module: ModuleType) -> None:
    def make_apply(apply):
        def apply_(repo, *args, **kwargs):
            from .experiments import apply_with

            return apply_with(apply, repo, *args, **kwargs)

        return apply_

    _wrap(module, "apply", make_apply)


def _patch_config_schema(module: ModuleType) -> None:
    from dvc_objects.fs import known_implementations

    from .fs import SCHEME

    def make_validator(validate_remote):
        def validate(data):
            from .remotes import validate_remote_config

            return validate_remote_config(validate_remote, module, data)

        return validate

    # Replace the validator, not REMOTE_SCHEMAS: DVC 3.50 has no such table
    # and builds the validator from an inline mapping.
    remote = module.SCHEMA["remote"]
    remote[str] = make_validator(remote[str])
    known_implementations[SCHEME] = {
        "class": "dvc_dolt.dvc.fs.DoltRemoteFileSystem",
        "err": "dolt:// remotes need dvc-dolt (pip install dvc-dolt)",
    }
    compiled = sys.modules.get("dvc.config")
    if compiled is not None:  # memoised before we got here: forget it
        compiled.get_compiled_schema.memory.clear()


def _patch_info(module: ModuleType) -> None:
    def make_info(get_dvc_info):
        def get_dvc_info_():
            from .info import dolt_info

            return f"{get_dvc_info()}\n{dolt_info()}"

        return get_dvc_info_

    module.SUBPROJECTS = (*module.SUBPROJECTS, "dvc-dolt")
    _wrap(module, "get_dvc_info", make_info)


def _patch_commands_diff(module: ModuleType) -> None:
    def make_show_diff(show_diff):
        def _show_diff(diff, hide_missing=False):
            from .diff import show_rows

            show_diff(diff, hide_missing)
            show_rows(diff)

        return staticmethod(_show_diff)

    def make_show_markdown(show_markdown):
        def _show_markdown(diff, *args, **kwargs):
            from .diff import show_rows

            show_markdown(diff, *args, **kwargs)
            show_rows(diff, markdown=True)

        return _show_markdown

    show_diff = module.CmdDiff._show_diff
    module.CmdDiff._show_diff = make_show_diff(show_diff)
    _wrap(module, "_show_markdown", make_show_markdown)


def _patch_cli_parser(module: ModuleType) -> None:
    from . import cli

    module.COMMANDS.extend([cli.run_alias, cli.dolt_command])


PATCHES: dict[str, Callable[[ModuleType], None]] = {
    "dvc.output": _patch_output,
    "dvc.dependency": _patch_dependency,
    "dvc.stage.loader": _patch_stage_loader,
    "dvc.stage.cache": _patch_stage_cache,
    "dvc.repo": _patch_repo,
    "dvc.repo.checkout": _patch_repo_checkout,
    "dvc.repo.experiments.run": _patch_exp_run,
    "dvc.repo.experiments.apply": _patch_exp_apply,
    "dvc.config_schema": _patch_config_schema,
    "dvc.info": _patch_info,
    "dvc.cli.parser": _patch_cli_parser,
    "dvc.commands.diff": _patch_commands_diff,
}
assert set(PATCHES) == PATCHED_MODULES, "keep _bootstrap.PATCHED_MODULES in step"


def apply(module: ModuleType) -> None:
    """Patch one freshly executed DVC module (idempotent)."""
    patch = PATCHES.get(module.__name__)
    if patch is None or getattr(module, _MARK, False):
        return
    patch(module)
    setattr(module, _MARK, True)
    logger.debug("dvc-dolt patched %s", module.__name__)
