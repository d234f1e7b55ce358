"""The switch and the undo log: every change to DVC is logged here, so that
switching dvc-dolt off puts DVC back exactly as shipped."""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable, Iterable
from typing import Any

from dvc_dolt import __version__

logger = logging.getLogger(__name__)


# None until the version gate has run; False once switched off, for good.
_on: bool | None = None


_undo: list[Callable[[], None]] = []


class Unsupported(Exception):
    """The installed DVC is not one dvc-dolt can patch."""


def active() -> bool:
    """Whether DVC is patched (False before the first DVC module loads, too)."""
    return bool(_on)


def start() -> bool:
    """Turn the switch on at the first patch; False once it was set before."""
    global _on
    if _on is not None:
        return False
    _on = True
    return True


def dvc_version() -> str:
    try:
        from dvc.version import __version__ as version
    except Exception:  # a DVC that moved its version: not one we know
        version = getattr(sys.modules.get("dvc"), "__version__", "unknown")
    return str(version)


def switch_off(reason: str, uninstall: Callable[[], None]) -> None:
    """Undo every patch, stop patching (``uninstall`` removes the import hook),
    and say so once."""
    global _on
    was = _on
    _on = False
    uninstall()
    while _undo:
        try:
            _undo.pop()()
        except Exception:  # undo the rest all the same
            logger.debug("dvc-dolt: could not undo a patch", exc_info=True)
    if was is not False:
        logger.warning(
            "dvc-dolt %s does not support DVC %s: Dolt databases are not handled (%s)",
            __version__,
            dvc_version(),
            reason,
        )


def on_undo(fn: Callable[[], None]) -> None:
    """Run ``fn`` when switched off, after undoing what was patched after now."""
    _undo.append(fn)


_MISSING = object()


def replace(owner: Any, name: str, value: Any) -> None:
    old = vars(owner).get(name, _MISSING)
    setattr(owner, name, value)
    _undo.append(
        (lambda: delattr(owner, name)) if old is _MISSING else (lambda: setattr(owner, name, old))
    )


def set_item(mapping: dict, key: Any, value: Any) -> None:
    old = mapping.get(key, _MISSING)
    mapping[key] = value
    _undo.append(
        (lambda: mapping.pop(key, None))
        if old is _MISSING
        else (lambda: mapping.__setitem__(key, old))
    )


def extend(items: list, new: Iterable[Any]) -> None:
    new = list(new)
    items.extend(new)

    def undo() -> None:
        items[:] = [item for item in items if not any(item is n for n in new)]

    _undo.append(undo)


def guard(original: Callable, wrapper: Callable) -> Callable:
    """``wrapper`` while dvc-dolt is on, DVC's ``original`` once it is off."""

    @functools.wraps(original)
    def guarded(*args, **kwargs):
        if _on:
            return wrapper(*args, **kwargs)
        return original(*args, **kwargs)

    return guarded


def wrap(owner: Any, name: str, make: Callable[[Callable], Callable]) -> None:
    raw = vars(owner)[name]
    static = isinstance(raw, staticmethod)
    original = raw.__func__ if static else raw
    guarded = guard(original, make(original))
    replace(owner, name, staticmethod(guarded) if static else guarded)
