"""Log and trace each dolt process about to start (``dvc -v``, ``$DVC_DOLT_TRACE``).

A module of its own because both the version probe (:mod:`.binary`) and the
runner (:mod:`.runner`) trace the dolt commands they start, and the runner
imports the probe. Standard library only.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Sequence

# The runner's logger, by name: `dvc -v` and the tests listen to that one.
logger = logging.getLogger("dvc_dolt.dolt.runner")

# Set to a file path to have every dolt process appended to it (like GIT_TRACE).
ENV_TRACE = "DVC_DOLT_TRACE"

_NEEDS_QUOTES = re.compile(r"[\s'\"\\]")


def _for_log(shown: Sequence[str]) -> str:
    """The argv on one line, an argument with spaces or quotes in double quotes."""
    return " ".join(
        json.dumps(arg, ensure_ascii=False) if not arg or _NEEDS_QUOTES.search(arg) else arg
        for arg in shown
    )


def announce(shown: list[str], cwd: str | os.PathLike[str] | None) -> None:
    """Log and trace a dolt process about to start (``shown``: its redacted argv).

    Every dolt process goes through here, the version probe too, so that
    ``dvc -v`` lists them all and the process-count guards count them all.
    """
    # `dvc -v` shows these (the DVC layer hands this logger to DVC's).
    logger.debug("running %s%s", _for_log(shown), f" in {cwd}" if cwd else "")
    path = os.environ.get(ENV_TRACE)
    if path:
        with open(path, "a", encoding="utf-8") as fobj:
            fobj.write(json.dumps({"cwd": str(cwd), "argv": shown}) + "\n")
