"""DVC's commands: ``dvc version``, ``dvc diff``'s text and Markdown, the
parser (``dvc run``, ``dvc dolt ...``), and ``dvc update --force``.
"""

from __future__ import annotations

from types import ModuleType

from dvc_dolt.dvc.plug.undo import extend, replace, wrap


def patch_info(module: ModuleType) -> None:
    def make_info(get_dvc_info):
        def get_dvc_info_():
            from dvc_dolt.dvc.views.info import dolt_info

            return f"{get_dvc_info()}\n{dolt_info()}"

        return get_dvc_info_

    replace(module, "SUBPROJECTS", (*module.SUBPROJECTS, "dvc-dolt"))
    wrap(module, "get_dvc_info", make_info)


def patch_commands_diff(module: ModuleType) -> None:
    def make_show_diff(show_diff):
        def _show_diff(diff, hide_missing=False):
            from dvc_dolt.dvc.views.diff import show_rows

            show_diff(diff, hide_missing)
            show_rows(diff)

        return _show_diff

    def make_show_markdown(show_markdown):
        def _show_markdown(diff, *args, **kwargs):
            from dvc_dolt.dvc.views.diff import show_rows

            show_markdown(diff, *args, **kwargs)
            show_rows(diff, markdown=True)

        return _show_markdown

    wrap(module.CmdDiff, "_show_diff", make_show_diff)
    wrap(module, "_show_markdown", make_show_markdown)


def patch_cli_parser(module: ModuleType) -> None:
    from dvc_dolt.dvc import cli

    extend(module.COMMANDS, [cli.run_alias, cli.dolt_command])


def patch_commands_update(module: ModuleType) -> None:
    def make_add_parser(add_parser):
        def add_parser_(subparsers, parent_parser):
            from dvc_dolt.dvc.sharing.update_force import add_force_option

            add_parser(subparsers, parent_parser)
            add_force_option(subparsers)

        return add_parser_

    def make_run(run):
        def run_(self):
            from dvc_dolt.dvc.sharing.update_force import forcing

            with forcing(getattr(self.args, "force", False)):
                return run(self)

        return run_

    wrap(module, "add_parser", make_add_parser)
    wrap(module.CmdUpdate, "run", make_run)
