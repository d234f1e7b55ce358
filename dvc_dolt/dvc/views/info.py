"""The line `dvc version` / `dvc doctor` prints about dvc-dolt."""

from __future__ import annotations

from dvc_dolt.dolt import DoltError, find_dolt


def dolt_info() -> str:
    try:
        dolt = find_dolt()
    except DoltError as exc:
        return f"Dolt: not usable ({exc})"
    return f"Dolt: dolt {dolt.version_string} ({dolt.path})"
