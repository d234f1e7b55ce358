"""Run the ``dolt`` executable: argv lists, a time limit, no metrics traffic,
and failures mapped to :mod:`.errors` with dolt's own words.

Reads never hold the database's lock (:mod:`.readonly`): a user's dolt
command started meanwhile can still write. Commands that find another dolt
process holding the database wait for it, briefly.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import IO, Any, NamedTuple, Optional

from . import readonly
from .binary import find_dolt
from .errors import DoltCommandError, DoltTimeoutError
from .trace import announce

logger = logging.getLogger(__name__)

ENV_TIMEOUT = "DVC_DOLT_TIMEOUT"
# Local commands answer in well under a second; the limit only stops a hang.
# Network commands move whole databases, so they get an hour.
LOCAL_TIMEOUT = 600.0
NETWORK_TIMEOUT = 3600.0
# Seconds a write of ours waits for another dolt process to let go of the database.
ENV_BUSY_WAIT = "DVC_DOLT_BUSY_WAIT"
BUSY_WAIT = 5.0
_FIRST_PAUSE = 0.1
# What dolt says when another process holds the database's lock: it opened the
# database read-only, so nothing was written (go/store/nbs: errReadOnlyManifest,
# ErrDatabaseLocked, tryFileLock).
_BUSY_RE = re.compile(
    r"database is read only|locked by another dolt process|timed out reading database manifest",
    re.IGNORECASE,
)
# A view's links can go stale when another dolt's gc replaces files: new views, then none.
_VIEW_TRIES = 3

_USERINFO_RE = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s'\"]+@")
# Query parameters that carry secrets: ?token=..., &access_token=..., &sig=...
_QUERY_SECRET_RE = re.compile(
    r"(?P<name>[?&][^=&#\s'\"]*(?:token|password|passwd|secret|signature|sig|key|auth|credential)"
    r"[^=&#\s'\"]*=)[^&#\s'\"]+",
    re.IGNORECASE,
)
_SECRET_ARG_RE = re.compile(r"(password|secret|token|creds?)", re.IGNORECASE)
_SPINNER = set("-\\|/ ")


def redact(text: str) -> str:
    """Hide credentials embedded in URLs: ``scheme://user:pass@host`` and
    secret query parameters (``?token=...``)."""
    return _QUERY_SECRET_RE.sub(r"\g<name>***", _USERINFO_RE.sub(r"\g<scheme>***@", text))


def redact_argv(args: Sequence[str]) -> list[str]:
    out: list[str] = []
    hide_next = False
    for arg in args:
        if hide_next:
            out.append("***")
            hide_next = False
            continue
        if arg.startswith("--") and _SECRET_ARG_RE.search(arg):
            if "=" in arg:
                out.append(arg.split("=", 1)[0] + "=***")
            else:
                out.append(arg)
                hide_next = True
            continue
        out.append(redact(arg))
    return out


# Dolt animates "- Fetching..." with backspaces and cursor escapes; the error
# that follows can be glued to the last frame on the same line.
_PROGRESS_RE = re.compile(r"[-\\|/] [A-Z][a-z]+\.\.\.")
_ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_ERROR_WORDS = re.compile(
    r"^(error|fatal|failed|panic)|could not|cannot|unable|invalid|not found|no such|denied|refused",
    re.IGNORECASE,
)
_PREFIXES = ("error: ", "Error: ", "fatal: ", "Error 1105 (HY000): ")


def _text_lines(text: str) -> list[str]:
    text = _ANSI_RE.sub("", _PROGRESS_RE.sub("", text)).replace("\b", "")
    lines = []
    for line in re.split(r"[\r\n]+", text):
        line = line.strip()
        if line and not set(line) <= _SPINNER:
            lines.append(line)
    return lines


def first_meaningful_line(stderr: str, stdout: str = "") -> str:
    """The line of dolt's output that says what went wrong.

    Dolt writes some errors to stdout and usage text after others, so the
    first line that reads like an error wins, from stderr then stdout.
    """
    err_lines, out_lines = _text_lines(stderr), _text_lines(stdout)
    for line in err_lines + out_lines:
        if _ERROR_WORDS.search(line):
            return _strip_prefix(line)
    lines = err_lines or out_lines
    return _strip_prefix(lines[0]) if lines else ""


def _strip_prefix(line: str) -> str:
    for prefix in _PREFIXES:
        if line.startswith(prefix):
            line = line[len(prefix) :]
    return redact(line.strip())


def dolt_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    # Without this dolt forks `dolt send-metrics` to the internet after most commands.
    env["DOLT_DISABLE_EVENT_FLUSH"] = "1"
    if extra:
        env.update(extra)
    return env


def _timeout(default: float) -> float:
    value = os.environ.get(ENV_TIMEOUT)
    try:
        return float(value) if value else default
    except ValueError:
        return default


def _timed_out(shown: list[str], context: str, limit: float) -> DoltTimeoutError:
    prefix = f"{context}: " if context else ""
    # The subcommand only: a query of several statements would fill the screen.
    return DoltTimeoutError(
        f"{prefix}'{' '.join(shown[:2])}' did not finish within {limit:g}s "
        f"(raise ${ENV_TIMEOUT} to allow longer)",
        shown,
        None,
    )


def _check_exit(
    shown: list[str],
    context: str,
    started: float,
    returncode: int,
    stdout: str,
    stderr: str,
    error_class: type[DoltCommandError],
) -> None:
    """Log how dolt ended; ``error_class`` with dolt's own words if it failed."""
    elapsed = time.monotonic() - started
    logger.debug("%s: exit %d in %.3fs", " ".join(shown[:2]), returncode, elapsed)
    if returncode == 0:
        return
    prefix = f"{context}: " if context else ""
    reason = first_meaningful_line(stderr, stdout) or f"exit code {returncode}"
    raise error_class(
        f"{prefix}'{' '.join(shown[:2])}' failed: {reason}",
        shown,
        returncode,
        redact(stdout),
        redact(stderr),
        reason,
    )


class _Call(NamedTuple):
    """One dolt command to start, maybe more than once."""

    argv: list[str]
    shown: list[str]
    cwd: str | os.PathLike[str] | None
    env: dict[str, str]
    limit: float
    context: str
    stdout: IO[bytes] | None
    # Where in ``stdout`` dolt's output starts: a second try writes there again.
    stdout_at: Optional[int]


def run(
    args: Sequence[str],
    cwd: str | os.PathLike[str] | None = None,
    *,
    timeout: float | None = None,
    env: Mapping[str, str] | None = None,
    error_class: type[DoltCommandError] = DoltCommandError,
    context: str = "",
    stdout: IO[bytes] | None = None,
    aside: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run ``dolt <args>`` and return the finished process.

    Raises ``error_class`` (a DoltCommandError) when dolt exits non-zero, with
    ``context`` (e.g. the database path) and dolt's own message. With
    ``stdout``, dolt's output goes to that binary file (e.g. ``-r parquet``)
    and the returned process has ``stdout == ""``.

    A read (:func:`.readonly.is_read`) runs in a read-only view of the
    database, so that it never holds the lock a user's next dolt command
    needs. A command that finds the database held by another dolt process
    is run again for up to ``$DVC_DOLT_BUSY_WAIT`` seconds (5), then fails
    with a line that says so.

    With ``aside``, the command runs in a view that copies the files it could
    write (:func:`.readonly.view`), where one can be made: a push sends what
    the database holds, and the remote-tracking refs it records locally go
    with the view. The database's files stay as they were, and so does
    everything filed under their state key.
    """
    dolt = find_dolt()
    limit = timeout if timeout is not None else _timeout(LOCAL_TIMEOUT)
    call = _Call(
        [dolt.path, *args],
        redact_argv(["dolt", *args]),
        cwd,
        dolt_env(env),
        limit,
        context,
        stdout,
        _position(stdout),
    )
    started = time.monotonic()
    proc = _run_in_view(call, aside) if aside or readonly.is_read(args) else None
    if proc is None:
        proc = _run_waiting(call, error_class)
    _check_exit(
        call.shown, context, started, proc.returncode, proc.stdout, proc.stderr, error_class
    )
    return proc


def _position(stdout: IO[bytes] | None) -> Optional[int]:
    """Where dolt's output will start in ``stdout``; None for no file or a pipe."""
    try:
        return stdout.tell() if stdout is not None else None
    except (OSError, ValueError):
        return None


def _spawn(call: _Call, where: str | os.PathLike[str] | None) -> subprocess.CompletedProcess[str]:
    """Start dolt once, in ``where``, and wait for it; a time-out raises."""
    announce(call.shown, call.cwd)
    started = time.monotonic()
    if where != call.cwd:
        logger.debug("running in a view: %s", where)
    if call.stdout is not None and call.stdout_at is not None:
        # A second try must not follow the first one's output.
        call.stdout.seek(call.stdout_at)
        call.stdout.truncate()
    try:
        proc = subprocess.run(  # noqa: S603 - argv list, no shell
            call.argv,
            cwd=where,
            env=call.env,
            stdout=call.stdout if call.stdout is not None else subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            stdin=subprocess.DEVNULL,
            timeout=call.limit,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        logger.debug("%s: no answer within %gs", " ".join(call.shown[:2]), call.limit)
        raise _timed_out(call.shown, call.context, call.limit) from exc
    if proc.returncode == 0 and call.cwd is not None:
        _note_time(call.cwd, time.monotonic() - started)
    if call.stdout is not None:
        proc.stdout = ""
    return proc


# The fastest dolt process this Python process ran in each database (by real
# path): what opening the database costs at least (see :func:`fastest_run`).
_fastest: dict[str, float] = {}


def _note_time(cwd: str | os.PathLike[str], seconds: float) -> None:
    key = os.path.realpath(cwd)
    _fastest[key] = min(seconds, _fastest.get(key, math.inf))


def fastest_run(db_path: str | os.PathLike[str]) -> Optional[float]:
    """Seconds the quickest successful dolt process in ``db_path`` took so far
    in this Python process; None when none ran there.

    Every dolt process loads its database's chunk journal before it does
    anything, so the quickest one tells what that costs (``.journal``).
    """
    return _fastest.get(os.path.realpath(db_path))


def _run_in_view(call: _Call, aside: bool) -> Optional[subprocess.CompletedProcess[str]]:
    """The command run in a view of the database; None when it must run in place."""
    for _ in range(_VIEW_TRIES):
        with readonly.view(call.cwd, copy_only=aside) as view:
            if view is None:
                return None
            proc = _spawn(call, view.path)
            if proc.returncode == 0:
                return proc
            said = proc.stderr + proc.stdout
            if not view.went_stale(said):
                # A write after all fails read-only: run it where it can write.
                return None if _BUSY_RE.search(said) else proc
        logger.debug("the view went stale (another dolt's gc?); trying a new one")
    return None


def _busy_wait() -> float:
    value = os.environ.get(ENV_BUSY_WAIT)
    try:
        return max(0.0, float(value)) if value else BUSY_WAIT
    except ValueError:
        return BUSY_WAIT


def _run_waiting(
    call: _Call, error_class: type[DoltCommandError]
) -> subprocess.CompletedProcess[str]:
    """Run dolt in place; while another dolt process holds the database, again
    after a pause (doubling), until ``$DVC_DOLT_BUSY_WAIT`` runs out."""
    key = os.path.realpath(call.cwd) if call.cwd is not None else ""
    deadline = None
    pause = _FIRST_PAUSE
    while True:
        proc = _spawn(call, call.cwd)
        if proc.returncode == 0 or not _BUSY_RE.search(proc.stderr + proc.stdout):
            _gave_up.pop(key, None)
            return proc
        now = time.monotonic()
        if deadline is None:
            deadline = now + _busy_wait()
            if now - _gave_up.get(key, -math.inf) < _busy_wait():
                # This command waited for the database already (a restore that
                # falls back to a second try): wait once per command, not per try.
                deadline = now
        if now >= deadline:
            _gave_up[key] = now
            raise _busy(call, proc, error_class)
        logger.debug("%s: the database is busy, again in %.1fs", " ".join(call.shown[:2]), pause)
        time.sleep(min(pause, deadline - now))
        pause *= 2


# When a command last gave up waiting for each database (by real path).
_gave_up: dict[str, float] = {}


def _busy(
    call: _Call, proc: subprocess.CompletedProcess[str], error_class: type[DoltCommandError]
) -> DoltCommandError:
    """The one line for a database another dolt process would not let go of."""
    prefix = f"{call.context}: " if call.context else ""
    said = first_meaningful_line(proc.stderr, proc.stdout)
    waited = _busy_wait()
    return error_class(
        f"{prefix}another dolt process is using the database: '{' '.join(call.shown[:2])}'"
        f" could not write to it within {waited:g}s; run the command again when that process"
        f" has finished (dolt: {said})",
        call.shown,
        proc.returncode,
        redact(proc.stdout),
        redact(proc.stderr),
        said,
    )


@contextmanager
def stream(
    args: Sequence[str],
    cwd: str | os.PathLike[str] | None = None,
    *,
    timeout: float | None = None,
    error_class: type[DoltCommandError] = DoltCommandError,
    context: str = "",
) -> Iterator[IO[bytes]]:
    """Run ``dolt <args>`` and yield its stdout, a binary pipe, to read while dolt writes.

    Reading overlaps dolt's own work: rows parsed as they come cost no time
    after dolt ends. On leaving, dolt is waited for and its failure raised as
    by :func:`run` (rows read from a dolt that failed are never the answer).
    An exception while reading kills dolt and propagates. After ``timeout``
    seconds dolt is killed and DoltTimeoutError raised. A read runs in a
    read-only view of the database, as by :func:`run` (without its retries:
    rows once handed out cannot be taken back).
    """
    dolt = find_dolt()
    shown = redact_argv(["dolt", *args])
    limit = timeout if timeout is not None else _timeout(LOCAL_TIMEOUT)
    announce(shown, cwd)
    started = time.monotonic()
    # stderr goes to a file: a pipe nobody reads could fill and stall dolt.
    with tempfile.TemporaryFile() as stderr, _view_for(args, cwd) as where:
        proc = subprocess.Popen(  # noqa: S603 - argv list, no shell
            [dolt.path, *args],
            cwd=where,
            env=dolt_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
        )
        assert proc.stdout is not None
        expired = threading.Event()

        def expire() -> None:
            expired.set()
            proc.kill()

        timer = threading.Timer(limit, expire)
        timer.start()
        try:
            try:
                yield proc.stdout
                # Whatever the reader left: dolt must not block on a full pipe.
                while proc.stdout.read(1 << 16):
                    pass
            except BaseException:
                proc.kill()
                raise
            finally:
                proc.stdout.close()
                proc.wait()
        finally:
            timer.cancel()
        stderr.seek(0)
        errors = stderr.read().decode("utf-8", "replace")
    if expired.is_set():
        raise _timed_out(shown, context, limit)
    _check_exit(shown, context, started, proc.returncode, "", errors, error_class)


@contextmanager
def _view_for(
    args: Sequence[str], cwd: str | os.PathLike[str] | None
) -> Iterator[str | os.PathLike[str] | None]:
    """Where to run ``dolt <args>``: a read-only view for a read, else ``cwd``."""
    if not readonly.is_read(args):
        yield cwd
        return
    with readonly.view(cwd) as view:
        yield view.path if view is not None else cwd


def parse_json_documents(stdout: str) -> list[list[dict[str, Any]]]:
    """Rows of each statement from ``dolt sql -r json``.

    Dolt prints one JSON document per statement, ``{}`` for zero rows, and
    omits NULL columns from a row.
    """
    results = []
    for line in stdout.splitlines():
        line = line.strip()
        if not line:
            continue
        doc = json.loads(line)
        results.append(doc.get("rows", []))
    return results


def sql(
    query: str,
    cwd: str | os.PathLike[str],
    *,
    context: str = "",
    timeout: float | None = None,
    global_args: Sequence[str] = (),
) -> list[list[dict[str, Any]]]:
    """Run one or more ``;``-separated statements; rows per statement.

    ``global_args`` go before ``sql``, e.g. ``("--branch", name)``.
    """
    try:
        proc = run(
            [*global_args, "sql", *find_dolt().sql_options, "-r", "json", "-q", query],
            cwd,
            context=context,
            timeout=timeout,
        )
    except DoltCommandError as exc:
        exc.message = _drop_query_echo(exc.message, query)
        exc.reason = _drop_query_echo(exc.reason, query)
        raise
    return parse_json_documents(proc.stdout)


def _drop_query_echo(message: str, query: str) -> str:
    """'... error on line 1 for query <stmt>: why' -> '... why'."""
    for statement in query.split(";"):
        marker = f" for query {statement.strip()}: "
        if statement.strip() and marker in message:
            head, _, why = message.partition(marker)
            return re.sub(r"error on line \d+$", "", head) + why
    return message


def quote_identifier(name: str) -> str:
    """A MySQL identifier, back-quoted."""
    return "`" + name.replace("`", "``") + "`"


def quote_string(value: str) -> str:
    """A MySQL string literal."""
    escaped = value.replace("\\", "\\\\").replace("'", "''")
    return f"'{escaped}'"
