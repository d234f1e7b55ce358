"""Every place dvc-dolt changes DVC, and every DVC name it relies on, in one table.

Each entry is a DVC module, checked (and patched) right after it loads: the
function that patches it, the names of that module the patch and the code it
hands over to rely on, with their shapes, and why. ``_bootstrap.HOOKED_MODULES``
and ``scripts/dvc-suite-ab`` follow this table (a test checks the first).

A module dvc-dolt only uses has an entry too, without a patch: a DVC that
renamed what we use is then left alone as well, instead of failing later.

Shapes: "(a, b)" exactly these parameters; "(a, b, ...)" these first, then
anything; names after "..." must be among the rest (we pass or read them by
name). A bare type name is the type of a data attribute; "class" a class;
"any" anything. A name starting with "~" may be inherited.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import NamedTuple, Optional

from dvc_dolt.dvc.plug import commands, experiments, fs, outputs, remotes, repo
from dvc_dolt.dvc.plug.shape import LOCKED


class Point(NamedTuple):
    patch: Optional[Callable[[ModuleType], None]]  # None: used as it is, only checked
    shapes: dict[str, str]
    why: str
    # Patched only once a module that does not wait loads (DVC has set up its
    # logging by then): for a module DVC loads earlier. Used-only modules wait.
    waits: bool = False


def _used(*classes: str) -> Point:
    return Point(None, dict.fromkeys(classes, "class"), "used as it is")


_SCOPE = "with_deps, recursive, all_branches, all_tags, all_commits"

POINTS: dict[str, Point] = {
    "dvc.output": Point(
        outputs.patch_output,
        {
            "_get": "(stage, path, **kwargs)",
            "Output": "class",
            "Output.save": "(self)",
            # Overridden by the Dolt output classes, which DVC's own objects become.
            "Output._compute_hash_info_from_meta": "(self, hash_name)",
            "Output._compute_meta_hash_info_from_files": "(self)",
            "Output._get_hash_meta": "(self)",
            "Output.index_key": "any",
        },
        "build Dolt outputs (.dvc, CLI, dvc.yaml); an output that became a database "
        "while its stage ran",
    ),
    "dvc.dependency": Point(
        outputs.patch_dependency,
        {
            "_get": "(stage, p, info, **kwargs)",
            # Called to read what a source project recorded (dvc import/update).
            "RepoDependency._make_fs": "(self, rev, locked)",
        },
        "build Dolt dependencies (databases, and tables: <database>/<table>)",
    ),
    "dvc.stage.loader": Point(
        outputs.patch_stage_loader,
        {"StageLoader.fill_from_lock": "(stage, lock_data)"},
        "recognise Dolt entries of dvc.lock before the directory exists",
    ),
    "dvc.stage.cache": Point(
        outputs.patch_stage_cache,
        {"_can_hash": "(stage)", "_get_cache_hash": "(cache, key)"},
        "no run cache for stages writing Dolt; keys by Dolt content, not commits",
    ),
    "dvc.repo": Point(
        repo.patch_repo,
        {
            "locked": LOCKED,
            "Repo": "class",
            "Repo.push": f"(self, targets, jobs, remote, ..., glob, {_SCOPE}, revs, workspace)",
            "Repo.fetch": f"(self, targets, jobs, remote, ..., {_SCOPE}, revs, workspace)",
            "Repo.status": f"(self, targets, jobs, cloud, remote, ..., {_SCOPE})",
            "Repo.diff": "(self, a_rev, b_rev, targets, recursive)",
            "Repo.add": "(repo, targets, ...)",
            "Repo.commit": "(self, target, ...)",
            "Repo.index": "any",
            "Repo.brancher": "(self, ...)",
        },
        "push/fetch move recorded commits through Dolt remotes after DVC's own objects "
        "(pull calls both); `status -c`; Dolt outputs in `dvc diff`; compaction after "
        "add/commit",
    ),
    "dvc.repo.checkout": Point(
        repo.patch_repo_checkout,
        {"checkout": "(self, targets, with_deps, force, relink, recursive, allow_missing, ...)"},
        "restore recorded Dolt commits (Repo.checkout and exp apply)",
    ),
    "dvc.repo.experiments.run": Point(
        experiments.patch_exp_run,
        {"run": "(repo, ..., run_all, tmp_dir, queue)"},
        "branch dvc/exp/<name> on the output commits workspace runs made",
    ),
    "dvc.repo.experiments.apply": Point(
        experiments.patch_exp_apply,
        {"apply": "(repo, ...)"},
        "refuse dirty databases (DVC forces its checkout)",
    ),
    "dvc.repo.experiments.rename": Point(
        experiments.patch_exp_rename,
        {"rename": "(repo, ...)"},
        "dvc/exp/<old> becomes dvc/exp/<new>",
    ),
    "dvc.repo.experiments.remove": Point(
        experiments.patch_exp_remove,
        {"remove": "(repo, ...)"},
        "drop dvc/exp/<name> of removed names (kept as dvc/kept/<hash> if recorded)",
    ),
    "dvc.repo.experiments.executor.local": Point(
        experiments.patch_exp_executor,
        {
            "TempDirExecutor.init_cache": "(self, repo, rev, run_cache)",
            "BaseLocalExecutor.collect_cache": "(self, repo, exp_ref, run_cache)",
        },
        "--temp/--queue: clone the databases into the temporary copy; bring the "
        "experiment's commits back",
    ),
    "dvc.repo.experiments.queue.base": Point(
        experiments.patch_exp_queue,
        {"BaseStashQueue._stash_exp": "(self, ...)"},
        "--temp/--queue: refuse dirty databases, note their commits",
    ),
    "dvc.repo.stage": Point(
        repo.patch_repo_stage,
        {"StageLoad.create": "(self, single_stage, validate, fname, force, ...)"},
        "refuse a path inside a database's .dolt folder (add, stage add, run, import) "
        "and a table dependency that names no table",
    ),
    "dvc.config_schema": Point(
        remotes.patch_config_schema,
        {
            "SCHEMA": "dict",
            "REMOTE_COMMON": "dict",
            "Schema": "(schema, ...)",
            "Choices": "(*choices)",
            "Lower": "any",
        },
        "the dolt:// and git remote types, the s3 option dolt_dynamodb_table, and "
        "the `dolt` section (dolt.remote: where databases go)",
    ),
    "dvc.info": Point(
        commands.patch_info,
        {"get_dvc_info": "()", "SUBPROJECTS": "tuple"},
        "`dvc version` shows dvc-dolt and dolt",
    ),
    "dvc.cli.parser": Point(
        commands.patch_cli_parser,
        {
            "COMMANDS": "list",
        },
        "`dvc run`, an alias of `dvc stage add --run`; `dvc dolt ...`",
    ),
    "dvc.commands.diff": Point(
        commands.patch_commands_diff,
        {"CmdDiff._show_diff": "(diff, hide_missing)", "_show_markdown": "(diff, ...)"},
        "show the row counts in text and Markdown",
    ),
    "dvc.stage.imports": Point(
        repo.patch_stage_imports,
        {"sync_import": "(stage, dry, force, jobs, no_download)"},
        "`dvc import`/`update` of a database: a clone of the commit the source recorded",
    ),
    "dvc.repo.get": Point(
        repo.patch_repo_get,
        {"get": "(url, path, out, rev, jobs, force, config, remote, remote_config)"},
        "`dvc get` of a database: a clone",
    ),
    "dvc.commands.update": Point(
        commands.patch_commands_update,
        {"add_parser": "(subparsers, parent_parser)", "CmdUpdate.run": "(self)"},
        "`dvc update --force`: move imported databases that moved on locally",
    ),
    "dvc.repo.data": Point(
        repo.patch_repo_data,
        {"status": "(repo, ...)"},
        "databases in `dvc data status`",
    ),
    "dvc.fs.dvc": Point(
        fs.patch_fs_dvc,
        {
            "_DVCFileSystem.ls": "(self, path, detail, dvc_only, **kwargs)",
            "_DVCFileSystem.info": "(self, path, **kwargs)",
            "_DVCFileSystem._open": "(self, path, mode, **kwargs)",
            "_DVCFileSystem.get_file": "(self, rpath, lpath, **kwargs)",
            "_DVCFileSystem._get_key_from_relative": "(self, path)",
            "_DVCFileSystem._get_subrepo_info": "(self, key)",
            "_DVCFileSystem.join": "(cls, *parts)",
            # Replaced: DVC's own since 3.5x, fsspec's before.
            "~_DVCFileSystem.get": "(self, rpath, lpath, ...)",
        },
        "a database is one leaf entry of `dvc ls` and DVCFileSystem; opening it points "
        "to dvc_dolt.api; copying it is refused",
    ),
    # Used, not patched.
    "dvc.exceptions": _used(
        *("DvcException", "CheckoutError", "NoOutputOrStageError"),
        *("DownloadError", "UploadError"),
    ),
    "dvc.stage.exceptions": _used("StageFileBadNameError", "StageFileDoesNotExistError"),
    "dvc.config": Point(
        remotes.patch_config,
        {
            "Config": "class",
            "Config._resolve": "(conf_dir, path)",
            "Config._to_relpath": "(conf_dir, path)",
            "NoRemoteError": "class",
        },
        "a git remote URL (git+ssh://…, git@host:org/repo.git) is no path relative "
        "to the config file",
        waits=True,
    ),
    "dvc.version": Point(None, {"__version__": "str"}, "the version gate"),
    "dvc.ui": Point(None, {"ui": "any"}, "progress bars, tables, JSON output"),
    "dvc.utils": Point(
        None,
        {"glob_targets": "(targets, ...)", "resolve_output": "(inp, out, ...)"},
        "targets of push/fetch; the output path of `dvc get`",
    ),
    "dvc.dvcfile": Point(
        None,
        {"is_valid_filename": "(path)", "ProjectFile": "class"},
        "a source project's .dvc files; where a stage is recorded",
    ),
    "dvc.fs": _used("LocalFileSystem"),
    "dvc.lock": _used("LockError"),
    "dvc.scm": Point(
        None,
        {
            "Git": "class",
            "NoSCMError": "class",
            "RevError": "class",
            "SCMError": "class",
            "resolve_rev": "(scm, rev)",
        },
        "revisions named by users",
    ),
    "scmrepo.exceptions": _used("RevError", "SCMError"),
    "dvc.repo.index": Point(
        None, {"Index.targets_view": "(self, targets, ...)"}, "the items a command's targets select"
    ),
    "dvc.dependency.base": _used("Dependency"),
    "dvc.dependency.repo": _used("RepoDependency"),
    "dvc.repo.experiments.utils": Point(
        None,
        {
            "exp_refs": "(scm, url)",
            "exp_refs_by_rev": "(scm, rev)",
            "get_exp_rwlock": "(repo, reads, writes)",
        },
        "experiments' refs; DVC's experiment lock, one per database",
    ),
    "dvc.repo.experiments.refs": _used("ExpRefInfo"),
    "dvc.repo.experiments.executor.base": _used("BaseExecutor"),
    "dvc.repo.experiments.queue.tempdir": _used("TempDirQueue"),
    "dvc.repo.experiments.queue.workspace": _used("WorkspaceQueue"),
    "dvc.cli.command": _used("CmdBase"),
    "dvc.cli.formatter": _used("RawDescriptionHelpFormatter"),
    "dvc.commands.stage": Point(
        None,
        {"_add_common_args": "(parser)", "CmdStageAdd": "class"},
        "`dvc run` takes `dvc stage add`'s options and command",
    ),
    "dvc_data.hashfile.hash_info": _used("HashInfo"),
    "dvc_data.hashfile.meta": _used("Meta"),
    "dvc_objects.fs": Point(
        None, {"known_implementations": "dict"}, "the dolt:// and git remote filesystems"
    ),
    "dvc_objects.fs.base": _used("FileSystem"),
    "dvc_objects.fs.local": _used("LocalFileSystem"),
}
