"""Real git servers on 127.0.0.1 for the tests of Dolt's git remotes
(``git+http://``, ``git+ssh://``): git's smart HTTP protocol through
``git http-backend``, and OpenSSH's sshd. Both serve every bare repository under
a root directory, for fetch and push, with no authentication to set up in the
tests (ssh: a throwaway key the server's ``env`` hands to git and dolt).

Run as a script (``python git_servers.py ROOT PORT``) this module is the HTTP
front of :class:`GitHttpServer`: a CGI gateway to ``git http-backend`` on the
standard library alone, in a process of its own.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shlex
import shutil
import subprocess
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from helpers import free_port, wait_for_port

SSHD_ENV = "DVC_DOLT_SSHD"


def _started(name: str, port: int, proc: subprocess.Popen, log: Path) -> None:
    """Until ``proc`` listens on ``port``; its log in the error if it never does."""
    try:
        wait_for_port(port, proc)
    except RuntimeError as exc:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        text = log.read_text(errors="replace") if log.exists() else ""
        raise RuntimeError(f"{name} did not serve port {port} ({exc}); its log:\n{text}") from exc


def _stop(proc: subprocess.Popen | None) -> None:
    if proc and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# -- git smart HTTP --------------------------------------------------------------


class GitHttpServer:
    """Every bare repository under ``root`` at ``http://127.0.0.1:PORT/<name>``,
    through ``git http-backend`` (CGI) with fetch and push enabled. The front is
    this module run as a script, a threaded stdlib HTTP server in a process of its
    own: git pushes bodies in chunked transfer encoding, gzips large fetch
    requests, and several pushes may run at once. It logs each request's method,
    path, status and body encoding to ``log``."""

    def __init__(self, root: Path, log: Path | None = None) -> None:
        self.root = root
        self.port = free_port()
        self.log = log or root.parent / f"{root.name}-http.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, __file__, str(self.root), str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        _started("the git HTTP server", self.port, self.proc, self.log)

    def stop(self) -> None:
        _stop(self.proc)

    def url_for(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"


class _CgiFront(ThreadingHTTPServer):
    daemon_threads = True
    # The default 5 would refuse connections of concurrent pushes.
    request_queue_size = 128

    def __init__(self, port: int, root: str, backend: str) -> None:
        super().__init__(("127.0.0.1", port), _GitHttpBackend)
        self.root = root
        self.backend = backend


class _GitHttpBackend(BaseHTTPRequestHandler):
    """One request: its body to ``git http-backend``'s stdin, decoded from chunked
    transfer encoding (a gzip content encoding is the backend's to undo, told by
    ``HTTP_CONTENT_ENCODING``), the backend's output back as it comes."""

    protocol_version = "HTTP/1.1"
    server: _CgiFront

    def do_GET(self) -> None:
        self._cgi()

    def do_POST(self) -> None:
        self._cgi()

    def _cgi(self) -> None:
        path, _, query = self.path.partition("?")
        chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
        length = 0 if chunked else int(self.headers.get("Content-Length") or 0)
        env = {
            **os.environ,
            "GATEWAY_INTERFACE": "CGI/1.1",
            "SERVER_SOFTWARE": self.version_string(),
            "SERVER_PROTOCOL": self.request_version,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": str(self.server.server_address[1]),
            "REQUEST_METHOD": self.command,
            "PATH_INFO": urllib.parse.unquote(path),
            "QUERY_STRING": query,
            "REMOTE_ADDR": self.client_address[0],
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "GIT_PROJECT_ROOT": self.server.root,
            "GIT_HTTP_EXPORT_ALL": "1",
            # Pushes: without it the backend takes them only from an
            # authenticated REMOTE_USER.
            "GIT_CONFIG_COUNT": "1",
            "GIT_CONFIG_KEY_0": "http.receivepack",
            "GIT_CONFIG_VALUE_0": "true",
        }
        for name, value in self.headers.items():
            env["HTTP_" + name.upper().replace("-", "_")] = value
        if not chunked:
            # A chunked body has no length: without one the backend reads to EOF.
            env["CONTENT_LENGTH"] = str(length)
        encodings = [
            f"{name}={self.headers[name]}"
            for name in ("Transfer-Encoding", "Content-Encoding")
            if name in self.headers
        ]
        if encodings:
            # Logged before the response, which a test may then look for.
            self.log_message("%s %s %s", self.command, path, " ".join(encodings))
        proc = subprocess.Popen(
            [self.server.backend], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        assert proc.stdin
        assert proc.stdout
        # The body goes in while the output comes out: neither pipe may fill up
        # while the other waits.
        feeder = threading.Thread(target=self._feed, args=(proc.stdin, chunked, length))
        feeder.start()
        try:
            self._relay(proc.stdout)
        finally:
            feeder.join()
            proc.stdout.close()
            proc.wait()
        if proc.returncode:
            self.log_message(
                "%s %s: git http-backend exited %d", self.command, path, proc.returncode
            )

    def _feed(self, sink, chunked: bool, length: int) -> None:
        """The request body to ``sink``; all of it read, even if the backend quits."""
        alive = [True]

        def copy(size: int) -> None:
            while size > 0:
                data = self.rfile.read(min(size, 65536))
                if not data:
                    raise ConnectionError("request body cut short")
                size -= len(data)
                if alive[0]:
                    try:
                        sink.write(data)
                    except BrokenPipeError:
                        alive[0] = False

        try:
            if not chunked:
                copy(length)
                return
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return
                copy(size)
                self.rfile.readline()  # the CRLF after each chunk
        except (OSError, ValueError):
            self.close_connection = True
        finally:
            with contextlib.suppress(BrokenPipeError):
                sink.close()

    def _relay(self, out) -> None:
        """The CGI response: its ``Status`` header as the status line, the other
        headers as they are, the body streamed (chunked without a length)."""
        code, reason, headers = 200, "OK", []
        for raw in iter(out.readline, b""):
            line = raw.decode("latin-1").rstrip("\r\n")
            if not line:
                break
            name, _, value = line.partition(":")
            if name.strip().lower() == "status":
                status, _, reason = value.strip().partition(" ")
                code = int(status)
            else:
                headers.append((name.strip(), value.strip()))
        else:
            code, reason, headers = 502, "Bad Gateway", [("Content-Length", "0")]
        self.send_response(code, reason or None)
        sized = any(name.lower() == "content-length" for name, _ in headers)
        for name, value in headers:
            self.send_header(name, value)
        if not sized:
            self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        while data := out.read1(65536):
            self.wfile.write(data if sized else b"%x\r\n%s\r\n" % (len(data), data))
        if not sized:
            self.wfile.write(b"0\r\n\r\n")


def _serve_http(root: str, port: str) -> None:
    exec_path = subprocess.run(
        ["git", "--exec-path"], capture_output=True, text=True, check=True
    ).stdout.strip()
    backend = os.path.join(exec_path, "git-http-backend")
    if not os.access(backend, os.X_OK):
        sys.exit(f"no git-http-backend at {backend}")
    with _CgiFront(int(port), root, backend) as server:
        server.serve_forever()


# -- ssh -------------------------------------------------------------------------


def find_sshd() -> str | None:
    """OpenSSH's sshd (``$DVC_DOLT_SSHD`` first); None when not installed
    (scripts/install-sshd installs it)."""
    for candidate in (
        os.environ.get(SSHD_ENV),
        "/usr/sbin/sshd",
        "/usr/local/sbin/sshd",
        shutil.which("sshd"),
    ):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def _openssh_version(sshd: str) -> tuple[int, int]:
    proc = subprocess.run([sshd, "-V"], capture_output=True, text=True, check=False)
    found = re.search(r"OpenSSH_(\d+)\.(\d+)", proc.stdout + proc.stderr)
    return (int(found[1]), int(found[2])) if found else (0, 0)


class GitSshServer:
    """Every bare repository under ``root`` at ``ssh://<user>@127.0.0.1:PORT<root>/<name>``:
    a real OpenSSH sshd (``sshd -D -e``) bound to 127.0.0.1 that lets in the user
    running the tests (root too) with a throwaway key; host key, client key,
    configs and logs all in ``tmp``. As a non-root user sshd can log in only that
    user, which is the one the URLs name.

    ``env`` is what git and dolt need to reach it: ``GIT_SSH_COMMAND`` (ssh with
    the key, the port and no host key checks), and ``PATH`` with ``<tmp>/bin``
    first, where an ``ssh`` wrapper runs the real ssh with ``-F <tmp>/ssh_config``
    (the same settings). Dolt 2.3.1 passes ``GIT_SSH_COMMAND`` on to git, so
    either is enough there. Dolt 1.83.2 (like the releases around it, 1.82.1 to
    1.86.3) overwrites ``GIT_SSH_COMMAND`` with ``ssh -o BatchMode=yes`` in its
    own environment, which also beats ``core.sshCommand`` and ``GIT_SSH``: only
    the wrapper works there (``GIT_SSH_COMMAND`` alone: "Host key verification
    failed"), because git runs that command through the shell, which finds
    ``ssh`` on PATH. A ``HOME`` with ``.ssh/config`` would not do: ssh takes
    ``~`` from the password database, never from ``$HOME``. With ``-F`` ssh
    reads neither ``~/.ssh/config`` nor the system's config, and with its own
    key and ``/dev/null`` for known hosts nothing else of ``~/.ssh`` either."""

    def __init__(self, root: Path, tmp: Path, sshd: str | None = None) -> None:
        self.root = root
        self.tmp = tmp
        self.sshd = sshd or find_sshd()
        self.port = free_port()
        self.user = pwd.getpwuid(os.getuid()).pw_name
        self.key = tmp / "client_ed25519"
        self.config = tmp / "ssh_config"
        self.bin = tmp / "bin"
        self.log = tmp / "sshd.log"
        self.proc: subprocess.Popen | None = None
        ssh = shutil.which("ssh")
        if ssh is None:
            raise RuntimeError("the ssh tests need OpenSSH's ssh client on PATH")
        # The real ssh by its path: the wrapper on PATH would add a second -F.
        self.ssh_command = shlex.join([
            ssh, "-F", str(self.config), "-i", str(self.key), "-p", str(self.port),
            "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR",
        ])  # fmt: skip
        self._ssh = ssh

    def start(self) -> None:
        if self.sshd is None:
            raise RuntimeError("no sshd: run scripts/install-sshd")
        self.tmp.mkdir(parents=True, exist_ok=True)
        host_key = self.tmp / "host_ed25519"
        for key in (host_key, self.key):
            if not key.exists():
                subprocess.run(
                    ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "dvc-dolt tests",
                     "-f", str(key)],
                    check=True, capture_output=True, stdin=subprocess.DEVNULL,
                )  # fmt: skip
        authorized = self.tmp / "authorized_keys"
        authorized.write_text(self.key.with_suffix(".pub").read_text())
        sshd_config = self.tmp / "sshd_config"
        lines = [
            f"ListenAddress 127.0.0.1:{self.port}",
            f'HostKey "{host_key}"',
            f'PidFile "{self.tmp / "sshd.pid"}"',
            f'AuthorizedKeysFile "{authorized}"',
            "AuthenticationMethods publickey",
            "PubkeyAuthentication yes",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "UsePAM no",
            "StrictModes no",
            "PermitRootLogin prohibit-password",
            f"AllowUsers {self.user}",
            "UseDNS no",
            # Concurrent pushes: more connections at once than the default 10.
            "MaxStartups 200",
            "MaxSessions 100",
            "LogLevel INFO",
        ]
        if _openssh_version(self.sshd) >= (9, 8):
            # Else failed logins would get 127.0.0.1 refused for a while.
            lines.append("PerSourcePenalties no")
        sshd_config.write_text("\n".join(lines) + "\n")
        self.config.write_text(
            "Host 127.0.0.1\n"
            f"  Port {self.port}\n"
            f"  User {self.user}\n"
            f'  IdentityFile "{self.key}"\n'
            "  IdentitiesOnly yes\n"
            "  StrictHostKeyChecking no\n"
            "  UserKnownHostsFile /dev/null\n"
            "  GlobalKnownHostsFile /dev/null\n"
            "  BatchMode yes\n"
            "  LogLevel ERROR\n"
        )
        self.bin.mkdir(exist_ok=True)
        wrapper = self.bin / "ssh"
        wrapper.write_text(
            f'#!/bin/sh\nexec {shlex.quote(self._ssh)} -F {shlex.quote(str(self.config))} "$@"\n'
        )
        wrapper.chmod(0o755)
        if os.geteuid() == 0:
            # sshd started as root insists on its privilege separation directory.
            Path("/run/sshd").mkdir(mode=0o755, parents=True, exist_ok=True)
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [self.sshd, "-D", "-e", "-f", str(sshd_config)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        _started("sshd", self.port, self.proc, self.log)

    def stop(self) -> None:
        _stop(self.proc)

    @property
    def env(self) -> dict[str, str]:
        """The variables git and dolt need to reach the server (see the class)."""
        return {
            "GIT_SSH_COMMAND": self.ssh_command,
            "PATH": f"{self.bin}{os.pathsep}{os.environ.get('PATH', os.defpath)}",
        }

    def url_for(self, name: str) -> str:
        return f"ssh://{self.user}@127.0.0.1:{self.port}{self.root}/{name}"


# -- for the tests -----------------------------------------------------------------

REQUIRE_SSHD = "DVC_DOLT_REQUIRE_SSHD"


def serve(request, transport: str) -> GitHttpServer | GitSshServer:
    """The server for ``transport`` (fixture ``http_server`` or ``ssh_server``),
    with what git and dolt need to reach it (ssh: the key and the ``ssh``
    wrapper on PATH) set in the test's environment, which every `dvc` and
    `git` it runs inherits. Called from the test itself: no sshd is then a
    skip of the test (a failure where ``$DVC_DOLT_REQUIRE_SSHD=1``), not an
    error of a fixture. ``DOLT_REMOTE_INFO_BRANCH`` stays unset: dvc-dolt
    turns Dolt 2.x's info branch off itself."""
    import pytest

    if transport == "ssh" and find_sshd() is None:
        reason = "the git+ssh tests need OpenSSH's sshd: run scripts/install-sshd"
        if os.environ.get(REQUIRE_SSHD) == "1":
            pytest.fail(f"{reason} (${REQUIRE_SSHD}=1)")
        pytest.skip(reason)
    server = request.getfixturevalue(f"{transport}_server")
    monkeypatch = request.getfixturevalue("monkeypatch")
    for key, value in getattr(server, "env", {}).items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("DOLT_REMOTE_INFO_BRANCH", raising=False)
    return server


if __name__ == "__main__":
    _serve_http(*sys.argv[1:])
