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
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, Optional

from dvc_data.hashfile.hash_info import HashInfo
from dvc_data.hashfile.meta import Meta

from dvc_dolt.dolt import Database, DirtyDatabaseError, DoltError, Heads, PinNotFoundError
from dvc_dolt.dolt.runner import redact

from .checkout import after_restore
from .errors import USE_FORCE, DvcDoltError
from .output import HASH_NAME, RECORDED_ONLY, DoltMixin, heads_cache_at, to_dolt
from .remotes import DoltRemoteSpec
from .sync import OVERRIDE_KEY, Target, _clone_first, _fetch_one, _sources, place_fetched
from .update_force import forced

if TYPE_CHECKING:
    from dvc.dependency.repo import RepoDependency
    from dvc.output import Output
    from dvc.repo import Repo

logger = logging.getLogger("dvc").getChild("dolt")

# What DVC names the remote it makes up for a local source without one: the
# source's own cache, which never holds a database.
AUTO_REMOTE = "auto-generated-upstream"


@dataclass(frozen=True)
class Recorded:
    """A database as one revision of a source project records it."""

    shown: str  # its path in the source project
    heads: Heads
    remote: str  # the source's DVC remote, or the database's own Dolt remote URL
    sources: tuple[tuple[DoltRemoteSpec, str], ...]  # see sync._sources

    @property
    def commit(self) -> str:
        return self.heads.commit

    @property
    def url(self) -> str:
        return self.sources[0][0].url


def _parts(path: str) -> tuple[str, ...]:
    parts = PurePosixPath(path.replace(os.sep, "/")).parts
    return tuple(p for p in parts if p not in ("", "."))


def find_database(repo: Repo, path: str) -> Optional[DoltMixin]:
    """The Dolt output of ``repo`` at ``path`` (relative to its root), if it is one.

    A path inside a database, or one that holds databases, raises: DVC would
    copy it without them.
    """
    want = _parts(path)
    holds = []
    for out in repo.index.outs:
        if not isinstance(out, DoltMixin) or not out.is_in_repo:
            continue
        key = tuple(out.index_key[1])
        if key == want:
            return out
        if key[: len(want)] == want:
            holds.append("/".join(key))
        elif want[: len(key)] == key:
            raise DvcDoltError(
                f"'{path}' is inside Dolt database '{'/'.join(key)}': import the whole database"
            )
    if holds:
        raise DvcDoltError(
            f"'{path}' holds Dolt database(s) {', '.join(sorted(holds))}: "
            "import each one on its own"
        )
    return None


def recorded_in(repo: Repo, out: DoltMixin) -> Recorded:
    """What ``repo`` records of database ``out``, and where its commit can be fetched."""
    shown = "/".join(out.index_key[1])  # type: ignore[attr-defined]
    heads = out.recorded_heads
    if heads is None:
        raise DvcDoltError(f"Dolt database '{shown}' is not recorded there: nothing to import")
    url = (out.annot.meta or {}).get(OVERRIDE_KEY)  # type: ignore[attr-defined]
    name = out.remote or repo.config["core"].get("remote")  # type: ignore[attr-defined]
    if not url and (not name or name == AUTO_REMOTE):
        raise DvcDoltError(
            f"Dolt database '{shown}' is recorded at commit {heads.commit}, but the source "
            "project has no DVC remote to fetch it from: in the source project, run "
            "`dvc remote add -d <name> <url>` and `dvc push`"
        )
    target = Target("", shown, name or "", url)
    return Recorded(shown, heads, target.where, tuple(_sources(repo, target)))


def _describe(dep: RepoDependency, rev: Optional[str]) -> str:
    where = f"'{dep.def_repo[dep.PARAM_URL]}'"
    return f"{where} at {rev}" if rev else where


@contextmanager
def _source_at(dep: RepoDependency, rev: Optional[str]) -> Iterator[tuple[Repo, str]]:
    """The DVC project that holds an import's path, as git revision ``rev`` has
    it, and the path inside that project (a subrepo's, when one holds it)."""
    fs = dep._make_fs(rev=rev)
    try:
        yield owner_of(fs, dep.def_path)
    finally:
        fs.close()


def owner_of(fs: Any, path: str) -> tuple[Repo, str]:
    """The project of DVCFileSystem ``fs`` that tracks ``path``, and ``path`` in it.

    A git repository may hold DVC projects in subdirectories (subrepos): the
    one whose directory holds ``path`` records the database, and its remote
    holds the commit.
    """
    inner = getattr(fs, "fs", fs)
    try:
        key = inner._get_key_from_relative(path)
        repo, _, subkey = inner._get_subrepo_info(key)
    except AttributeError:  # a DVC that shapes these otherwise: the root project
        return fs.repo, path
    return repo, "/".join(subkey)


_seen: dict[tuple, Recorded] = {}
_seen_lock = threading.Lock()


def recorded_for(dep: RepoDependency) -> Optional[Recorded]:
    """What the import's source records at its ``rev_lock`` (None: not a database)."""
    rev = dep.def_repo.get(dep.PARAM_REV_LOCK) or dep.def_repo.get(dep.PARAM_REV)
    # The same import is looked up once per git revision of a `dvc fetch -a`.
    key = (
        dep.def_repo[dep.PARAM_URL],
        rev,
        dep.def_path,
        repr(dep.def_repo.get(dep.PARAM_REMOTE)),
        repr(dep.def_repo.get(dep.PARAM_CONFIG)),
    )
    with _seen_lock:
        if key in _seen:
            return _seen[key]
    with _source_at(dep, rev) as (source, path):
        out = find_database(source, path)
        if out is None:
            return None
        try:
            found = recorded_in(source, out)
        except DvcDoltError as exc:
            raise DvcDoltError(f"{_describe(dep, rev)}: {exc}") from None
    with _seen_lock:
        _seen[key] = found
    return found


def import_target(out: Output, root: str) -> Optional[Target]:
    """The database an import output fetches, from its source's remote (None: files)."""
    found = recorded_for(out.stage.deps[0])  # type: ignore[union-attr]
    if found is None:
        return None
    parts = out.index_key[1]
    return Target(
        os.path.join(root, *parts), "/".join(parts), found.remote, found.url, found.sources
    )


# -- import and update: dvc.stage.imports.sync_import -------------------------


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
            f"{_describe(dep, rev)} does not record Dolt database '{dep.def_path}': in the "
            "source project, commit its record (.dvc file or dvc.lock) to git"
        )
    if no_download:
        record_only(to, found)
    else:
        bring(to, found, _describe(dep, rev), force=forced())
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
    shown = "/".join(to.index_key[1])
    db = Database(to.fs_path)
    if db.exists:
        _check_movable(to, db, found.commit, force)
    target = Target(to.fs_path, shown, found.remote, found.url, found.sources)
    cache = heads_cache_at(repo.tmp_dir)
    with _fetch_errors(found, source):
        _fetch_one(repo, target, {found.commit})
        place_fetched(repo, to.fs_path, shown)
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
            f"Dolt database '{found.shown}' of {source}: commit {exc.commit or found.commit} "
            f"is not on the source project's remote '{found.remote}' ({redact(found.url)}): "
            "run `dvc push` in the source project",
            exc,
        ) from None
    except DoltError as exc:
        raise DvcDoltError(f"Dolt database '{found.shown}' of {source}: {exc}", exc) from None


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


# -- dvc get ---------------------------------------------------------------


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
                found = recorded_in(owner, db_out)
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
        _clone_first(Database(os.path.abspath(dest)), list(found.sources), found.commit, None)
    return None
