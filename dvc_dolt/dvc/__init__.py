"""The DVC layer: Dolt outputs and dependencies, and the thin patches that plug
them into DVC (all listed in :mod:`dvc_dolt.dvc.patches`)."""
