"""A database's ``.dolt`` folder is Dolt's own storage: DVC never tracks or writes it.

New entries that name a path inside one (``dvc add``, ``stage add``/``dvc run``
outs and deps, ``import -o``) and ``commit``/``checkout`` targets there are
refused before anything is written, with what to run instead.

An entry a project already has (written before dvc-dolt refused them) stays
readable: it becomes a :class:`StorageRecord`, which DVC never checks out,
pushes or deletes (``cache: false`` keeps it out of the data index), which
refuses to be recorded again, and whose status says how to replace it.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any, Optional

from dvc.dependency.base import Dependency
from dvc.output import Output

from dvc_dolt.dolt.storage import STORAGE_DIR, storage_owner
from dvc_dolt.dvc.errors import DvcDoltError
from dvc_dolt.dvc.items.base import ItemBase

if TYPE_CHECKING:
    from dvc.repo import Repo

logger = logging.getLogger(__name__)


# Where to_record keeps DVC's use_cache (it decides .gitignore handling).
_USE_CACHE_ATTR = "_dvc_dolt_storage_use_cache"


def owner_of(repo: Optional[Repo], path: str) -> Optional[str]:
    """The database (relative to the project) whose storage holds ``path``."""
    root = getattr(repo, "root_dir", None)
    if not root:
        return None
    rel = os.path.relpath(os.path.abspath(path), root)
    return None if rel.startswith(os.pardir) else storage_owner(rel)


def _item_owner(item: Output) -> Optional[str]:
    if item.protocol != "local" or not item.is_in_repo:
        return None
    return owner_of(item.repo, item.fs_path)


def refusal(path: str, owner: str, instead: str) -> DvcDoltError:
    return DvcDoltError(
        f"'{path}' is inside the storage of Dolt database '{owner}' (its {STORAGE_DIR} "
        f"folder, which only dolt may write): {instead}"
    )


def check_targets(repo: Repo, targets: Any, command: str) -> None:
    """Refuse ``dvc <command>`` of a path inside a database's storage."""
    if not targets:
        return
    for target in [targets] if isinstance(targets, (str, os.PathLike)) else targets:
        if target is None:
            continue
        owner = owner_of(repo, os.fspath(target))
        if owner is not None:
            raise refusal(os.fspath(target), owner, f"run `dvc {command} {owner}`")


def _instead(stage: Any, item: Output, owner: str) -> str:
    if item.IS_DEPENDENCY:
        return f"depend on the database (`-d {owner}`) or one of its tables (`-d {owner}/<table>`)"
    if getattr(stage, "is_import", False):
        return "import to a path outside it"
    if getattr(stage, "is_data_source", False):
        return f"track the database: `dvc add {owner}`"
    return f"make the database the output: `-o {owner}`"


def check_new_stage(stage: Any) -> None:
    """Refuse a new stage that names a path inside a database's storage, before
    DVC writes anything."""
    for item in [*stage.deps, *stage.outs]:
        if type(item) not in (Output, Dependency, StorageOutput, StorageDependency):
            continue
        owner = _item_owner(item)
        if owner is not None:
            raise refusal(str(item), owner, _instead(stage, item, owner))


def wants_record(item: Output) -> bool:
    """Whether ``item`` names a path inside a database's storage."""
    return type(item) in (Output, Dependency) and _item_owner(item) is not None


def to_record(item: Output) -> Output:
    """Make ``item`` a :class:`StorageRecord`, in place (stages already hold it)."""
    item.__dict__.setdefault(_USE_CACHE_ATTR, item.use_cache)
    item.__class__ = StorageDependency if item.IS_DEPENDENCY else StorageOutput
    item.use_cache = False
    return item


class StorageRecord(ItemBase):
    """An entry that names a path inside a database's storage."""

    def refused(self) -> DvcDoltError:
        """Why DVC leaves this entry alone, and how to replace it by the database."""
        owner = _item_owner(self) or os.curdir
        return refusal(str(self), owner, _fix(self, owner))

    @property
    def use_scm_ignore(self) -> bool:
        # `dvc remove` must take back the .gitignore entry DVC wrote inside .dolt.
        return bool(self.is_in_repo and self.__dict__.get(_USE_CACHE_ATTR, True))

    def status(self) -> dict[str, str]:
        logger.warning("%s", self.refused())
        return super().status()

    def save(self) -> None:
        raise self.refused()

    def add(self, *args: Any, **kwargs: Any) -> None:
        raise self.refused()

    def commit(self, *args: Any, **kwargs: Any) -> None:
        raise self.refused()

    def checkout(self, *args: Any, **kwargs: Any) -> None:
        logger.warning("not checked out: %s", self.refused())

    def remove(self, ignore_remove: bool = False) -> None:
        # Deleting a file of the store would corrupt the database.
        if ignore_remove:
            self.ignore_remove()

    def unprotect(self) -> None:
        pass


def _fix(item: Any, owner: str) -> str:
    stage = item.stage
    dvcfile = getattr(getattr(stage, "dvcfile", None), "relpath", None) or "dvc.yaml"
    if getattr(stage, "is_data_source", False):
        return f"run `dvc remove {dvcfile}`, then `dvc add {owner}`"
    return f"replace '{item.def_path}' in stage '{stage.addressing}' of {dvcfile} by '{owner}'"


class StorageOutput(StorageRecord, Output):
    """An output recorded inside a database's storage."""


class StorageDependency(StorageRecord, Dependency):
    """A dependency recorded inside a database's storage."""


def storage_records(outs: Any) -> list[StorageRecord]:
    return [out for out in outs if isinstance(out, StorageRecord)]
