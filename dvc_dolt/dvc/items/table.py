"""A dependency on one table of a Dolt database: ``<database dir>/<table>``.

A stage that reads only ``labels.train`` depends on ``data/labels/train``: no
file has that path (a database directory holds only ``.dolt/``), so the path
names the table. ``dvc.lock`` records ``<table hash>-<commit>.dolt-table``:
Dolt's ``dolt_hashof_table`` of the working set the stage read (schema and
rows; equal tables hash equal on any commit or branch), and the database's
HEAD commit then, for lineage. Only the table hash decides whether the
dependency changed: a commit that touches other tables, or a branch switch
that leaves the table equal, does not count.

The hashes of every table come with the database's heads, in the one dolt
process that inspects it, and the heads cache keeps them: a no-op
``dvc status`` starts no dolt process, and one that finds a database changed
starts one, however many of its tables the stages read.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Optional

from dvc.dependency.base import Dependency
from dvc_data.hashfile.hash_info import HashInfo
from dvc_data.hashfile.meta import Meta

from dvc_dolt.dolt import Database
from dvc_dolt.dolt.errors import DirtyDatabaseError, MalformedChecksumError
from dvc_dolt.dolt.heads import TableRecord, decode_table_checksum, looks_like_table_checksum
from dvc_dolt.dvc.errors import DvcDoltError
from dvc_dolt.dvc.items.describe import where_recorded
from dvc_dolt.dvc.items.heads import heads_cache
from dvc_dolt.dvc.items.reading import UnknownWhenUnreadable, reading
from dvc_dolt.dvc.layout import HASH_NAME

if TYPE_CHECKING:
    from dvc.output import Output

    from dvc_dolt.dolt import Heads
    from dvc_dolt.dolt.database import TableHashes


def database_of(fs_path: str, root: Optional[str]) -> Optional[str]:
    """The Dolt database directory that holds ``fs_path``, below ``root``; None if none."""
    path = os.path.abspath(fs_path)
    stop = os.path.abspath(root) if root else None
    parent = os.path.dirname(path)
    while parent and parent != path:
        if os.path.isdir(os.path.join(parent, ".dolt")):
            return parent
        if stop is not None and (parent == stop or not parent.startswith(stop + os.sep)):
            return None
        path, parent = parent, os.path.dirname(parent)
    return None


def wants_table(item: Output, recorded: Optional[dict] = None) -> bool:
    """Whether ``item`` is a dependency on a table (see the module doc).

    A recorded ``.dolt-table`` checksum says so even before the database
    exists; otherwise, a path that is not on disk, inside a database.
    """
    if type(item) is not Dependency:
        return False
    if looks_like_table_checksum((recorded or {}).get(HASH_NAME)) or looks_like_table_checksum(
        item.meta.checksum
    ):
        return True
    if item.protocol != "local" or os.path.lexists(item.fs_path):
        return False
    return database_of(item.fs_path, getattr(item.repo, "root_dir", None)) is not None


def promote_table(item: Output) -> Output:
    """Make the plain Dependency DVC built a :class:`DoltTableDependency`, in place."""
    item.__class__ = DoltTableDependency
    item.use_cache = False
    item.hash_name, item.hash_info = item._compute_hash_info_from_meta(item.hash_name)
    return item


class DoltTableDependency(UnknownWhenUnreadable, Dependency):
    """A table of a Dolt database that a stage reads."""

    @property
    def database_path(self) -> str:
        found = database_of(self.fs_path, getattr(self.repo, "root_dir", None))
        if found is None:
            # Recorded in dvc.lock, but the database is not here (a fresh clone).
            return os.path.dirname(os.path.abspath(self.fs_path))
        return found

    @property
    def database(self) -> Database:
        return Database(self.database_path)

    @property
    def table(self) -> str:
        return os.path.relpath(os.path.abspath(self.fs_path), self.database_path)

    @property
    def recorded(self) -> Optional[TableRecord]:
        value = self.hash_info.value if self.hash_info else None
        return decode_table_checksum(value) if value else None

    def _database_path(self) -> str:
        root = getattr(self.repo, "root_dir", None)
        path = self.database_path
        return os.path.relpath(path, root).replace(os.sep, "/") if root else path

    def _table_error(self, what: str) -> DvcDoltError:
        return DvcDoltError(f"'{self.def_path}'{where_recorded(self)}: {what}")

    # -- identity: the table's content hash ----------------------------

    def _compute_hash_info_from_meta(self, hash_name: Optional[str]) -> tuple[str, HashInfo]:
        value = self.meta.checksum
        if value is not None:
            try:
                decode_table_checksum(value)
            except MalformedChecksumError as exc:
                raise DvcDoltError(
                    f"malformed Dolt entry for '{self.def_path}'{where_recorded(self)}: {exc}", exc
                ) from None
        return HASH_NAME, HashInfo(HASH_NAME, value)

    def _compute_meta_hash_info_from_files(self) -> None:
        pass

    def inspect(self) -> tuple[Heads, list[str], TableHashes]:
        """The database's heads, dirty reasons and table hashes, through the
        heads cache."""
        db = self.database
        cache = heads_cache(self)
        with reading(self._database_path()):
            return cache.inspect_tables(db) if cache else db.inspect_tables()

    def _check_table(self, tables: TableHashes) -> str:
        """The table's hash; one error naming it when the path names no table."""
        table = self.table
        if table in tables.hashes:
            return tables.hashes[table]
        rel_path = self._database_path()
        if os.sep in table or (os.altsep and os.altsep in table):
            raise self._table_error(
                f"names neither a table nor a Dolt database: a table of Dolt database "
                f"'{rel_path}' is addressed as '{rel_path}/<table>'"
            )
        known = ", ".join(sorted(tables.hashes)) or "none"
        raise self._table_error(
            f"Dolt database '{rel_path}' has no table '{table}' (tables: {known})"
        )

    def current(self) -> TableRecord:
        heads, _, tables = self.inspect()
        return TableRecord(self._check_table(tables), heads.commit)

    def _get_hash_meta(self) -> tuple[Meta, HashInfo]:
        if not self.database.exists:
            return Meta(), HashInfo(HASH_NAME, None)
        checksum = self.current().checksum
        return Meta(checksum=checksum), HashInfo(HASH_NAME, checksum)

    @property
    def exists(self) -> bool:
        if not self.database.exists:
            return False
        _, _, tables = self.inspect()
        return self.table in tables.hashes

    def changed_checksum(self) -> bool:
        recorded = self.recorded
        if recorded is None:
            return True
        return recorded.table_hash != self.current().table_hash

    @property
    def use_scm_ignore(self) -> bool:
        return False

    # -- recording -----------------------------------------------------

    def save(self) -> None:
        db = self.database
        if not db.exists:
            raise self._table_error(
                f"Dolt database '{self._database_path()}' is not there (no .dolt directory)"
            )
        heads, reasons, tables = self.inspect()
        table_hash = self._check_table(tables)
        if self.table in tables.uncommitted:
            # The HEAD commit recorded for lineage must hold what the stage
            # read; uncommitted work on other tables does not matter.
            raise DvcDoltError(
                f"cannot record table '{self.table}' of Dolt database "
                f"'{self._database_path()}': it has uncommitted changes: "
                + "; ".join(reasons or ["commit them (`dolt add`, `dolt commit`)"]),
                DirtyDatabaseError(str(db.path), reasons),
            )
        checksum = TableRecord(table_hash, heads.commit).checksum
        self.meta = Meta(checksum=checksum)
        self.hash_info = HashInfo(HASH_NAME, checksum)
        self.obj = None
        self.files = None

    def commit(self, filter_info: Any = None, relink: bool = True) -> None:
        pass

    def remove(self, ignore_remove: bool = False) -> None:
        pass

    def unprotect(self) -> None:
        pass


def check_new_stage(stage: Any) -> None:
    """Refuse a new stage whose table dependency names no table (``dvc stage add``,
    ``dvc run``) before DVC writes anything. A database that is not there yet
    (an upstream stage makes it) is checked when the stage runs."""
    for dep in stage.deps:
        if isinstance(dep, DoltTableDependency) and dep.database.exists:
            dep._check_table(dep.inspect()[2])
