"""Every place dvc-dolt changes DVC, in one module.

DVC has no plugin hook for output kinds, so each entry below wraps one DVC
internal. Each wrapper is a few lines that hand over to plain classes in this
package. When a new DVC release comes out, this is the file to revisit:
:data:`POINTS` lists every patch point with the parameters dvc-dolt relies on.
Checked: :func:`check` passes on every DVC release from 3.50.0 to 3.67.1 (each
imported, 2026-11-30; 3.49.0 too, which the version gate still refuses); CI
runs the whole test suite on 3.50.3 and 3.67.1. The points of ``dvc.repo.data``
and ``dvc.fs.dvc`` were checked on 3.50.3 and 3.67.1 only; those of
``dvc.repo.experiments.rename`` and ``.remove`` on 3.67.1 (imported) and
3.50.3 (read from its wheel: the same parameters, without remove's ``keep``).

  module            patch point                      why
  ----------------  -------------------------------  ----------------------------------
  dvc.output        _get(stage, path, **kw)          build Dolt outputs (.dvc, CLI, dvc.yaml)
  dvc.output        Output.save(self)                an output that became a database
                                                     while its stage ran
  dvc.dependency    _get(stage, p, info, **kw)       build Dolt dependencies (databases,
                                                     and tables: <database>/<table>)
  dvc.stage.loader  StageLoader.fill_from_lock       recognise Dolt entries of dvc.lock
                    (staticmethod: stage, lock_data)  before the directory exists
  dvc.stage.cache   _can_hash(stage),                no run cache for stages writing Dolt;
                    _get_cache_hash(cache, key)      keys by Dolt content, not commits
  dvc.repo.checkout checkout(repo, ...) (locked;     restore recorded Dolt commits
                    Repo.checkout and exp apply)
  dvc.repo          Repo.push, Repo.fetch            move recorded commits through Dolt
                    (locked methods; pull calls both) remotes, after DVC's own objects
  dvc.repo          Repo.status (locked method)      `status -c` for databases
  dvc.repo          Repo.diff (locked method)        Dolt outputs and their row counts
                                                     in `dvc diff`
  dvc.repo.experiments.run  run(repo, ...)          branch dvc/exp/<name> on the output
                                                     commits workspace runs made
  dvc.repo.experiments.queue.base                    --temp/--queue: refuse dirty
                    BaseStashQueue._stash_exp        databases, note their commits
  dvc.repo.experiments.executor.local                --temp/--queue: clone the databases
                    TempDirExecutor.init_cache,      into the temporary copy; bring the
                    BaseLocalExecutor.collect_cache  experiment's commits back
  dvc.repo.stage    StageLoad.create(self, ...)      refuse a path inside a database's
                                                     .dolt folder (add, stage add, run,
                                                     import) and a table dependency that
                                                     names no table
  dvc.repo.experiments.apply  apply(repo, rev, ...)  refuse dirty databases (DVC forces
                                                     its checkout)
  dvc.repo.experiments.rename  rename(repo, ...)     dvc/exp/<old> becomes dvc/exp/<new>
  dvc.repo.experiments.remove  remove(repo, ...)     drop dvc/exp/<name> of removed names
                    (locked)                         (kept as dvc/kept/<hash> if recorded)
  dvc.commands.diff CmdDiff._show_diff (static),     show the row counts in text and
                    _show_markdown(diff, ...)        Markdown
  dvc.config_schema SCHEMA["remote"][str] (validator) the dolt:// remote type and the s3
                    (+ dvc.config.get_compiled_schema option dolt_dynamodb_table
                    memo, dvc_objects known_implementations)
  dvc.info          get_dvc_info(), SUBPROJECTS      `dvc version` shows dvc-dolt and dolt
  dvc.cli.parser    COMMANDS (list of modules)       `dvc run`, an alias of
                                                     `dvc stage add --run`;
                                                     `dvc dolt lineage`
  dvc.stage.imports
                    sync_import(stage, dry, force,   `dvc import`/`update` of a database:
                    jobs, no_download) (bound by     a clone of the commit the source
                    dvc.stage); reads                recorded, from the source's remote
                    RepoDependency._make_fs(rev)     (the test of its shape runs in CI)
  dvc.repo.get      get(url, path, out, rev, ...)    `dvc get` of a database: a clone
                    (bound in Repo's class body)
  dvc.commands.update
                    add_parser(subparsers, ...),     `dvc update --force`: move imported
                    CmdUpdate.run(self)              databases that moved on locally
  dvc.repo.data     status(repo, ...)                databases in `dvc data status`
                    (bound as Repo.data_status)
  dvc.fs.dvc        _DVCFileSystem.ls, .info,        a database is one leaf entry of
                    .walk (added: fsspec's, checked  `dvc ls` and DVCFileSystem;
                    absent), ._open, .get_file,      opening it points to dvc_dolt.api;
                    .get (own or fsspec's)           copying it is refused

A DVC we do not know is left as shipped
---------------------------------------
Modules are patched one at a time, right after DVC imports each (see
:mod:`dvc_dolt._bootstrap`): `dvc --help` never imports ``dvc.repo``, and
``dvc.repo.experiments.run`` alone costs ~130 ms. So the modules patched
later cannot be inspected when the first one loads, and the design is:

1. Version gate, before the first patch. The ``dvc`` package has been imported
   by then; if its version is outside :data:`SUPPORTED_DVC` nothing is patched.
   This is the check that counts: every patch point was verified on the
   versions above.
2. Shape check, at each module, before any of its patches: every point of
   :data:`POINTS` must exist with the parameters listed there (the ones our
   wrappers pass on or read, in DVC's order).
3. All or nothing. Every change goes through :func:`_replace` and friends,
   which log how to undo it. A failed check, or any exception in this module,
   switches dvc-dolt off for the process: every change made so far is undone
   in reverse (module and class attributes, the schema validator,
   ``known_implementations``, ``SUBPROJECTS``, ``COMMANDS``), the import hook
   removes itself, and one warning says so. References DVC took while we were
   on (``Repo.checkout`` is bound in Repo's class body, a memoised config
   schema holds our validator) check the switch and pass straight through to
   DVC's own function. No exception from here reaches DVC's import.

What stays possible: a late module (``dvc.info``, ``exp run``, ``exp apply``,
``exp rename``, ``exp remove``, imported on demand) failing its check after
this process already built Dolt outputs. From then on every patch is DVC's
own code, but the output objects built before keep their class. Within the
supported range this needs a modified DVC; the gate rules it out for every
release outside it.
"""

from __future__ import annotations

import functools
import inspect
import logging
import re
import sys
from collections.abc import Callable, Iterable
from itertools import chain
from types import ModuleType
from typing import Any

from dvc_dolt import __version__
from dvc_dolt._bootstrap import PATCHED_MODULES, uninstall

logger = logging.getLogger("dvc").getChild("dolt")

# The DVC releases dvc-dolt patches: >=3.50,<3.68, pyproject's range.
SUPPORTED_DVC = ((3, 50), (3, 68))

# Each module's patch points and the parameters dvc-dolt relies on. "(a, b)":
# exactly these; "(a, b, ...)": these first, then anything; names after "..."
# must be among the rest (we pass or read them by name). A bare type name is
# the type of a data attribute.
_SCOPE = "with_deps, recursive, all_branches, all_tags, all_commits"
POINTS: dict[str, dict[str, str]] = {
    "dvc.output": {"_get": "(stage, path, **kwargs)", "Output.save": "(self)"},
    "dvc.dependency": {"_get": "(stage, p, info, **kwargs)"},
    "dvc.stage.loader": {"StageLoader.fill_from_lock": "(stage, lock_data)"},
    "dvc.stage.cache": {"_can_hash": "(stage)", "_get_cache_hash": "(cache, key)"},
    "dvc.repo": {
        "locked": "(f)",
        "Repo.push": f"(self, targets, jobs, remote, ..., glob, {_SCOPE}, revs, workspace)",
        "Repo.fetch": f"(self, targets, jobs, remote, ..., {_SCOPE}, revs, workspace)",
        "Repo.status": f"(self, targets, jobs, cloud, remote, ..., {_SCOPE})",
        "Repo.diff": "(self, a_rev, b_rev, targets, recursive)",
        "Repo.add": "(repo, targets, ...)",
        "Repo.commit": "(self, target, ...)",
    },
    "dvc.repo.checkout": {
        "checkout": "(self, targets, with_deps, force, relink, recursive, allow_missing, ...)"
    },
    "dvc.repo.experiments.run": {"run": "(repo, ..., run_all, tmp_dir, queue)"},
    "dvc.repo.experiments.executor.local": {
        "TempDirExecutor.init_cache": "(self, repo, rev, run_cache)",
        "BaseLocalExecutor.collect_cache": "(self, repo, exp_ref, run_cache)",
    },
    "dvc.repo.experiments.queue.base": {"BaseStashQueue._stash_exp": "(self, ...)"},
    "dvc.repo.stage": {"StageLoad.create": "(self, single_stage, validate, fname, force, ...)"},
    "dvc.repo.experiments.apply": {"apply": "(repo, ...)"},
    "dvc.repo.experiments.rename": {"rename": "(repo, ...)"},
    "dvc.repo.experiments.remove": {"remove": "(repo, ...)"},
    "dvc.commands.diff": {
        "CmdDiff._show_diff": "(diff, hide_missing)",
        "_show_markdown": "(diff, ...)",
    },
    "dvc.config_schema": {
        "SCHEMA": "dict",
        "REMOTE_COMMON": "dict",
        "Schema": "(schema, ...)",
        "Choices": "(*choices)",
    },
    "dvc.info": {"get_dvc_info": "()", "SUBPROJECTS": "tuple"},
    "dvc.cli.parser": {"COMMANDS": "list"},
    "dvc.stage.imports": {"sync_import": "(stage, dry, force, jobs, no_download)"},
    "dvc.repo.get": {"get": "(url, path, out, rev, jobs, force, config, remote, remote_config)"},
    "dvc.commands.update": {
        "add_parser": "(subparsers, parent_parser)",
        "CmdUpdate.run": "(self)",
    },
    "dvc.repo.data": {"status": "(repo, ...)"},
    "dvc.fs.dvc": {
        "_DVCFileSystem.ls": "(self, path, detail, dvc_only, **kwargs)",
        "_DVCFileSystem.info": "(self, path, **kwargs)",
        "_DVCFileSystem._open": "(self, path, mode, **kwargs)",
        "_DVCFileSystem.get_file": "(self, rpath, lpath, **kwargs)",
        "_DVCFileSystem._get_key_from_relative": "(self, path)",
        "_DVCFileSystem._get_subrepo_info": "(self, key)",
        "_DVCFileSystem.join": "(cls, *parts)",
    },
}

_MARK = "__dvc_dolt_patched__"
_TYPES = {"dict": dict, "list": list, "tuple": tuple}

# None until the version gate has run; False once switched off, for good.
_on: bool | None = None
_undo: list[Callable[[], None]] = []


class Unsupported(Exception):
    """The installed DVC is not one dvc-dolt can patch."""


def active() -> bool:
    """Whether DVC is patched (False before the first DVC module loads, too)."""
    return bool(_on)


def dvc_version() -> str:
    try:
        from dvc.version import __version__ as version
    except Exception:  # a DVC that moved its version: not one we know
        version = getattr(sys.modules.get("dvc"), "__version__", "unknown")
    return str(version)


def supported(version: str) -> bool:
    found = re.match(r"(\d+)\.(\d+)", version)
    if not found:
        return False
    low, high = SUPPORTED_DVC
    return low <= (int(found[1]), int(found[2])) < high


def _range() -> str:
    (a, b), (c, d) = SUPPORTED_DVC
    return f">={a}.{b},<{c}.{d}"


def switch_off(reason: str) -> None:
    """Undo every patch, stop patching, and say so once."""
    global _on
    was = _on
    _on = False
    uninstall()
    while _undo:
        try:
            _undo.pop()()
        except Exception:  # undo the rest all the same
            logger.debug("dvc-dolt: could not undo a patch", exc_info=True)
    if was is not False:
        logger.warning(
            "dvc-dolt %s does not support DVC %s: Dolt databases are not handled (%s)",
            __version__,
            dvc_version(),
            reason,
        )


# -- changes that know how to undo themselves ------------------------------

_MISSING = object()


def _replace(owner: Any, name: str, value: Any) -> None:
    old = vars(owner).get(name, _MISSING)
    setattr(owner, name, value)
    _undo.append(
        (lambda: delattr(owner, name)) if old is _MISSING else (lambda: setattr(owner, name, old))
    )


def _set_item(mapping: dict, key: Any, value: Any) -> None:
    old = mapping.get(key, _MISSING)
    mapping[key] = value
    _undo.append(
        (lambda: mapping.pop(key, None))
        if old is _MISSING
        else (lambda: mapping.__setitem__(key, old))
    )


def _extend(items: list, new: Iterable[Any]) -> None:
    new = list(new)
    items.extend(new)

    def undo() -> None:
        items[:] = [item for item in items if not any(item is n for n in new)]

    _undo.append(undo)


def _guard(original: Callable, wrapper: Callable) -> Callable:
    """``wrapper`` while dvc-dolt is on, DVC's ``original`` once it is off."""

    @functools.wraps(original)
    def guarded(*args, **kwargs):
        if _on:
            return wrapper(*args, **kwargs)
        return original(*args, **kwargs)

    return guarded


def _wrap(owner: Any, name: str, make: Callable[[Callable], Callable]) -> None:
    raw = vars(owner)[name]
    static = isinstance(raw, staticmethod)
    original = raw.__func__ if static else raw
    guarded = _guard(original, make(original))
    _replace(owner, name, staticmethod(guarded) if static else guarded)


# -- the shape check ---------------------------------------------------------


def _parameters(func: Any) -> list[str]:
    kinds = {inspect.Parameter.VAR_POSITIONAL: "*", inspect.Parameter.VAR_KEYWORD: "**"}
    return [kinds.get(p.kind, "") + p.name for p in inspect.signature(func).parameters.values()]


def _check_point(where: str, obj: Any, shape: str) -> None:
    if shape in _TYPES:
        if not isinstance(obj, _TYPES[shape]):
            raise Unsupported(f"{where} is a {type(obj).__name__}, not a {shape}")
        return
    func = obj.__func__ if isinstance(obj, (staticmethod, classmethod)) else obj
    try:
        found = _parameters(func)
    except (TypeError, ValueError):  # not callable, or no signature to read
        raise Unsupported(f"{where} is not a function") from None
    head, more, tail = shape.strip("()").partition("...")
    first = [p.strip() for p in head.split(",") if p.strip()]
    named = [p.strip() for p in tail.split(",") if p.strip()]
    ok = found[: len(first)] == first if more else found == first
    if not (ok and set(named) <= set(found[len(first) :])):
        raise Unsupported(f"{where} has parameters ({', '.join(found)}), not {shape}")


def check(module: ModuleType) -> None:
    """Raise :class:`Unsupported` unless every patch point of ``module`` has its shape."""
    for path, shape in POINTS.get(module.__name__, {}).items():
        owner: Any = module
        for part in path.split("."):
            try:
                owner = vars(owner)[part]
            except (KeyError, TypeError):
                raise Unsupported(f"{module.__name__}.{path} is missing") from None
        _check_point(f"{module.__name__}.{path}", owner, shape)


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
            from .table_deps import promote_table, wants_table

            item = get(stage, p, info, **kwargs)
            if wants_dolt(item):
                return promote(item)
            return promote_table(item) if wants_table(item) else item

        return _get

    _wrap(module, "_get", make_get)


def _patch_stage_loader(module: ModuleType) -> None:
    def make_fill(fill):
        def fill_from_lock(stage, lock_data=None):
            from .output import promote, wants_dolt
            from .table_deps import promote_table, wants_table

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

    _wrap(module.StageLoader, "fill_from_lock", make_fill)


def _patch_stage_cache(module: ModuleType) -> None:
    def make_can_hash(can_hash):
        def _can_hash(stage):
            from .run_cache import may_use

            return may_use(stage) and can_hash(stage)

        return _can_hash

    def make_cache_hash(get_cache_hash):
        def _get_cache_hash(cache, key=False):
            from .run_cache import content_key

            return get_cache_hash(content_key(cache) if key else cache, key=key)

        return _get_cache_hash

    _wrap(module, "_can_hash", make_can_hash)
    _wrap(module, "_get_cache_hash", make_cache_hash)


def _patch_repo(module: ModuleType) -> None:
    def make_compacting(record):
        # Under the repo lock, like the command: compaction ends it.
        def record_(self, *args, **kwargs):
            from .auto_gc import compacting

            with compacting(self):
                return record(self, *args, **kwargs)

        return module.locked(record_)

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
    _wrap(module.Repo, "add", make_compacting)
    _wrap(module.Repo, "commit", make_compacting)


def _patch_repo_checkout(module: ModuleType) -> None:
    # The module's function, not Repo.checkout: `dvc exp apply` calls it directly.
    # This runs inside dvc.repo's class body, after `locked` is defined.
    locked = vars(sys.modules["dvc.repo"]).get("locked")
    _check_point("dvc.repo.locked", locked, POINTS["dvc.repo"]["locked"])

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


def _patch_repo_stage(module: ModuleType) -> None:
    def make_create(create):
        def create_(self, *args, **kwargs):
            from . import storage_guard, table_deps

            stage = create(self, *args, **kwargs)
            storage_guard.check_new_stage(stage)
            table_deps.check_new_stage(stage)
            return stage

        return create_

    _wrap(module.StageLoad, "create", make_create)


def _patch_exp_queue(module: ModuleType) -> None:
    def make_stash(stash_exp):
        def stash_exp_(self, *args, **kwargs):
            from .experiments import stash_with

            return stash_with(stash_exp, self, *args, **kwargs)

        return stash_exp_

    _wrap(module.BaseStashQueue, "_stash_exp", make_stash)


def _patch_exp_executor(module: ModuleType) -> None:
    temp_executor = module.TempDirExecutor

    def make_init_cache(init_cache):
        def init_cache_(self, repo, rev, run_cache=True):
            from .experiments import prepare_temp

            init_cache(self, repo, rev, run_cache)
            prepare_temp(self, repo, rev)

        return init_cache_

    def make_collect_cache(collect_cache):
        def collect_cache_(self, repo, exp_ref, run_cache=True):
            from .experiments import bring_back

            collect_cache(self, repo, exp_ref, run_cache)
            # Workspace runs keep their commits in run_with.
            if isinstance(self, temp_executor):
                bring_back(self, repo, exp_ref)

        return collect_cache_

    _wrap(module.TempDirExecutor, "init_cache", make_init_cache)
    _wrap(module.BaseLocalExecutor, "collect_cache", make_collect_cache)


def _patch_exp_apply(module: ModuleType) -> None:
    def make_apply(apply):
        def apply_(repo, *args, **kwargs):
            from .experiments import apply_with

            return apply_with(apply, repo, *args, **kwargs)

        return apply_

    _wrap(module, "apply", make_apply)


def _patch_exp_rename(module: ModuleType) -> None:
    def make_rename(rename):
        def rename_(repo, *args, **kwargs):
            from .experiments import rename_with

            return rename_with(rename, repo, *args, **kwargs)

        return rename_

    _wrap(module, "rename", make_rename)


def _patch_exp_remove(module: ModuleType) -> None:
    # DVC's remove holds the repo lock; ours also covers the branches dropped
    # after it (the lock is re-entrant).
    locked = vars(sys.modules["dvc.repo"]).get("locked")
    _check_point("dvc.repo.locked", locked, POINTS["dvc.repo"]["locked"])

    def make_remove(remove):
        def remove_(repo, *args, **kwargs):
            from .prune import remove_with

            return remove_with(remove, repo, *args, **kwargs)

        return locked(remove_)

    _wrap(module, "remove", make_remove)


# dvc_dolt.dvc.fs.SCHEME, spelled out: that module, and the Dolt layer it
# imports, load only when a dolt:// remote is used.
DOLT_SCHEME = "dolt"


def _may_be_dolt_remote(data: Any) -> bool:
    """Whether dvc_dolt.dvc.remotes may change how this remote section validates.

    It handles dolt:// URLs and options named dolt_*; this says yes to those and
    more. DVC validates a section for its local cache in every command, so decide
    by scheme and option name: a path such as ~/dolt-work/ is no reason to load it.
    """
    if not isinstance(data, dict):
        return False
    url = str(data.get("url", "")).strip().lower()
    return url.startswith(f"{DOLT_SCHEME}:") or any(
        str(key).startswith(f"{DOLT_SCHEME}_") for key in data
    )


def _patch_config_schema(module: ModuleType) -> None:
    from dvc_objects.fs import known_implementations

    def make_validator(validate_remote):
        def validate(data):
            if not _may_be_dolt_remote(data):
                return validate_remote(data)
            from .remotes import validate_remote_config

            return validate_remote_config(validate_remote, module, data)

        return validate

    # Replace the validator, not REMOTE_SCHEMAS: DVC 3.50 has no such table
    # and builds the validator from an inline mapping.
    remote = module.SCHEMA.get("remote")
    if not (isinstance(remote, dict) and callable(remote.get(str))):
        raise Unsupported("dvc.config_schema.SCHEMA['remote'][str] is not a validator")
    if not isinstance(known_implementations, dict):
        raise Unsupported("dvc_objects.fs.known_implementations is not a dict")
    _forget_compiled_schema()
    _undo.append(_forget_compiled_schema)  # runs after the validator is back
    original = remote[str]
    _set_item(remote, str, _guard(original, make_validator(original)))
    _set_item(
        known_implementations,
        DOLT_SCHEME,
        {
            "class": "dvc_dolt.dvc.fs.DoltRemoteFileSystem",
            "err": "dolt:// remotes need dvc-dolt (pip install dvc-dolt)",
        },
    )


def _forget_compiled_schema() -> None:
    """Drop dvc.config's memoised schema (funcy's memoize) if it was built already."""
    compile_schema = getattr(sys.modules.get("dvc.config"), "get_compiled_schema", None)
    memory = getattr(compile_schema, "memory", None)
    if memory is not None:
        memory.clear()


def _patch_info(module: ModuleType) -> None:
    def make_info(get_dvc_info):
        def get_dvc_info_():
            from .info import dolt_info

            return f"{get_dvc_info()}\n{dolt_info()}"

        return get_dvc_info_

    _replace(module, "SUBPROJECTS", (*module.SUBPROJECTS, "dvc-dolt"))
    _wrap(module, "get_dvc_info", make_info)


def _patch_commands_diff(module: ModuleType) -> None:
    def make_show_diff(show_diff):
        def _show_diff(diff, hide_missing=False):
            from .diff import show_rows

            show_diff(diff, hide_missing)
            show_rows(diff)

        return _show_diff

    def make_show_markdown(show_markdown):
        def _show_markdown(diff, *args, **kwargs):
            from .diff import show_rows

            show_markdown(diff, *args, **kwargs)
            show_rows(diff, markdown=True)

        return _show_markdown

    _wrap(module.CmdDiff, "_show_diff", make_show_diff)
    _wrap(module, "_show_markdown", make_show_markdown)


def _patch_cli_parser(module: ModuleType) -> None:
    from . import cli

    _extend(module.COMMANDS, [cli.run_alias, cli.dolt_command])


def _patch_stage_imports(module: ModuleType) -> None:
    # Runs while dvc.stage imports it, before it binds the function.
    def make_sync_import(sync_import):
        def sync_import_(stage, *args, **kwargs):
            from .imports import sync_import_with

            return sync_import_with(sync_import, stage, *args, **kwargs)

        return sync_import_

    _wrap(module, "sync_import", make_sync_import)


def _patch_repo_get(module: ModuleType) -> None:
    # Runs inside dvc.repo's class body, before `Repo.get` binds the function.
    def make_get(get):
        def get_(url, path, *args, **kwargs):
            from .imports import get_with

            return get_with(get, url, path, *args, **kwargs)

        return get_

    _wrap(module, "get", make_get)


def _patch_commands_update(module: ModuleType) -> None:
    def make_add_parser(add_parser):
        def add_parser_(subparsers, parent_parser):
            from .update_force import add_force_option

            add_parser(subparsers, parent_parser)
            add_force_option(subparsers)

        return add_parser_

    def make_run(run):
        def run_(self):
            from .update_force import forcing

            with forcing(getattr(self.args, "force", False)):
                return run(self)

        return run_

    _wrap(module, "add_parser", make_add_parser)
    _wrap(module.CmdUpdate, "run", make_run)


def _patch_repo_data(module: ModuleType) -> None:
    # Runs before Repo's class body binds it as Repo.data_status.
    def make_status(status):
        def status_(repo, *args, **kwargs):
            from .data_status import status_with

            return status_with(status, repo, *args, **kwargs)

        return status_

    _wrap(module, "status", make_status)


def _patch_fs_dvc(module: ModuleType) -> None:
    cls = module._DVCFileSystem
    if "walk" in vars(cls):
        # walk_with post-processes fsspec's generic walk, which lists through ls.
        raise Unsupported("dvc.fs.dvc._DVCFileSystem defines its own walk")

    def make_ls(ls):
        def ls_(self, path, detail=True, dvc_only=False, **kwargs):
            from .listing import ls_with

            return ls_with(ls, self, path, detail=detail, dvc_only=dvc_only, **kwargs)

        return ls_

    def make_info(info):
        def info_(self, path, **kwargs):
            from .listing import info_with

            return info_with(info, self, path, **kwargs)

        return info_

    def make_walk(walk):
        def walk_(self, path, *args, **kwargs):
            from .listing import walk_with

            return walk_with(walk, self, path, *args, **kwargs)

        return walk_

    def make_refusing(method):
        def refusing(self, path, *args, **kwargs):
            from .listing import refuse_read

            refuse_read(self, path)
            return method(self, path, *args, **kwargs)

        return refusing

    _wrap(cls, "ls", make_ls)
    _wrap(cls, "info", make_info)
    _wrap(cls, "_open", make_refusing)
    _wrap(cls, "get_file", make_refusing)
    walk = cls.walk  # fsspec's, inherited
    _replace(cls, "walk", _guard(walk, make_walk(walk)))

    def make_get(get):
        def get_(self, rpath, *args, **kwargs):
            from .listing import refuse_copy

            refuse_copy(self, rpath)
            return get(self, rpath, *args, **kwargs)

        return get_

    get = cls.get  # DVC's own since 3.5x, fsspec's before
    _replace(cls, "get", _guard(get, make_get(get)))


PATCHES: dict[str, Callable[[ModuleType], None]] = {
    "dvc.output": _patch_output,
    "dvc.dependency": _patch_dependency,
    "dvc.stage.loader": _patch_stage_loader,
    "dvc.stage.cache": _patch_stage_cache,
    "dvc.repo": _patch_repo,
    "dvc.repo.checkout": _patch_repo_checkout,
    "dvc.repo.experiments.run": _patch_exp_run,
    "dvc.repo.experiments.apply": _patch_exp_apply,
    "dvc.repo.experiments.rename": _patch_exp_rename,
    "dvc.repo.experiments.remove": _patch_exp_remove,
    "dvc.repo.experiments.executor.local": _patch_exp_executor,
    "dvc.repo.experiments.queue.base": _patch_exp_queue,
    "dvc.repo.stage": _patch_repo_stage,
    "dvc.config_schema": _patch_config_schema,
    "dvc.info": _patch_info,
    "dvc.cli.parser": _patch_cli_parser,
    "dvc.commands.diff": _patch_commands_diff,
    "dvc.stage.imports": _patch_stage_imports,
    "dvc.repo.get": _patch_repo_get,
    "dvc.commands.update": _patch_commands_update,
    "dvc.repo.data": _patch_repo_data,
    "dvc.fs.dvc": _patch_fs_dvc,
}
assert set(PATCHES) == set(POINTS) == PATCHED_MODULES, "keep _bootstrap.PATCHED_MODULES in step"


def _gate() -> bool:
    """Decide, before the first patch, whether this DVC is one we patch."""
    global _on
    if _on is None:
        _on = True
        version = dvc_version()
        if not supported(version):
            switch_off(f"it supports DVC {_range()}")
    return bool(_on)


def apply(module: ModuleType) -> None:
    """Patch one freshly executed DVC module, all of it or, with everything else, none.

    Never raises: whatever goes wrong switches dvc-dolt off (see the module doc).
    """
    name = module.__name__
    patch = PATCHES.get(name)
    if patch is None or getattr(module, _MARK, False):
        return
    try:
        if not _gate():
            return
        check(module)
        patch(module)
        _replace(module, _MARK, True)
    except Unsupported as exc:
        switch_off(str(exc))
    except Exception as exc:  # a bug of ours must not break `import dvc`
        logger.debug("dvc-dolt could not patch %s", name, exc_info=True)
        switch_off(f"{type(exc).__name__} while patching {name}: {exc}")
    else:
        logger.debug("dvc-dolt patched %s", name)
