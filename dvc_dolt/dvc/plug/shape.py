"""The shape check: a patch point must exist with the parameters our wrappers
pass on or read, in DVC's order, before anything of its module is patched."""

from __future__ import annotations

import inspect
from types import ModuleType
from typing import Any

from dvc_dolt.dvc.plug.undo import Unsupported

# dvc.repo.locked: checked again where another module's patch uses it.
LOCKED = "(f)"

_TYPES = {"dict": dict, "list": list, "tuple": tuple, "str": str}


def _parameters(func: Any) -> list[str]:
    kinds: dict[inspect._ParameterKind, str] = {
        inspect.Parameter.VAR_POSITIONAL: "*",
        inspect.Parameter.VAR_KEYWORD: "**",
    }
    return [kinds.get(p.kind, "") + p.name for p in inspect.signature(func).parameters.values()]


def check_point(where: str, obj: Any, shape: str) -> None:
    if shape == "any":
        return
    if shape == "class":
        if not isinstance(obj, type):
            raise Unsupported(f"{where} is not a class")
        return
    if shape in _TYPES:
        if not isinstance(obj, _TYPES[shape]):
            raise Unsupported(f"{where} is a {type(obj).__name__}, not a {shape}")
        return
    func = obj.__func__ if isinstance(obj, (staticmethod, classmethod)) else obj
    try:
        found = _parameters(func)
    except (TypeError, ValueError):  # not callable, or no signature to read
        raise Unsupported(f"{where} is not a function") from None
    head, more, tail = shape.strip("()").partition("...")
    first = [p.strip() for p in head.split(",") if p.strip()]
    named = [p.strip() for p in tail.split(",") if p.strip()]
    ok = found[: len(first)] == first if more else found == first
    if not (ok and set(named) <= set(found[len(first) :])):
        raise Unsupported(f"{where} has parameters ({', '.join(found)}), not {shape}")


def check(module: ModuleType, shapes: dict[str, str]) -> None:
    """Raise :class:`Unsupported` unless every point of ``shapes`` in ``module`` has its shape."""
    for key, shape in shapes.items():
        # "~name": may be inherited; otherwise the module's or the class's own.
        own, path = not key.startswith("~"), key.lstrip("~")
        where = f"{module.__name__}.{path}"
        owner: Any = module
        for part in path.split("."):
            try:
                if own or isinstance(owner, ModuleType):
                    owner = vars(owner)[part]
                else:
                    owner = getattr(owner, part)
            except (KeyError, TypeError, AttributeError):
                raise Unsupported(f"{where} is missing") from None
        check_point(where, owner, shape)
