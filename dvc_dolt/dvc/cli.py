"""``dvc run``: DVC 2's command, back as an alias of ``dvc stage add --run``.

The 2021 Dolt + DVC walkthrough (and many notebooks) use
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
