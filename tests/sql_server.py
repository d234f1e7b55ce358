"""A real ``dolt sql-server`` running in a database directory, as teams keep one.

While it runs, dolt's CLI in that directory sends its commands to the server
instead of opening the files itself.
"""

from __future__ import annotations

import json
import subprocess

from helpers import dolt, free_port, wait_for_port

from dvc_dolt.dolt import Database, find_dolt
from dvc_dolt.dolt.runner import dolt_env


class SqlServer:
    """``dolt sql-server -H 127.0.0.1 -P <free port>`` started in ``db``'s directory."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.port = free_port()
        self.log = db.path.parent / f"{db.path.name}-sql-server.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> SqlServer:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [find_dolt().path, "sql-server", "-H", "127.0.0.1", "-P", str(self.port)],
                cwd=self.db.path,
                env=dolt_env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        wait_for_port(self.port, self.proc)
        # The CLI finds the server through this file; without it, it would
        # open the database itself and the test would prove nothing.
        assert (self.db.path / ".dolt" / "sql-server.info").is_file()
        assert self.serves_cli()
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def serves_cli(self) -> bool:
        """Whether plain ``dolt sql`` in the directory goes through a server.

        Over the MySQL wire every value comes back as text; the embedded
        engine answers with a JSON number.
        """
        out = dolt(self.db.path, "sql", "-r", "json", "-q", "select 1 as one")
        return json.loads(out)["rows"][0]["one"] == "1"

    def sql(self, query: str) -> str:
        """Run ``query`` over a TCP connection to the server, as a client would."""
        return dolt(
            self.db.path,
            "--host", "127.0.0.1", "--port", str(self.port), "--no-tls",
            "-u", "root", "-p", "", "--use-db", self.db.path.name,
            "sql", "-q", query,
        )  # fmt: skip

    def __enter__(self) -> SqlServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
