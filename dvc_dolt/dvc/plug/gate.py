"""The gate: whether this DVC is one dvc-dolt patches, and the patching of each
DVC module as it loads, all of it or, with everything else, none.

DVC has no plugin hook for output kinds, so each entry of
:data:`~dvc_dolt.dvc.plug.points.POINTS` wraps one DVC internal, in a few lines
that hand over to the workflows of this package. When a new DVC release comes
out, that table is what to revisit: it lists every DVC name dvc-dolt relies on
with its shape. CI runs the whole test suite on DVC 3.50.3 and 3.67.1.

A DVC we do not know is left as shipped
---------------------------------------
Modules are patched one at a time, right after DVC imports each (see
:mod:`dvc_dolt._bootstrap`): `dvc --help` never imports ``dvc.repo``, and
``dvc.repo.experiments.run`` alone is slow to import. So the modules patched
later cannot be inspected when the first one loads, and the design is:

1. Version gate, before the first patch. The ``dvc`` package has been imported
   by then; if its version is outside :data:`SUPPORTED_DVC` nothing is patched.
   This is the check that counts: every patch point was verified on the
   versions in that range.
2. Shape check, at each module, before any of its patches: every name of its
   entry in ``POINTS`` must exist with the parameters listed there.
3. All or nothing. Every change goes through :mod:`~dvc_dolt.dvc.plug.undo`,
   which logs how to undo it. A failed check, or any exception while patching,
   switches dvc-dolt off for the process: every change made so far is undone
   in reverse, the import hook removes itself, and one warning says so.
   References DVC took while we were on (``Repo.checkout`` is bound in Repo's
   class body, a memoised config schema holds our validator) check the switch
   and pass straight through to DVC's own function. No exception from here
   reaches DVC's import.

What stays possible: a late module (``dvc.info``, ``exp run``, ``exp apply``,
``exp rename``, ``exp remove``, imported on demand) failing its check after
this process already built Dolt outputs. From then on every patch is DVC's own
code, but the output objects built before keep their class. Within the
supported range this needs a modified DVC; the gate rules it out for every
release outside it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from types import ModuleType

from dvc_dolt.dvc.plug.points import POINTS
from dvc_dolt.dvc.plug.shape import check
from dvc_dolt.dvc.plug.undo import Unsupported, active, dvc_version, replace, start, switch_off

logger = logging.getLogger(__name__)

# The DVC releases dvc-dolt patches: >=3.50,<3.68, pyproject's range.
SUPPORTED_DVC = ((3, 50), (3, 68))

_MARK = "__dvc_dolt_patched__"


def supported(version: str) -> bool:
    found = re.match(r"(\d+)\.(\d+)", version)
    if not found:
        return False
    low, high = SUPPORTED_DVC
    return low <= (int(found[1]), int(found[2])) < high


def _range() -> str:
    (a, b), (c, d) = SUPPORTED_DVC
    return f">={a}.{b},<{c}.{d}"


def _gate(uninstall: Callable[[], None]) -> bool:
    """Decide, before the first patch, whether this DVC is one we patch."""
    if start() and not supported(dvc_version()):
        switch_off(f"it supports DVC {_range()}", uninstall)
    return active()


def apply(module: ModuleType, uninstall: Callable[[], None]) -> None:
    """Patch one freshly executed DVC module, all of it or, with everything else, none.

    Never raises: whatever goes wrong switches dvc-dolt off, and ``uninstall``
    removes the import hook.
    """
    name = module.__name__
    point = POINTS.get(name)
    if point is None or getattr(module, _MARK, False):
        return
    try:
        if not _gate(uninstall):
            return
        check(module, point.shapes)
        if point.patch is not None:
            point.patch(module)
        replace(module, _MARK, True)
    except Unsupported as exc:
        switch_off(str(exc), uninstall)
    except Exception as exc:  # a bug of ours must not break `import dvc`
        logger.debug("dvc-dolt could not patch %s", name, exc_info=True)
        switch_off(f"{type(exc).__name__} while patching {name}: {exc}", uninstall)
    else:
        logger.debug("dvc-dolt patched %s", name)
