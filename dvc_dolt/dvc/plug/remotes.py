"""DVC's config: the ``dolt://`` and git remote types, the ``dolt_*`` options of
other remotes, and the ``dolt`` section (``dolt.remote``: where databases go).
"""

from __future__ import annotations

import re
import sys
from types import ModuleType
from typing import Any, Callable

from dvc_dolt.dvc.layout import SCHEME as DOLT_SCHEME
from dvc_dolt.dvc.plug.undo import Unsupported, guard, on_undo, set_item, wrap

# The schemes of git remotes (dvc_dolt.dvc.sharing.git_remotes.SCHEMES).
_GIT_SCHEMES = ("git+file", "git+ssh", "git+http", "git+https", "git+remote")
_MAYBE_SCP = re.compile(r"^[^@/:\s]+@[^/:\s]+:")


def _may_be_git(url: str) -> bool:
    """Whether ``url`` may name a git remote (git_remotes.git_url_of decides):
    cheap, as DVC reads every remote's URL in every command."""
    url = url.strip().lower()
    return (
        url.startswith("git+")
        or bool(_MAYBE_SCP.match(url))
        or (url.startswith("http") and url.rstrip("/").endswith(".git"))
    )


def _may_be_dolt_remote(data: Any) -> bool:
    """Whether dvc_dolt.dvc.remotes may change how this remote section validates.

    It handles dolt:// and git URLs and options named dolt_*; this says yes to
    those and more. DVC validates a section for its local cache in every
    command, so decide by scheme and option name: a path such as ~/dolt-work/
    is no reason to load it.
    """
    if not isinstance(data, dict):
        return False
    url = str(data.get("url", "")).strip().lower()
    return (
        url.startswith(f"{DOLT_SCHEME}:")
        or _may_be_git(url)
        or any(str(key).startswith(f"{DOLT_SCHEME}_") for key in data)
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
    if DOLT_SCHEME in module.SCHEMA:
        raise Unsupported(f"DVC's config has a section '{DOLT_SCHEME}' of its own")
    _forget_compiled_schema()
    on_undo(_forget_compiled_schema)  # runs after the validator is back
    original = remote[str]
    set_item(remote, str, guard(original, make_validator(original)))
    # `dvc config dolt.remote <name>`: the DVC remote databases go to when
    # files go to another (the default remote).
    set_item(module.SCHEMA, DOLT_SCHEME, {"remote": module.Lower})
    filesystems = {
        DOLT_SCHEME: ("DoltRemoteFileSystem", "dolt://"),
        **{scheme: ("GitRemoteFileSystem", "git") for scheme in _GIT_SCHEMES},
    }
    for scheme, (cls, kind) in filesystems.items():
        set_item(
            known_implementations,
            scheme,
            {
                "class": f"dvc_dolt.dvc.sharing.fs.{cls}",
                "err": f"{kind} remotes need dvc-dolt (pip install dvc-dolt)",
            },
        )


def _forget_compiled_schema() -> None:
    """Drop dvc.config's memoised schema (funcy's memoize) if it was built already."""
    compile_schema = getattr(sys.modules.get("dvc.config"), "get_compiled_schema", None)
    memory = getattr(compile_schema, "memory", None)
    if memory is not None:
        memory.clear()


def patch_config(module: ModuleType) -> None:
    """DVC reads a remote URL without ``word://`` as a path relative to the
    config file, and writes it back so: a git URL stays as written."""

    def keep_git_urls(convert: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
        def converted(conf_dir, path):
            if isinstance(path, str) and _may_be_git(path):
                return path
            return convert(conf_dir, path)

        return converted

    for name in ("_resolve", "_to_relpath"):
        wrap(module.Config, name, keep_git_urls)
