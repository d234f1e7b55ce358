"""DVC's run cache for stages that read Dolt data.

The run cache keys a stage's run by its command and its dependencies'
hashes, and restores the outputs of an earlier run with the same key. A
Dolt dependency's record carries commits, which differ for equal data: the
key takes only the content instead, a table's ``dolt_hashof_table`` or a
database's working root. So returning to an earlier labelling (a new commit
with the old rows) restores the outputs of the run that read it.

A stage that writes a Dolt database never uses the run cache: DVC cannot
restore a database it never stored.
"""

from __future__ import annotations

from typing import Any

from dvc_dolt.dolt import MalformedChecksumError, decode_checksum, looks_like_checksum
from dvc_dolt.dolt.heads import decode_table_checksum, looks_like_table_checksum
from dvc_dolt.dvc.items.database import FilesMixin, is_dolt_item
from dvc_dolt.dvc.layout import HASH_NAME


def may_use(stage: Any) -> bool:
    """False when the stage writes a Dolt database (or reads one recorded as files)."""
    return not any(is_dolt_item(out) for out in stage.outs) and not any(
        isinstance(dep, FilesMixin) for dep in stage.deps
    )


def content_key(cache: dict[str, Any]) -> dict[str, Any]:
    """A stage's lock entry, as DVC hashes it for the run-cache key, with each
    Dolt dependency reduced to the content it stands for."""
    for dep in cache.get("deps", []):
        value = dep.get(HASH_NAME) if isinstance(dep, dict) else None
        try:
            if looks_like_table_checksum(value):
                dep[HASH_NAME] = "dolt-table:" + decode_table_checksum(value).table_hash
            elif looks_like_checksum(value):
                dep[HASH_NAME] = "dolt:" + decode_checksum(value).working
        except MalformedChecksumError:
            continue  # kept as is: a key that matches nothing else
    return cache
