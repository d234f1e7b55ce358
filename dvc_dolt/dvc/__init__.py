"""The DVC layer: Dolt outputs and dependencies, and the thin patches that plug
them into DVC (all listed in :mod:`dvc_dolt.dvc.patches`)."""

import logging

# The Dolt layer logs to "dvc_dolt.*" and knows nothing of DVC. Once DVC is
# loaded, those records go where DVC's own go, at DVC's level: `dvc -v` shows
# every dolt command with its time, `dvc -q` silences them.
logging.getLogger("dvc_dolt").parent = logging.getLogger("dvc")
