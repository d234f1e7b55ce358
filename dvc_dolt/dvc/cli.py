"""The ``dvc`` commands dvc-dolt adds: ``dvc run`` and ``dvc dolt lineage|prune|gc``.

``dvc run`` is DVC 2's command, back as an alias of ``dvc stage add --run``:
the 2021 Dolt + DVC walkthrough (and many notebooks) use
``dvc run -n NAME -d DEP -o OUT CMD``; DVC 3 removed it.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

RUN_HELP = "Add a stage to dvc.yaml and run it (DVC 2's `dvc run`; same as `dvc stage add --run`)."


def add_parser(subparsers: Any, parent_parser: Any) -> None:
    from dvc.cli import formatter
    from dvc.commands.stage import CmdStageAdd, _add_common_args

    parser = subparsers.add_parser(
        "run",
        parents=[parent_parser],
        description=RUN_HELP,
        # No `help=`: hidden from `dvc --help`, so DVC 3's command list stays as
        # shipped, while `dvc run` keeps working for scripts written for DVC 2.
        formatter_class=formatter.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-n", "--name", required=True, help="Name of the stage to add.")
    parser.add_argument(
        "--no-exec",
        dest="run",
        action="store_false",
        help="Only add the stage to dvc.yaml; do not run it.",
    )
    _add_common_args(parser)
    parser.set_defaults(func=CmdStageAdd, run=True)


run_alias = SimpleNamespace(add_parser=add_parser)


DOLT_HELP = (
    "Dolt databases tracked by DVC: lineage of stages, pruning dvc-dolt's branches,"
    " compacting journals."
)


LINEAGE_HELP = "Show which Dolt database, commit and branch each stage read and wrote."


def _lineage_command():
    from dvc.cli.command import CmdBase

    class CmdDoltLineage(CmdBase):
        def run(self) -> int:
            from dvc.ui import ui

            from dvc_dolt.dvc.views.lineage import table_headers, table_rows, uses

            found = uses(self.repo, self.args.rev, self.args.stage)
            if self.args.json:
                ui.write_json([u.as_dict() for u in found])
            elif not found:
                ui.write("No stage read or wrote a Dolt database.")
            else:
                ui.table(
                    table_rows(found),
                    headers=table_headers(found),
                    markdown=self.args.markdown,
                )
            return 0

    return CmdDoltLineage


PRUNE_HELP = "Delete the dvc/kept, dvc/exp and dvc/pin branches that no git revision needs."


PRUNE_DESCRIPTION = (
    PRUNE_HELP + "\n\nCheckout keeps the commit a database leaves on a dvc/kept/<hash> branch,"
    " and `dvc exp run` names each experiment's commits dvc/exp/<name>. A branch is"
    " deleted only when every commit that the workspace, any git commit, branch,"
    " tag or experiment records for its database stays reachable without it"
    " (dvc/exp/<name>: also when no experiment of that name is left). Branches on"
    " Dolt remotes (pins) are never touched. Run `dolt gc` in a database afterwards"
    " to reclaim the space."
)


def _prune_command():
    from dvc.cli.command import CmdBase

    class CmdDoltPrune(CmdBase):
        def run(self) -> int:
            from dvc.repo import locked
            from dvc.ui import ui

            from dvc_dolt.dvc.maintenance.prune import prune

            pruned = locked(prune)(self.repo, dry_run=self.args.dry_run)
            verb = "Would delete" if self.args.dry_run else "Deleted"
            if not pruned:
                ui.write("Nothing to prune.")
            for path, branches in pruned.items():
                for branch in branches:
                    ui.write(f"{verb} branch '{branch}' of Dolt database '{path}'")
            return 0

    return CmdDoltPrune


GC_HELP = "Compact the chunk journal of tracked Dolt databases (runs `dolt gc` in each)."


GC_DESCRIPTION = (
    GC_HELP + "\n\nDolt appends every write to a chunk journal, and every dolt command"
    " loads its index: a database filled by `dolt table import` pays for it on each"
    " command, several times what a command on a compacted database costs. `dolt gc`"
    " moves the data into table files, in time that grows with the journal. Branches,"
    " tags, rows and uncommitted changes stay as they are. `dolt gc` deletes every"
    " commit that no branch or tag reaches, so a commit that the workspace, a git"
    " revision or an experiment records is first put"
    " on a dvc/kept/<hash> branch (checkout already keeps there the commits it moves"
    " away from). With no target, every Dolt database that the workspace's .dvc files"
    " and dvc.yaml track, as output or dependency. A database served by a running"
    " `dolt sql-server` is refused: stop the server first. `dvc add` and `dvc commit` run"
    " it by themselves when the dolt commands on a database they record spend 0.3 s or"
    " more loading a journal of 16 MiB or more (DVC_DOLT_COMPACT: auto, off, always)."
)


def _gc_command():
    from dvc.cli.command import CmdBase

    class CmdDoltGc(CmdBase):
        def run(self) -> int:
            from dvc.repo import locked
            from dvc.ui import ui

            from dvc_dolt.dvc.items.hints import size_text
            from dvc_dolt.dvc.maintenance.gc import compact

            done = locked(compact)(
                self.repo,
                self.args.targets,
                dry_run=self.args.dry_run,
                git_cache=self.args.git_cache,
            )
            if not done:
                ui.write("No Dolt database to compact.")
            for item in done:
                for line in item.kept_lines(self.args.dry_run):
                    ui.write(line)
                journal = f"{size_text(item.journal)} in its journal"
                if item.seconds is None:
                    ui.write(f"Would compact Dolt database '{item.path}' ({journal})")
                else:
                    ui.write(
                        f"Compacted Dolt database '{item.path}' ({journal}) in {item.seconds:.1f}s"
                    )
                if item.git_cache is not None:
                    verb = "Would delete" if self.args.dry_run else "Deleted"
                    ui.write(
                        f"{verb} the git remote cache of Dolt database '{item.path}'"
                        f" ({size_text(item.git_cache)})"
                    )
            return 0

    return CmdDoltGc


def add_dolt_parser(subparsers: Any, parent_parser: Any) -> None:
    from dvc.cli import formatter

    dolt_parser = subparsers.add_parser(
        "dolt",
        parents=[parent_parser],
        description=DOLT_HELP,
        help=DOLT_HELP,
        formatter_class=formatter.RawDescriptionHelpFormatter,
    )
    dolt_subparsers = dolt_parser.add_subparsers(
        dest="cmd",
        help="Use `dvc dolt CMD --help` to display command-specific help.",
        required=True,
    )
    lineage = dolt_subparsers.add_parser(
        "lineage",
        parents=[parent_parser],
        description=LINEAGE_HELP
        + "\n\nRead from dvc.lock and .dvc files at a git revision; branches are the"
        " local branches of each database that reach the recorded commit.",
        help=LINEAGE_HELP,
        formatter_class=formatter.RawDescriptionHelpFormatter,
    )
    lineage.add_argument(
        "rev", nargs="?", default=None, help="Git revision (default: the workspace's files)."
    )
    lineage.add_argument("stage", nargs="?", default=None, help="Only this stage.")
    lineage.add_argument("--json", action="store_true", default=False, help="Show as JSON.")
    lineage.add_argument(
        "--md", dest="markdown", action="store_true", default=False, help="Show as Markdown."
    )
    lineage.set_defaults(func=_lineage_command())

    prune = dolt_subparsers.add_parser(
        "prune",
        parents=[parent_parser],
        description=PRUNE_DESCRIPTION,
        help=PRUNE_HELP,
        formatter_class=formatter.RawDescriptionHelpFormatter,
    )
    prune.add_argument(
        "--dry-run",
        action="store_true",
        default=False,
        help="Only list the branches that would be deleted.",
    )
    prune.set_defaults(func=_prune_command())

    gc = dolt_subparsers.add_parser(
        "gc",
        parents=[parent_parser],
        description=GC_DESCRIPTION,
        help=GC_HELP,
        formatter_class=formatter.RawDescriptionHelpFormatter,
    )
    gc.add_argument(
        "targets",
        nargs="*",
        help="Tracked Dolt databases (paths) to compact; default: every one.",
    )
    gc.add_argument(
        "--dry-run",
        action="store_true",
        default=False,
        help="Only list the databases and the size of their journals.",
    )
    gc.add_argument(
        "--git-cache",
        action="store_true",
        default=False,
        help="Also delete each database's .dolt/git-remote-cache, the second copy of what"
        " it fetched from git remotes (the next fetch or push from one downloads it again).",
    )
    gc.set_defaults(func=_gc_command())


dolt_command = SimpleNamespace(add_parser=add_dolt_parser)
