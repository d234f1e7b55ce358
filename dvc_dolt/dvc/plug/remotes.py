"""DVC's config schema: the ``dolt://`` remote type and the ``dolt_*`` options
of other remotes.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

from dvc_dolt.dvc.layout import SCHEME as DOLT_SCHEME
from dvc_dolt.dvc.plug.undo import Unsupported, guard, on_undo, set_item


def _may_be_dolt_remote(data: Any) -> bool:
    """Whether dvc_dolt.dvc.remotes may change how this remote section validates.

    It handles dolt:// URLs and options named dolt_*; this says yes to those and
    more. DVC validates a section for its local cache in every command, so decide
    by scheme and option name: a path such as ~/dolt-work/ is no reason to load it.
    """
    if not isinstance(data, dict):
        return False
    url = str(data.get("url", "")).strip().lower()
    return url.startswith(f"{DOLT_SCHEME}:") or any(
        str(key).startswith(f"{DOLT_SCHEME}_") for key in data
    )


def patch_config_schema(module: ModuleType) -> None:
    from dvc_objects.fs import known_implementations

    def make_validator(validate_remote):
        def validate(data):
            if not _may_be_dolt_remote(data):
                return validate_remote(data)
            from dvc_dolt.dvc.sharing.remotes import validate_remote_config

            return validate_remote_config(validate_remote, module, data)

        return validate

    # Replace the validator, not REMOTE_SCHEMAS: DVC 3.50 has no such table
    # and builds the validator from an inline mapping.
    remote = module.SCHEMA.get("remote")
    if not (isinstance(remote, dict) and callable(remote.get(str))):
        raise Unsupported("dvc.config_schema.SCHEMA['remote'][str] is not a validator")
    if not isinstance(known_implementations, dict):
        raise Unsupported("dvc_objects.fs.known_implementations is not a dict")
    _forget_compiled_schema()
    on_undo(_forget_compiled_schema)  # runs after the validator is back
    original = remote[str]
    set_item(remote, str, guard(original, make_validator(original)))
    set_item(
        known_implementations,
        DOLT_SCHEME,
        {
            "class": "dvc_dolt.dvc.sharing.fs.DoltRemoteFileSystem",
            "err": "dolt:// remotes need dvc-dolt (pip install dvc-dolt)",
        },
    )


def _forget_compiled_schema() -> None:
    """Drop dvc.config's memoised schema (funcy's memoize) if it was built already."""
    compile_schema = getattr(sys.modules.get("dvc.config"), "get_compiled_schema", None)
    memory = getattr(compile_schema, "memory", None)
    if memory is not None:
        memory.clear()
