"""A PostgreSQL cluster of our own, in a temporary directory on a free port, for the outage
test: it stops and restarts this one, never the shared server on 5432 that everyone else's
tests use.

``initdb`` refuses to run as root, so as root the cluster belongs to the ``postgres`` user
and every server command runs through ``runuser -u postgres --``.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from tests.api.servers import free_port

DATABASE = "timeline"


def postgres_bin() -> Path:
    """The newest installed PostgreSQL's bin directory (Debian's layout), or wherever
    ``initdb`` is on the PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb is None:
        raise RuntimeError("initdb not found: install PostgreSQL's server binaries")
    return Path(initdb).parent


def _version(path: str) -> int:
    part = Path(path).parts[-3]
    return int(part) if part.isdigit() else 0


@dataclass
class LocalCluster:
    """One throwaway cluster: ``start``, ``stop`` and ``start`` again at will."""

    directory: Path
    port: int
    bin: Path

    @property
    def data(self) -> Path:
        return self.directory / "data"

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def initdb(self) -> None:
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-sync",  # a throwaway cluster: durability across OS crashes is not tested
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c max_connections=200"
        )
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "start")

    def stop(self, mode: str = "fast", *, wait: bool = True) -> None:
        """Stop the server; ``fast`` (what a restart does) terminates every session, while
        ``smart`` waits for them to end and meanwhile refuses new connections ("the
        database system is shutting down"). Without ``wait``, return at once."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w" if wait else "-W", "stop")

    @property
    def log(self) -> Path:
        return self.directory / "server.log"

    async def create_database(self) -> None:
        connection = await asyncpg.connect(self.admin_url)
        try:
            await connection.execute(f"CREATE DATABASE {DATABASE}")
        finally:
            await connection.close()

    def _run(self, program: str, *arguments: str) -> None:
        command = [str(self.bin / program), *arguments]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr.strip()}")


@contextmanager
def local_cluster() -> Iterator[LocalCluster]:
    """A started cluster with an empty ``timeline`` database's worth of server, torn down
    (stopped, directory removed) afterwards whatever happens."""
    directory = Path(tempfile.mkdtemp(prefix="timeline-outage-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    directory.chmod(0o755)  # the server's user must reach its socket directory
    cluster = LocalCluster(directory=directory, port=free_port(), bin=postgres_bin())
    try:
        cluster.initdb()
        cluster.start()
        yield cluster
    finally:
        with contextlib.suppress(RuntimeError):  # not running: never started
            cluster.stop("immediate")
        shutil.rmtree(directory, ignore_errors=True)
