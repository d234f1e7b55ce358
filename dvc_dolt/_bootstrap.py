"""Loaded at interpreter start by ``dvc_dolt.pth``; imports nothing from DVC.

It installs an import hook that checks, and patches where needed, each DVC
module listed in :data:`HOOKED_MODULES` right after that module executes, so processes that
never import DVC pay for one ``sys.meta_path`` entry and an environment lookup.
``DVC_DOLT_DISABLE=1`` leaves DVC exactly as shipped. So does a DVC that
:mod:`dvc_dolt.dvc.plug.gate` does not support: it checks before it patches, and
nothing raised there reaches DVC's import.
"""

# No `from __future__ import annotations`: it imports the __future__ module,
# about a third of this module's cost at every interpreter start.
import os
import sys

ENV_DISABLE = "DVC_DOLT_DISABLE"

# Kept here, not imported, so that start-up loads no other module: the keys of
# dvc_dolt.dvc.plug.points.POINTS, the DVC modules dvc-dolt patches as they load,
# and those that wait for the first of them (used only, or patched late; see
# Point.waits). tests/test_patch_gate.py checks both.
PATCHED_MODULES = frozenset(
    {
        "dvc.cli.parser",
        "dvc.commands.diff",
        "dvc.commands.update",
        "dvc.config_schema",
        "dvc.dependency",
        "dvc.fs.dvc",
        "dvc.info",
        "dvc.output",
        "dvc.repo",
        "dvc.repo.checkout",
        "dvc.repo.data",
        "dvc.repo.experiments.apply",
        "dvc.repo.experiments.executor.local",
        "dvc.repo.experiments.queue.base",
        "dvc.repo.experiments.remove",
        "dvc.repo.experiments.rename",
        "dvc.repo.experiments.run",
        "dvc.repo.get",
        "dvc.repo.stage",
        "dvc.stage.cache",
        "dvc.stage.imports",
        "dvc.stage.loader",
    }
)

WAITING_MODULES = frozenset(
    {
        "dvc.cli.command",
        "dvc.cli.formatter",
        "dvc.commands.stage",
        "dvc.config",
        "dvc.dependency.base",
        "dvc.dependency.repo",
        "dvc.dvcfile",
        "dvc.exceptions",
        "dvc.fs",
        "dvc.lock",
        "dvc.repo.experiments.executor.base",
        "dvc.repo.experiments.queue.tempdir",
        "dvc.repo.experiments.queue.workspace",
        "dvc.repo.experiments.refs",
        "dvc.repo.experiments.utils",
        "dvc.repo.index",
        "dvc.scm",
        "dvc.stage.exceptions",
        "dvc.ui",
        "dvc.utils",
        "dvc.version",
        "dvc_data.hashfile.hash_info",
        "dvc_data.hashfile.meta",
        "dvc_objects.fs",
        "dvc_objects.fs.base",
        "dvc_objects.fs.local",
        "scmrepo.exceptions",
    }
)

HOOKED_MODULES = PATCHED_MODULES | WAITING_MODULES


def disabled() -> bool:
    return os.environ.get(ENV_DISABLE, "").strip().lower() not in ("", "0", "false", "no")


# Plain classes, not importlib.abc's: importing that pulls in pathlib, typing
# and tempfile, tens of milliseconds at every interpreter start.
class _PatchingLoader:
    def __init__(self, loader) -> None:
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module) -> None:
        self._loader.exec_module(module)
        _loaded(module)

    def __getattr__(self, name):
        return getattr(self._loader, name)


# WAITING_MODULES that loaded before the first of PATCHED_MODULES. Their check
# (and patch) waits for that one: DVC has set up its logging by then, so a warning
# reads as DVC's own, and nothing is patched before it either way.
_waiting: list = []
_patching = False


def _loaded(module) -> None:
    global _patching
    if not _patching and module.__name__ not in PATCHED_MODULES:
        _waiting.append(module)
        return
    try:
        from dvc_dolt.dvc.plug.gate import apply
    except Exception as exc:  # a broken dvc-dolt must not break `import dvc`
        _give_up(exc)
        return
    _patching = True
    waiting = [*_waiting, module]
    _waiting.clear()
    for each in waiting:
        apply(each, uninstall)  # never raises


class DvcPatchFinder:
    """Wraps the loader of the DVC modules we patch; finds nothing itself."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in HOOKED_MODULES:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None:
                    # A Loader by delegation: this module imports nothing to subclass.
                    spec.loader = _PatchingLoader(spec.loader)  # type: ignore[assignment]
                return spec
        return None


_gave_up = False


def _give_up(exc: Exception) -> None:
    global _gave_up
    uninstall()
    if _gave_up:  # a module whose import had begun before: already said
        return
    _gave_up = True
    import logging

    logging.getLogger("dvc.dolt").warning(
        "dvc-dolt is switched off, its DVC patches do not load: %s: %s", type(exc).__name__, exc
    )


def install() -> None:
    if disabled() or any(isinstance(f, DvcPatchFinder) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, DvcPatchFinder())
    already = [name for name in HOOKED_MODULES if name in sys.modules]
    if already:
        # Loaded before us (e.g. dvc_dolt imported late): patch in place.
        try:
            from dvc_dolt.dvc.plug.gate import apply
        except Exception as exc:
            _give_up(exc)
            return
        for name in sorted(already):
            apply(sys.modules[name], uninstall)


def uninstall() -> None:
    """Stop patching the DVC modules imported from now on."""
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, DvcPatchFinder)]


install()
