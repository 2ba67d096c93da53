"""A PostgreSQL server of one's own, on a free port, to stop and start under a running app.

Outage tests and ``bench/outage.py`` stop the database under a running app; the shared server
(``SDO_TEST_POSTGRES_URL``) must not go down for anything else, so they get a cluster of their
own: ``initdb`` into a directory of its own under the system's temporary directory (the
``postgres`` user must reach it, which pytest's private ``tmp_path`` does not allow), ``pg_ctl``
to start and stop it. Its binaries are found on the PATH or where Debian keeps them
(``/usr/lib/postgresql/<version>/bin``); as root, they run as the ``postgres`` user (PostgreSQL
refuses to run as root).
"""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


class PostgresNotInstalledError(RuntimeError):
    """This machine has no PostgreSQL server binaries (``initdb``, ``pg_ctl``)."""


def _bin_dir() -> Path | None:
    """The directory holding ``initdb`` and ``pg_ctl``, or None on a machine without them."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PrivatePostgres:
    """One PostgreSQL cluster in a new temporary directory, on 127.0.0.1 at a free port.

    Raises:
        PostgresNotInstalledError: there is no ``initdb`` to make it with.
    """

    def __init__(self) -> None:
        bin_dir = _bin_dir()
        if bin_dir is None:
            raise PostgresNotInstalledError("no PostgreSQL server binaries (initdb, pg_ctl) here")
        self._bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="sdo-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self._as_postgres = os.geteuid() == 0

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of its ``postgres`` database."""
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        """Run one of PostgreSQL's tools (as ``postgres`` when we are root)."""
        command = [str(self._bin / tool), *args]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        # Our own fixed tool names and paths: no outside input reaches the command line.
        subprocess.run(command, check=True, capture_output=True, timeout=60)  # noqa: S603

    def init(self) -> None:
        """Create the cluster (trust authentication, no fsync: it lives for one test)."""
        if self._as_postgres:
            shutil.chown(self.root, user="postgres")
        self._run(
            "initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
            "--no-sync",
        )  # fmt: skip

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w",
            "start",
        )  # fmt: skip

    def stop(self) -> None:
        """Stop the server at once: open connections are cut, as in a crash or a restart."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    async def astart(self) -> None:
        """``start`` without blocking the event loop (the app goes on meanwhile)."""
        await asyncio.to_thread(self.start)

    async def astop(self) -> None:
        """``stop`` without blocking the event loop."""
        await asyncio.to_thread(self.stop)

    def close(self) -> None:
        """Stop the server if it runs, and remove its directory."""
        try:
            if (self.data / "postmaster.pid").exists():
                self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
