"""Dolt databases as DVC outputs and dependencies.

A Dolt item is a DVC Output/Dependency with ``cache: false`` (so DVC's cache,
data index, remotes and gc leave it alone) whose hash is the database's
three heads, ``checksum: <commit>-<staged>-<working>.dolt``.

A database that plain DVC recorded as files (an ``md5`` entry) stays DVC's own
file output: its cached files are what older git revisions check out, and gc
must keep them. ``dvc add`` converts it, explicitly.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, Optional, cast

from dvc.dependency.base import Dependency
from dvc.output import Output
from dvc_data.hashfile.hash_info import HashInfo
from dvc_data.hashfile.meta import Meta
from dvc_objects.fs.local import LocalFileSystem

from dvc_dolt.dolt import Database, MalformedChecksumError, decode_checksum, looks_like_checksum
from dvc_dolt.dvc.errors import DvcDoltError
from dvc_dolt.dvc.items import storage as storage_guard
from dvc_dolt.dvc.items.base import ItemBase
from dvc_dolt.dvc.items.describe import where_recorded
from dvc_dolt.dvc.items.heads import check_clean, heads_cache, read_heads
from dvc_dolt.dvc.items.hints import consider as consider_compacting
from dvc_dolt.dvc.items.reading import UnknownWhenUnreadable
from dvc_dolt.dvc.layout import ANNOTATION_TYPE, HASH_NAME, RECORDED_ONLY, USE_CACHE_ATTR

if TYPE_CHECKING:
    from dvc_dolt.dolt import Heads

logger = logging.getLogger(__name__)


def warm_heads(items: Iterable[Output]) -> None:
    """Ask dolt, in parallel, for the heads of the databases the heads cache
    does not know, so that DVC, which reads them one at a time, finds them there.

    Errors are left for that later read to report.
    """
    from dvc_dolt.dvc.parallel import in_parallel

    def ask(item: Output) -> None:
        with contextlib.suppress(DvcDoltError):
            read_heads(item)

    todo: dict[str, Output] = {}
    for item in items:
        cache = heads_cache(item) if isinstance(item, DoltMixin) else None
        db = Database(item.fs_path)
        if cache and item.fs_path not in todo and db.exists and cache.cached(db) is None:
            todo[item.fs_path] = item
    if len(todo) > 1:
        in_parallel(ask, list(todo.values()))


def databases_in(items: Iterable[Output]) -> Iterator[DoltMixin]:
    """The Dolt items among ``items`` that lie inside the repo."""
    for item in items:
        if isinstance(item, DoltMixin) and item.is_in_repo:
            yield item


class DoltMixin(UnknownWhenUnreadable):
    """What makes an Output or a Dependency a Dolt database."""

    @property
    def database(self) -> Database:
        return Database(self.fs_path)

    @property
    def recorded_heads(self) -> Optional[Heads]:
        value = self.hash_info.value if self.hash_info else None
        return decode_checksum(value) if value else None

    # -- identity: the three heads, never md5 --------------------------

    def _compute_hash_info_from_meta(self, hash_name: Optional[str]) -> tuple[str, HashInfo]:
        value = self.meta.checksum
        if value is None and recorded_as_files(self):
            # dvc.lock, read after dvc.yaml built this item, recorded files.
            keep_as_files(self)
            return self._compute_hash_info_from_meta(hash_name)
        if value is not None:
            try:
                decode_checksum(value)
            except MalformedChecksumError as exc:
                where = f"'{self.def_path}'{where_recorded(self)}"
                raise DvcDoltError(f"malformed Dolt entry for {where}: {exc}", exc) from None
        return HASH_NAME, HashInfo(HASH_NAME, value)

    def _compute_meta_hash_info_from_files(self) -> None:
        pass

    def _get_hash_meta(self) -> tuple[Meta, HashInfo]:
        if not self.database.exists:
            return Meta(), HashInfo(HASH_NAME, None)
        checksum = read_heads(self).checksum
        return Meta(isdir=True, checksum=checksum), HashInfo(HASH_NAME, checksum)

    @property
    def use_scm_ignore(self) -> bool:
        # DVC ties .gitignore to the cache; a database is uncached yet must
        # never be committed to git.
        return bool(self.is_in_repo) and not self.IS_DEPENDENCY

    # -- recording -----------------------------------------------------

    def save(self) -> None:
        if self.__dict__.get(RECORDED_ONLY):
            return  # `import --no-download`: what the source records, not what is here
        if not self.exists:
            raise self.DoesNotExistError(self)
        db = self.database
        if not db.exists:
            raise DvcDoltError(f"'{self}' is not a Dolt database (no .dolt directory)")
        # Checked before anything is written, .gitignore included.
        heads = check_clean(self)
        if not self.IS_DEPENDENCY:
            self.ignore()
        self.meta = Meta(isdir=True, checksum=heads.checksum)
        self.hash_info = HashInfo(HASH_NAME, heads.checksum)
        self.obj = None
        self.files = None
        consider_compacting(self)

    def clear(self) -> None:
        # `dvc update --no-download` clears what the workspace held; a record
        # taken from the source is not that.
        if not self.__dict__.get(RECORDED_ONLY):
            super().clear()

    def _refuse_inside(self, path: Optional[str], command: str) -> None:
        """Refuse ``dvc <command>`` of a path inside the database: only the whole is data."""
        if not path or os.path.abspath(path) == os.path.abspath(self.fs_path):
            return
        rel_path = os.path.relpath(os.path.abspath(path))
        owner = storage_guard.owner_of(self.repo, path)
        if owner is not None:
            raise storage_guard.refusal(rel_path, owner, f"run `dvc {command} {self}`")
        raise DvcDoltError(
            f"cannot {command} '{rel_path}': it is inside Dolt database '{self}'; "
            f"run `dvc {command} {self}`"
        )

    def add(self, path: Optional[str] = None, no_commit: bool = False, relink: bool = True) -> None:
        self._refuse_inside(path, "add")
        self.save()

    def commit(self, filter_info: Any = None, relink: bool = True) -> None:
        self._refuse_inside(filter_info, "commit")
        if not self.exists:
            raise self.DoesNotExistError(self)

    def remove(self, ignore_remove: bool = False) -> None:
        # DVC deletes outputs before re-running a stage and on `remove --outs`;
        # a database holds history that no cache can bring back, so it stays.
        logger.debug("keeping Dolt database '%s' (never deleted by DVC)", self)
        if ignore_remove:
            self.ignore_remove()

    def unprotect(self) -> None:
        pass

    def checkout(
        self, force: bool = False, *args: Any, **kwargs: Any
    ) -> Optional[tuple[bool, bool]]:
        """Restore the recorded commit; DVC's (added, modified) or None."""
        from dvc_dolt.dvc.items.restore import restore_item

        return (False, True) if restore_item(self, force=force) else None

    def transfer(self, *args: Any, **kwargs: Any) -> None:
        raise DvcDoltError(
            f"'{self}' is a Dolt database: `dvc add --to-remote/--out` cannot copy it; "
            "use `dolt clone`, then `dvc add`"
        )


class DoltOutput(DoltMixin, Output):
    """A Dolt database written by a stage or added with ``dvc add``."""


class DoltDependency(DoltMixin, Dependency):
    """A Dolt database a stage reads."""


def is_dolt_item(item: Output) -> bool:
    """A Dolt database, recorded by its heads or as files (no run cache for either)."""
    return isinstance(item, (DoltMixin, FilesMixin))


class FilesMixin(ItemBase):
    """A Dolt database that plain DVC recorded as files (``md5: ….dir``).

    DVC's own file output in every respect, so status, gc and checkout of
    older revisions work as before dvc-dolt was installed, until the user
    re-records it by its heads: ``dvc add``, or any save once the entry says
    ``type: dolt`` (pipeline outputs). A dependency caches nothing, so any
    save re-records it by its heads.
    """

    def add(self, *args: Any, **kwargs: Any) -> Any:
        return self._convert().add(*args, **kwargs)

    def save(self) -> None:
        if self._marked or self.IS_DEPENDENCY:
            self._convert().save()
        else:
            super().save()

    def commit(self, *args: Any, **kwargs: Any) -> Any:
        # `dvc commit` of an unchanged stage commits without saving first.
        if self._marked:
            converted = self._convert()
            converted.save()
            return converted.commit(*args, **kwargs)
        return super().commit(*args, **kwargs)

    @property
    def _marked(self) -> bool:
        return self.annot.type == ANNOTATION_TYPE

    def _convert(self) -> DoltMixin:
        if not self.IS_DEPENDENCY:
            logger.info("Dolt database '%s': recorded by its heads from now on", self)
        # The md5 entry goes; the cached files it names stay until `dvc gc`.
        self.meta = Meta()
        self.files = None
        return to_dolt(self)


class FilesOutput(FilesMixin, Output):
    """A Dolt database tracked as files by an ``md5`` entry."""


class FilesDependency(FilesMixin, Dependency):
    """A Dolt database a stage read, recorded as files by an ``md5`` entry."""


def _has_dolt_dir(item: Output) -> bool:
    return (
        item.protocol == "local"
        and isinstance(item.fs, LocalFileSystem)
        and os.path.isdir(os.path.join(item.fs_path, ".dolt"))
    )


def recorded_as_files(item: Output, recorded: Optional[dict] = None) -> bool:
    """Whether the entry recorded for ``item`` is plain DVC's md5 of its files."""
    if recorded is not None:
        return bool(recorded.get("md5"))
    return bool(getattr(item.meta, "md5", None))


def wants_dolt(item: Output, recorded: Optional[dict] = None) -> bool:
    """Whether dvc-dolt takes ``item`` over (see :func:`promote`).

    The recorded entry decides: a ``...dolt`` checksum means a database, even
    before the directory exists (fresh clones, git revisions); an ``md5``
    entry means files (a database recorded as files when ``type: dolt`` marks
    it or ``.dolt/`` is there). With nothing recorded, a ``type: dolt``
    annotation or a ``.dolt/`` directory on disk means a database.
    ``recorded`` is the dvc.lock entry.
    """
    if type(item) not in (Output, Dependency):
        return False  # params, repo, db and dataset dependencies stay as they are
    if storage_guard.wants_record(item):
        return True  # a path inside a database's .dolt folder (see promote)
    if looks_like_checksum((recorded or {}).get(HASH_NAME)) or looks_like_checksum(
        item.meta.checksum
    ):
        return True
    if recorded is not None and recorded_as_files(item, recorded):
        return False  # DVC's own fill_from_lock reads it as plain DVC does
    return item.annot.type == ANNOTATION_TYPE or _has_dolt_dir(item)


def promote(item: Output) -> Output:
    """Turn a plain Output/Dependency built by DVC into its Dolt kind, in place.

    In place because stages already hold the object; the classes add no
    state of their own (only DVC's use_cache is remembered, for
    keep_as_files). An item recorded as files becomes a FilesOutput or
    FilesDependency instead.
    """
    if is_dolt_item(item) or isinstance(item, storage_guard.StorageRecord):
        return item
    if storage_guard.wants_record(item):
        return storage_guard.to_record(item)
    if recorded_as_files(item):
        return keep_as_files(item)
    return to_dolt(item)


def to_dolt(item: Output) -> DoltMixin:
    item.__dict__.setdefault(USE_CACHE_ATTR, item.use_cache)
    item.__class__ = DoltDependency if item.IS_DEPENDENCY else DoltOutput
    item.use_cache = False
    item.hash_name, item.hash_info = item._compute_hash_info_from_meta(item.hash_name)
    return cast("DoltMixin", item)  # its class is now DoltOutput or DoltDependency


def keep_as_files(item: Output) -> Output:
    """Make ``item`` DVC's own file output again, remembering how to convert it."""
    item.__class__ = FilesDependency if item.IS_DEPENDENCY else FilesOutput
    item.use_cache = item.__dict__.pop(USE_CACHE_ATTR, item.use_cache)
    if not item.IS_DEPENDENCY and _has_dolt_dir(item):
        _hint_once(item)
    return item


_hinted: set[str] = set()


def _hint_once(item: Output) -> None:
    # Outputs are built again for every index, revision and stage collection
    # of a command: one line per database and process is enough.
    if item.fs_path in _hinted:
        return
    _hinted.add(item.fs_path)
    stage = item.stage
    if stage is None or stage.is_data_source:
        how = f"`dvc add {item}` records it by its heads"
    elif item.annot.type == ANNOTATION_TYPE:
        how = f"`dvc commit {stage.addressing}` records it by its heads"
    else:
        how = (
            "to record it by its heads, mark it `type: dolt` in dvc.yaml and run "
            f"`dvc commit {stage.addressing}`"
        )
    logger.warning(
        "'%s' is a Dolt database tracked as files (md5)%s; DVC keeps handling it as "
        "files: %s (its cached files stay until `dvc gc`).",
        item,
        where_recorded(item),
        how,
    )
