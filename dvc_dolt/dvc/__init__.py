"""The DVC layer: Dolt databases and tables as DVC items, the workflows that use
them, and the thin patches that plug them into DVC (every DVC name they rely
on is in :mod:`dvc_dolt.dvc.plug.points`)."""

import logging

# The Dolt layer logs to "dvc_dolt.*" and knows nothing of DVC. Once DVC is
# loaded, those records go where DVC's own go, at DVC's level: `dvc -v` shows
# every dolt command with its time, `dvc -q` silences them.
logging.getLogger("dvc_dolt").parent = logging.getLogger("dvc")
