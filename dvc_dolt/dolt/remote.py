"""Moving commits between a database and a Dolt remote, by pins.

A commit is fetchable from a Dolt remote only when a branch or tag there
reaches it. dvc-dolt pushes every commit it records as the remote branch
``dvc/pin/<commit>``: named by its commit, it never has to move, so it is
never force-pushed and two writers of the same pin agree.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any, Callable, NamedTuple, Optional
from urllib.parse import unquote, urlsplit

from . import runner
from .database import Database, pin_branch, process_exists
from .errors import (
    DoltCommandError,
    DoltError,
    DoltRemoteError,
    PinNotFoundError,
    UnknownCommitError,
)
from .git_remote import is_git_url
from .heads import check_hash
from .runner import NETWORK_TIMEOUT, _timeout, redact
from .state import EntryFile, HeadsCache, enabled, remotes_key, state_key

# Dolt reads the password for ``--user`` from here, never from its argv.
PASSWORD_ENV = "DOLT_REMOTE_PASSWORD"


class CloneExistsError(DoltError):
    """The destination of a clone exists (another process may have just made it)."""


class Source(NamedTuple):
    """A remote of a database, and what reaching it takes."""

    remote: str
    env: Mapping[str, str] = {}
    user: Optional[str] = None


# Not urlsplit: it refuses dolt's aws://[table:bucket]/path URLs.
_USERINFO_RE = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/?#@]*)@")


def split_credentials(url: str) -> tuple[str, Optional[str], Optional[str]]:
    """``scheme://user:pass@host/...`` -> (``scheme://host/...``, user, password).

    Dolt authenticates to remotesapi servers with ``--user`` and the password
    in :data:`PASSWORD_ENV`: credentials in the URL would be stored in the
    database's config and shown on dolt's argv.
    """
    match = _USERINFO_RE.match(url)
    if not match or (is_git_url(url) and ":" not in match["userinfo"]):
        # git reaches git+ssh://git@host/… as that user: part of the place.
        return url, None, None
    user, has_password, password = match["userinfo"].partition(":")
    clean = match["scheme"] + url[match.end() :]
    return clean, unquote(user) or None, unquote(password) if has_password else None


def credentials_env(password: Optional[str]) -> dict[str, str]:
    return {PASSWORD_ENV: password} if password is not None else {}


def _user_args(user: Optional[str]) -> list[str]:
    return ["--user", user] if user else []


def remote_settings(db: Database) -> dict[str, tuple[str, dict[str, str]]]:
    """Remote name -> (URL, params) as dolt stores them (params: ``dolt remote add`` flags)."""
    rows = db.sql("select name as name, url as url, params as params from dolt_remotes")[0]
    return {row["name"]: (row["url"], _params_of(row.get("params"))) for row in rows}


Settings = dict[str, tuple[str, dict[str, str]]]


class RemotesCache(EntryFile):
    """:func:`remote_settings` of each database, behind :func:`.state.remotes_key`.

    A push would otherwise pay a dolt process to learn that the
    remote it added last time is still there.
    """

    def settings(self, db: Database) -> Settings:
        if not enabled():
            return remote_settings(db)
        key = remotes_key(db.path)
        entry = self._get(db, key)
        if entry is not None:
            return {name: (url, dict(params)) for name, (url, params) in entry["remotes"].items()}
        # Dolt's own list saves the first push of a database a process; the
        # query answers when a release lays the file out otherwise.
        known = _listed_settings(db)
        if known is None:
            known = remote_settings(db)
        if key and remotes_key(db.path) == key:
            self._put(db, {"key": key, "remotes": known})
        return known

    def changed(self, db: Database, known: Settings) -> None:
        """``known`` is what dvc-dolt itself just made the remotes.

        Kept only when dolt's own file lists exactly those remotes: a change
        another process made meanwhile must not be papered over.
        """
        key = remotes_key(db.path)
        if key and enabled() and _listed_settings(db) == _normal(known):
            self._put(db, {"key": key, "remotes": known})
        else:
            self.forget(db)


def _listed_settings(db: Database) -> Optional[Settings]:
    """:func:`remote_settings` as ``.dolt/repo_state.json`` lists them (Dolt 1.x,
    2.x), without a dolt process; None when the file is not laid out that way."""
    try:
        with open(os.path.join(db.path, ".dolt", "repo_state.json"), encoding="utf-8") as fobj:
            listed = json.load(fobj)["remotes"]
        return {
            str(name): (_url_of(spec["url"]), _params_of(spec.get("params")))
            for name, spec in listed.items()
        }
    except (OSError, ValueError, AttributeError, KeyError, TypeError):
        return None


def _url_of(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"a remote URL is a string, not {value!r}")
    return value


def _normal(settings: Settings) -> Settings:
    return {name: (url, dict(params)) for name, (url, params) in settings.items()}


def remotes(db: Database) -> dict[str, str]:
    """Remote name -> URL."""
    return {name: url for name, (url, _) in remote_settings(db).items()}


def _params_of(value: Any) -> dict[str, str]:
    if isinstance(value, str):
        value = json.loads(value) if value.strip() else {}
    return {str(k): str(v) for k, v in (value or {}).items()}


# Flags dolt stores under another name.
_STORED_AS = {"ref": "git_ref"}


def params_dict(params: Sequence[str]) -> dict[str, str]:
    """``("--aws-region", "x", ...)`` -> ``{"aws-region": "x", ...}``, as dolt stores them."""
    flags = list(params)
    if len(flags) % 2 or not all(f.startswith("--") for f in flags[::2]):
        raise ValueError(f"remote params must be --flag value pairs, not {flags!r}")
    return {
        _STORED_AS.get(flag[2:], flag[2:]): value for flag, value in zip(flags[::2], flags[1::2])
    }


def ensure_remote(
    db: Database,
    name: str,
    url: str,
    params: Sequence[str] = (),
    known: Optional[Mapping[str, tuple[str, Mapping[str, str]]]] = None,
) -> bool:
    """Point remote ``name`` at ``url`` with ``params``; True when something changed.

    ``params`` are ``dolt remote add`` flags (e.g. ``--aws-region``); a remote
    whose URL or params differ is replaced. ``known`` is :func:`remote_settings`,
    when the caller has just read it. Credentials in ``url`` are dropped: pass
    them to each transfer (``user``, and the password in :data:`PASSWORD_ENV`).
    """
    url = split_credentials(url)[0]
    current = (remote_settings(db) if known is None else known).get(name)
    if (
        current is not None
        and _same_url(current[0], url)
        and dict(current[1]) == params_dict(params)
    ):
        return False
    if current is not None:
        # dolt has no `remote set-url`.
        db.run(["remote", "remove", name])
    db.run(["remote", "add", *params, name, url])
    return True


def _named(known: Settings, url: str, params: Sequence[str]) -> Optional[str]:
    """The remote in ``known`` at ``url`` (and, for a git remote, at the same ref)."""
    ref = params_dict(params).get("git_ref")
    for name, (current, now) in known.items():
        # A git repository holds a database per ref: the same URL with another
        # ref is another remote database.
        if _same_url(current, url) and now.get("git_ref") == ref:
            return name
    return None


def has_remote(
    db: Database, url: str, params: Sequence[str] = (), cache: Optional[RemotesCache] = None
) -> bool:
    """Whether ``db`` has a remote at ``url`` already (with ``cache``: no dolt process
    while its remotes are as last seen)."""
    known = cache.settings(db) if cache else remote_settings(db)
    return _named(known, split_credentials(url)[0], params) is not None


def remote_named_for(
    db: Database,
    url: str,
    preferred: str,
    params: Sequence[str] = (),
    cache: Optional[RemotesCache] = None,
) -> str:
    """The name of a remote of ``db`` at ``url``: an existing one, or ``preferred``.

    An existing remote at ``url`` whose params differ is given the new params.
    With ``cache``, a database whose remotes are as last seen costs no dolt process.
    """
    url = split_credentials(url)[0]
    known = cache.settings(db) if cache else remote_settings(db)
    wanted = params_dict(params)
    name = _named(known, url, params) or preferred
    try:
        changed = ensure_remote(db, name, url, params, known)
    except DoltError:
        if cache:
            cache.forget(db)
        raise
    if changed and cache:
        cache.changed(db, {**known, name: (url, wanted)})
    return name


def _same_url(a: str, b: str) -> bool:
    return a.rstrip("/") == b.rstrip("/")


def _network_timeout() -> float:
    return _timeout(NETWORK_TIMEOUT)


def push_pins(
    db: Database,
    remote: str,
    commits: Iterable[str],
    env: Optional[Mapping[str, str]] = None,
    user: Optional[str] = None,
) -> list[str]:
    """Push each commit to ``remote`` as its pin branch, in one dolt process.

    Returns the commits whose pin was new on the remote; pins already there
    are left alone (they never move, so they are never forced).
    """
    commits = sorted({check_hash(c, "commit") for c in commits})
    if not commits:
        return []
    try:
        out = db.run(
            [
                "push",
                *_user_args(user),
                remote,
                *(f"{c}:refs/heads/{pin_branch(c)}" for c in commits),
            ],
            timeout=_network_timeout(),
            env=env,
            error_class=DoltRemoteError,
            context=f"push of Dolt database '{db.path}' to remote '{remote}'",
            # The remote-tracking refs of pins would change the database's files.
            aside=True,
        )
    except DoltRemoteError:
        # Asked only now: the common push should not pay a process for it.
        missing = db.missing_commits(commits)
        if missing:
            raise UnknownCommitError(
                f"Dolt database '{db.path}' does not hold commit(s) {', '.join(missing)}; "
                "they cannot be pushed from here"
            ) from None
        raise
    return [c for c in commits if f"-> {pin_branch(c)}" in out]


def push_pin(
    db: Database,
    remote: str,
    commit: str,
    env: Optional[Mapping[str, str]] = None,
    user: Optional[str] = None,
) -> bool:
    """Push one commit's pin; True when it was new on the remote."""
    return bool(push_pins(db, remote, [commit], env, user))


def fetch_pins(
    db: Database,
    remote: str,
    commits: Iterable[str],
    env: Optional[Mapping[str, str]] = None,
    user: Optional[str] = None,
) -> list[str]:
    """Bring the commits into ``db`` from ``remote``; returns those that were missing.

    Only chunks and remote-tracking refs change: never the working set or
    the current branch.
    """
    return fetch_from(db, [Source(remote, env or {}, user)], commits)


def forget_pins(db: Database, remote: str, commits: Iterable[str]) -> bool:
    """Delete ``db``'s remote-tracking refs of the pins of ``commits`` on ``remote``.

    Such a ref keeps its commit from `dolt gc` for as long as it exists; once
    a branch of ``db`` holds the commit, it is the branch that decides. One
    dolt process; False (and every other ref deleted) when one was not there.
    """
    names = [f"{remote}/{pin_branch(check_hash(c, 'commit'))}" for c in sorted(set(commits))]
    if not names:
        return True
    try:
        db.run(["branch", "-d", "-r", *names])
    except DoltError:
        return False
    return True


def fetch_from(
    db: Database,
    sources: Sequence[Source | Callable[[], Source]],
    commits: Iterable[str],
) -> list[str]:
    """Bring each commit ``db`` lacks from the first of ``sources`` that holds its pin.

    A source may be a function that makes it (e.g. adds the remote): it is
    called only when an earlier source lacks a commit. Returns the commits
    that were missing. A commit no source holds raises
    :class:`PinNotFoundError`, naming the first source.
    """
    wanted = db.missing_commits(commits)
    if not wanted:
        return []
    made: dict[int, Source] = {}

    def source(i: int) -> Source:
        if i not in made:
            given = sources[i]
            made[i] = given if isinstance(given, Source) else given()
        return made[i]

    for commit in wanted:
        # One process per pin: dolt fails a multi-ref fetch as a whole, and
        # we must say which commit is missing. A mistyped file:// remote is
        # created empty and "succeeds", hence the second check.
        for i in range(len(sources)):
            if _fetch_pin_ref(db, source(i), commit) and db.has_commit(commit):
                break
        else:
            first = source(0).remote
            raise _pin_missing(db.path, commit, first, remotes(db).get(first, first))
    return wanted


def _fetch_pin_ref(db: Database, source: Source, commit: str) -> bool:
    """Fetch ``commit``'s pin; False when the remote has no such pin."""
    try:
        db.run(
            ["fetch", *_user_args(source.user), source.remote, pin_branch(commit)],
            timeout=_network_timeout(),
            env=source.env,
            error_class=DoltRemoteError,
            context=f"fetch of commit {commit} into Dolt database '{db.path}'",
        )
    except DoltRemoteError as exc:
        # A remote database that does not exist holds no pin either.
        if _means_missing_ref(exc) or _means_missing_database(exc):
            return False
        raise
    return True


def fetch_pin(
    db: Database,
    remote: str,
    commit: str,
    env: Optional[Mapping[str, str]] = None,
    user: Optional[str] = None,
) -> None:
    """Bring ``commit`` into ``db`` from ``remote``; the working set is untouched."""
    fetch_pins(db, remote, [commit], env, user)


# Clones are made beside their destination in ".<name>.dvc-dolt-clone-<pid>-*".
_CLONE_MARK = ".dvc-dolt-clone-"


def clone_at(
    url: str,
    path: str | os.PathLike[str],
    commit: str,
    *,
    branch: str = "main",
    remote: str = "origin",
    params: Sequence[str] = (),
    env: Optional[Mapping[str, str]] = None,
    user: Optional[str] = None,
    cache: Optional[HeadsCache] = None,
) -> Database:
    """Clone only ``commit``'s pin from ``url`` into the missing ``path``.

    The clone ends on ``branch`` at ``commit`` with ``remote`` pointing at
    ``url``, so plain ``dolt pull``/``dolt push`` work inside it. Raises
    :class:`CloneExistsError` when ``path`` exists, or appears meanwhile: of
    two processes cloning to one place, one wins and the other is told so.
    Credentials in ``url`` go to dolt as ``--user`` and :data:`PASSWORD_ENV`.
    The clone's heads go into ``cache``, so the next look at it starts no dolt.
    """
    check_hash(commit, "commit")
    url, url_user, password = split_credentials(url)
    user = user or url_user
    env = {**(env or {}), **credentials_env(password)}
    dest = Path(path)
    if dest.exists():
        raise CloneExistsError(f"cannot clone into '{dest}': it already exists")
    dest.parent.mkdir(parents=True, exist_ok=True)
    # Clone beside the destination and rename: an interrupted clone (even
    # kill -9) never leaves a half-made database where the next run looks.
    prefix = f".{dest.name}{_CLONE_MARK}"
    remove_stale_clones(dest.parent, prefix)
    # dolt run outside a database probes its temp files by creating and
    # removing ./.dolt/tmp, so two clones sharing a working directory race
    # ("failed to create temp dir"): each clone gets a directory of its own,
    # named by its process so that no other process takes it for stale.
    scratch = Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=dest.parent))
    work = scratch / "db"
    pin = pin_branch(commit)
    try:
        runner.run(
            [
                "clone",
                "--single-branch",
                "--remote",
                remote,
                "-b",
                pin,
                *params,
                *_user_args(user),
                url,
                str(work),
            ],
            scratch,
            timeout=_network_timeout(),
            env=env,
            error_class=DoltRemoteError,
            context=f"clone of commit {commit} into '{dest}'",
        )
        # The pin stays on the remote only; a local branch of it would make
        # `dolt push` from it look meaningful.
        heads = Database(work).rename_branch(pin, branch)
        if heads.commit != commit:  # pragma: no cover - a pin never moves
            raise DoltError(f"pin {pin} on '{redact(url)}' does not hold commit {commit}")
        # Read while no other process can know of the clone.
        key = state_key(work) if cache else None
        try:
            os.rename(work, dest)
        except OSError:
            if dest.exists():
                raise CloneExistsError(
                    f"cannot clone into '{dest}': another process made it meanwhile"
                ) from None
            raise
        if cache and key:
            cache.file(Database(dest), key, heads, [])  # a fresh clone is clean
    except DoltRemoteError as exc:
        if _means_missing_ref(exc) or _means_missing_database(exc):
            raise _pin_missing(dest, commit, remote, url, exc) from exc
        raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return Database(dest)


def remove_stale_clones(parent: Path, prefix: str) -> list[Path]:
    """Remove the clone directories under ``parent`` left by processes that died.

    A clone still in flight, in this process or another, is never touched;
    nor is a name without a process id (made by an older dvc-dolt), as its
    owner cannot be told apart from a live one.
    """
    removed = []
    for candidate in parent.glob(glob.escape(prefix) + "*"):
        pid, sep, _ = candidate.name[len(prefix) :].partition("-")
        if sep and pid.isdigit() and not process_exists(int(pid)):
            shutil.rmtree(candidate, ignore_errors=True)
            removed.append(candidate)
    return removed


def missing_pins(
    db: Database,
    remote: str,
    commits: Iterable[str],
    env: Optional[Mapping[str, str]] = None,
    user: Optional[str] = None,
    first_only: bool = False,
) -> list[str]:
    """Those of ``commits`` whose pin ``remote`` lacks (``first_only``: the first
    one at most), asked from ``db``: nothing reaches its chunks (a git remote's
    data reaches its git remote cache). Unreachable remotes raise."""
    return _missing_pins(db.run, Source(remote, env or {}, user), commits, first_only)


def has_pins(
    db: Database,
    remote: str,
    commits: Iterable[str],
    env: Optional[Mapping[str, str]] = None,
    user: Optional[str] = None,
) -> bool:
    """Whether ``remote`` holds the pins of all ``commits``, without fetching them."""
    return not missing_pins(db, remote, commits, env, user, first_only=True)


def has_pin(db: Database, remote: str, commit: str) -> bool:
    """Whether ``remote`` holds the pin of ``commit``."""
    return has_pins(db, remote, [commit])


class _EmptyRemote(Exception):
    """The remote holds no branch at all."""


def _missing_pins(
    run: Callable[..., Any],
    source: Source,
    commits: Iterable[str],
    first_only: bool = False,
    tell_empty: bool = False,
) -> list[str]:
    """The commits whose pin the remote lacks, asked with ``dolt fetch`` by ``run``
    (``Database.run``, or dolt in the probe's database). With ``tell_empty``, a
    remote with no branch at all raises :class:`_EmptyRemote`.

    Dolt cannot list a remote's branches, and a fetch that finds its refs
    downloads their data. But dolt checks every ref of a fetch before it
    moves any data, and names the first one missing: a last ref that no
    remote has makes every fetch fail before any transfer, and says whether
    the pins before it are all there. One process, plus one per missing pin
    (none after the first with ``first_only``).
    """
    left = sorted({check_hash(c, "commit") for c in commits})
    absent = f"dvc/probe/{uuid.uuid4().hex}"
    missing: list[str] = []
    while left:
        pins = [pin_branch(c) for c in left]
        try:
            run(
                ["fetch", *_user_args(source.user), source.remote, *pins, absent],
                timeout=_network_timeout(),
                env=source.env,
                error_class=DoltRemoteError,
                context=f"looking for {len(pins)} commit(s) on remote '{source.remote}'",
            )
        except DoltRemoteError as exc:
            if not _means_missing_ref(exc):
                raise
            named = [c for c, pin in zip(left, pins) if f"'{pin}'" in exc.message]
            if not named:  # the probe ref, or an empty remote ("no branches found")
                if f"'{absent}'" in exc.message:
                    break
                if tell_empty and "no branches found" in exc.message.lower():
                    raise _EmptyRemote from None
                return missing + left
            missing += named
            if first_only:
                break
            left = [c for c in left if c not in named]
            continue
        raise DoltError(  # pragma: no cover - no remote has the probe ref
            f"remote '{source.remote}' unexpectedly has branch {absent}"
        )
    return missing


def holds_history(
    db: Database,
    remote: str,
    roots: Iterable[str],
    env: Optional[Mapping[str, str]] = None,
    user: Optional[str] = None,
) -> Optional[bool]:
    """Whether ``remote`` holds the pin of one of ``roots`` (the first commits of
    a history); None when it holds no branch at all. One dolt process, plus one
    per root after the first when it lacks the first."""
    roots = sorted({check_hash(c, "commit") for c in roots})
    source = Source(remote, env or {}, user)
    try:
        missing = _missing_pins(db.run, source, roots, first_only=len(roots) == 1, tell_empty=True)
    except _EmptyRemote:
        return None
    return len(missing) < len(roots)


class PinProbe:
    """Asks remotes which pins they hold, from a throwaway empty database.

    Nothing is downloaded, and nothing is written where the project lives:
    ``dvc status -c`` uses it. A context manager; the database is made at the
    first question and removed on exit.
    """

    def __init__(self) -> None:
        self._dir: Optional[Path] = None
        self._remotes: dict[tuple[str, tuple[str, ...]], str] = {}

    def __enter__(self) -> PinProbe:
        return self

    def _made(self) -> Path:
        if self._dir is None:
            made = Path(tempfile.mkdtemp(prefix="dvc-dolt-probe-"))
            try:
                # Its own name and email: the user's dolt config may have none.
                runner.run(
                    ["init", "-b", "main", "--name", "dvc-dolt", "--email", "dvc-dolt@localhost"],
                    made,
                )
            except BaseException:
                shutil.rmtree(made, ignore_errors=True)
                raise
            self._dir = made
        return self._dir

    def __exit__(self, *exc_info: Any) -> None:
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def missing(
        self,
        url: str,
        commits: Iterable[str],
        *,
        params: Sequence[str] = (),
        env: Optional[Mapping[str, str]] = None,
        user: Optional[str] = None,
    ) -> list[str]:
        """Those of ``commits`` whose pin the Dolt remote at ``url`` lacks."""
        commits = sorted(set(commits))
        url, url_user, password = split_credentials(url)
        if url.startswith("file://") and not os.path.isdir(unquote(urlsplit(url).path)):
            # dolt would create it as an empty remote: a probe must not write.
            return commits
        where = self._made()
        key = (url, tuple(params))
        name = self._remotes.get(key)
        if name is None:
            name = self._remotes[key] = f"r{len(self._remotes)}"
            runner.run(["remote", "add", *params, name, url], where)
        source = Source(name, {**(env or {}), **credentials_env(password)}, user or url_user)
        try:
            return _missing_pins(partial(runner.run, cwd=where), source, commits)
        except DoltRemoteError as exc:
            if _means_missing_database(exc):
                return commits
            raise

    def holds(self, url: str, commits: Iterable[str], **kwargs: Any) -> bool:
        """Whether the Dolt remote at ``url`` holds the pins of all ``commits``."""
        return not self.missing(url, commits, **kwargs)


def _means_missing_ref(exc: DoltCommandError) -> bool:
    text = exc.message.lower()
    return any(
        words in text for words in ("invalid ref spec", "branch not found", "no branches found")
    )


def _means_missing_database(exc: DoltCommandError) -> bool:
    """No database at the remote URL: a remotesapi server (DoltHub, sql-server)
    does not know it, or a clone found nothing there."""
    text = exc.message.lower()
    return "database not found" in text or "contains no dolt data" in text


def _pin_missing(
    path: str | os.PathLike[str],
    commit: str,
    remote: str,
    url: str,
    cause: Optional[DoltCommandError] = None,
) -> PinNotFoundError:
    where = redact(url)
    if cause is not None and _means_missing_database(cause):
        where += ": no such database there"
    error = PinNotFoundError(
        f"commit {commit} of Dolt database '{path}' is not on remote '{remote}' "
        f"({where}): was it pushed?",
        cause.exec_args if cause else [],
        cause.returncode if cause else None,
        reason=f"commit {commit} is not on the remote ({where})",
    )
    error.commit = commit
    return error
