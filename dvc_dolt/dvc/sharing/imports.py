"""``dvc import``, ``dvc get`` and ``dvc update`` of a Dolt database another project tracks.

DVC imports a path by copying what the source project recorded at a git
revision (``rev_lock``). What a source records of a database is a commit,
pushed as a pin to the source project's DVC remote, never files: so an import
is a Dolt clone of that commit from there, and the imported database is a
normal database (not in DVC's cache) recorded by its heads. ``dvc update``
fetches the newer recorded commit into it and moves it there; a database that
is no longer the commit its import recorded is refused unless ``--force``,
and a commit it leaves is kept on a ``dvc/kept/<hash>`` branch.

Like DVC's own imports, an imported database is never pushed by the importing
project: ``dvc pull`` fetches it from the source project's remote (see
:func:`import_target`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Optional

from dvc_data.hashfile.hash_info import HashInfo
from dvc_data.hashfile.meta import Meta

from dvc_dolt.dolt import Database, DirtyDatabaseError, DoltError, PinNotFoundError
from dvc_dolt.dolt.runner import redact
from dvc_dolt.dvc.errors import USE_FORCE, DvcDoltError
from dvc_dolt.dvc.items.database import DoltMixin, to_dolt
from dvc_dolt.dvc.items.describe import rel_path_of
from dvc_dolt.dvc.items.heads import heads_cache_at
from dvc_dolt.dvc.items.restore import after_restore
from dvc_dolt.dvc.layout import HASH_NAME, RECORDED_ONLY
from dvc_dolt.dvc.project.staging import place_fetched
from dvc_dolt.dvc.project.tracked import find_database
from dvc_dolt.dvc.sharing.fetch import clone_first, fetch_one
from dvc_dolt.dvc.sharing.recorded import describe_source, owner_of, recorded_for, recorded_in
from dvc_dolt.dvc.sharing.routes import Route
from dvc_dolt.dvc.sharing.update_force import forced

if TYPE_CHECKING:
    from dvc.dependency.repo import RepoDependency
    from dvc.output import Output

    from dvc_dolt.dvc.sharing.recorded import Recorded

logger = logging.getLogger(__name__)


def _is_database_import(dep: RepoDependency, to: Output) -> bool:
    from dvc.fs import LocalFileSystem

    if not isinstance(to.fs, LocalFileSystem):
        return False
    if isinstance(to, DoltMixin):
        return True
    # The source as DVC opened it (for a local source without --rev, its
    # workspace): the cheap look, before the source is opened at rev_lock.
    return find_database(*owner_of(dep.fs, dep.def_path)) is not None


def sync_import_with(
    sync_import,
    stage: Any,
    dry: bool = False,
    force: bool = False,
    jobs: Optional[int] = None,
    no_download: bool = False,
) -> None:
    """DVC's import of a path, or, for a database, a clone of the commit its
    source records at ``rev_lock`` (``dvc import``, ``dvc update``)."""

    def dvc_sync() -> None:
        sync_import(stage, dry=dry, force=force, jobs=jobs, no_download=no_download)

    if dry or not stage.is_repo_import:
        return dvc_sync()
    dep, to = stage.deps[0], stage.outs[0]
    if not _is_database_import(dep, to):
        return dvc_sync()
    if not no_download and not force and stage.already_cached():
        return dvc_sync()  # DVC checks the output out: the recorded commit
    logger.info("Importing '%s' -> '%s'", dep, to)
    stage.save_deps()
    if no_download:
        dep.update()  # the source's current revision, as DVC does
    rev = dep.def_repo.get(dep.PARAM_REV_LOCK)
    found = recorded_for(dep)
    if found is None:
        raise DvcDoltError(
            f"{describe_source(dep, rev)} does not record Dolt database '{dep.def_path}': in the "
            "source project, commit its record (.dvc file or dvc.lock) to git"
        )
    if no_download:
        record_only(to, found)
    else:
        bring(to, found, describe_source(dep, rev), force=forced())
    return None


def record_only(to: Output, found: Recorded) -> None:
    """``--no-download``: record the source's commit; `dvc pull` clones it later.

    A database already there stays as it is, like DVC's files; `dvc update`
    (without ``--no-download``) or `dvc pull` moves it.
    """
    to.meta = Meta(isdir=True, checksum=found.heads.checksum)
    if not isinstance(to, DoltMixin):
        to_dolt(to)
    to.hash_info = HashInfo(HASH_NAME, found.heads.checksum)
    to.__dict__[RECORDED_ONLY] = True


def bring(to: Output, found: Recorded, source: str, force: bool = False) -> None:
    """Make ``to`` a database at ``found``'s commit: cloned, or fetched and moved to."""
    repo = to.repo
    assert repo is not None  # the output of an import stage: its stage's repo
    rel_path = rel_path_of(to)
    db = Database(to.fs_path)
    if db.exists:
        _check_movable(to, db, found.commit, force)
    route = Route(to.fs_path, rel_path, found.remote, found.url, found.sources)
    cache = heads_cache_at(repo.tmp_dir)
    with _fetch_errors(found, source):
        fetch_one(repo, route, {found.commit})
        place_fetched(repo, to.fs_path, rel_path)
        known = cache.cached(db)
        if known is not None and known.commit == found.commit and known.is_clean:
            return  # a fresh clone of the commit
        result = db.restore(found.commit, force=force)
    after_restore(cache, db, to, result)


@contextmanager
def _fetch_errors(found: Recorded, source: str) -> Iterator[None]:
    """Dolt errors of fetching ``found`` as one line that names the source."""
    try:
        yield
    except PinNotFoundError as exc:
        raise DvcDoltError(
            f"Dolt database '{found.rel_path}' of {source}: commit {exc.commit or found.commit} "
            f"is not on the source project's remote '{found.remote}' ({redact(found.url)}): "
            "run `dvc push` in the source project",
            exc,
        ) from None
    except DoltError as exc:
        raise DvcDoltError(f"Dolt database '{found.rel_path}' of {source}: {exc}", exc) from None


def _check_movable(to: Output, db: Database, commit: str, force: bool) -> None:
    """Refuse to move an imported database that is neither what its import recorded
    nor already ``commit``."""
    if force:
        return
    heads, reasons = db.inspect()
    how = (
        "`dvc update --force` moves it to the source's commit (a commit it leaves is "
        "kept on a dvc/kept/ branch)"
    )
    if reasons:
        raise DvcDoltError(
            f"Dolt database '{to}' has uncommitted work ({'; '.join(reasons)}): "
            f"commit or discard it; {how}, discarding the work. {USE_FORCE}",
            DirtyDatabaseError(str(db.path), reasons),
        )
    recorded = to.recorded_heads if isinstance(to, DoltMixin) else None
    if heads.commit == commit or (recorded and heads.commit == recorded.commit):
        return
    if recorded is None:
        # `dvc import --force` onto a database: DVC would overwrite files.
        raise DvcDoltError(
            f"'{to}' is a Dolt database this import did not make (at commit "
            f"{heads.commit}): move it away, then import"
        )
    raise DvcDoltError(
        f"Dolt database '{to}' is at commit {heads.commit} (branch '{heads.branch}'), "
        f"not the imported commit {recorded.commit}: {how}. {USE_FORCE}"
    )


def get_with(
    get,
    url: str,
    path: str,
    out: Optional[str] = None,
    rev: Optional[str] = None,
    jobs: Optional[int] = None,
    force: bool = False,
    config: Any = None,
    remote: Optional[str] = None,
    remote_config: Optional[dict] = None,
) -> Any:
    """DVC's ``get``, or, for a database, a plain clone of the commit the source records."""
    from dvc.config import Config
    from dvc.dvcfile import is_valid_filename
    from dvc.repo import Repo
    from dvc.utils import resolve_output

    def dvc_get() -> Any:
        return get(
            url,
            path,
            out=out,
            rev=rev,
            jobs=jobs,
            force=force,
            config=config,
            remote=remote,
            remote_config=remote_config,
        )

    # DVC's own checks first, so its errors come as they always did.
    dest = resolve_output(path, out, force=force)
    if os.path.isabs(path) or is_valid_filename(dest):
        return dvc_get()
    loaded = Config.load_file(config) if config and not isinstance(config, dict) else config
    with Repo.open(
        url=url,
        rev=rev,
        subrepos=True,
        uninitialized=True,
        config=loaded,
        remote=remote,
        remote_config=remote_config,
    ) as repo:
        source = f"'{url}' at {rev}" if rev else f"'{url}'"
        owner, inner = owner_of(repo.dvcfs, path)
        db_out = find_database(owner, inner)
        if db_out is None:
            found = None
        else:
            try:
                found = recorded_in(owner, db_out, opened_from=url)
            except DvcDoltError as exc:
                raise DvcDoltError(f"{source}: {exc}") from None
    if found is None:
        return dvc_get()
    if os.path.lexists(dest):
        raise DvcDoltError(f"cannot clone Dolt database '{path}' into '{dest}': it exists")
    if Database(os.path.dirname(os.path.abspath(dest))).exists:
        raise DvcDoltError(
            f"cannot clone Dolt database '{path}' into '{dest}': it would be inside "
            f"Dolt database '{os.path.dirname(dest)}'"
        )
    with _fetch_errors(found, source):
        clone_first(Database(os.path.abspath(dest)), list(found.sources), found.commit, None)
    return None
