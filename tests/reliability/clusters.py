"""PostgreSQL clusters of our own, each in a temporary directory on a free port: the outage
test stops and restarts one, never the shared server on 5432 that everyone else's tests use,
and the topology (``tests.topology``) runs a primary with a streaming replica of it
(``replica_of``: ``pg_basebackup -R``, a hot standby replaying the primary's WAL).

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
    listen: tuple[str, ...] = ()
    """Addresses to listen on besides 127.0.0.1 (the topology's host-side veth ends)."""

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
        addresses = ",".join(["127.0.0.1", *self.listen])
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses={addresses} "
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

    def trust(self, network: str) -> None:
        """Let ``network`` connect and replicate without a password (read on next start)."""
        with (self.data / "pg_hba.conf").open("a") as hba:
            hba.write(f"host all all {network} trust\nhost replication all {network} trust\n")

    def psql(self, sql: str, database: str = DATABASE) -> str:
        """What ``sql`` prints, unaligned and without headers."""
        return self._run(
            "psql",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-d",
            database,
            "-Atqc",
            sql,
        ).strip()

    def _run(self, program: str, *arguments: str) -> str:
        command = [str(self.bin / program), *arguments]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr.strip()}")
        return done.stdout


def _owned_directory(prefix: str) -> Path:
    directory = Path(tempfile.mkdtemp(prefix=prefix))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    directory.chmod(0o755)  # the server's user must reach its socket directory
    return directory


@contextmanager
def _running(cluster: LocalCluster) -> Iterator[LocalCluster]:
    try:
        yield cluster
    finally:
        with contextlib.suppress(RuntimeError):  # not running: never started
            cluster.stop("immediate")
        shutil.rmtree(cluster.directory, ignore_errors=True)


@contextmanager
def local_cluster(
    listen: tuple[str, ...] = (), trusted: tuple[str, ...] = ()
) -> Iterator[LocalCluster]:
    """A started cluster with an empty ``timeline`` database's worth of server, torn down
    (stopped, directory removed) afterwards whatever happens. It listens on ``listen``
    besides loopback and trusts the ``trusted`` networks, replication included."""
    directory = _owned_directory("timeline-cluster-")
    cluster = LocalCluster(directory=directory, port=free_port(), bin=postgres_bin(), listen=listen)
    with _running(cluster):
        cluster.initdb()
        for network in trusted:
            cluster.trust(network)
        cluster.start()
        yield cluster


@contextmanager
def replica_of(primary: LocalCluster) -> Iterator[LocalCluster]:
    """A hot standby of ``primary``, streaming its WAL, on a port of its own.

    ``pg_basebackup -R`` copies the primary (its settings and trusted networks included) and
    writes the connection back to it; ``--checkpoint=fast`` saves waiting for the next
    scheduled checkpoint (a minute and more)."""
    directory = _owned_directory("timeline-replica-")
    cluster = LocalCluster(
        directory=directory, port=free_port(), bin=primary.bin, listen=primary.listen
    )
    with _running(cluster):
        cluster._run(
            "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            str(primary.port),
            "-U",
            "postgres",
            "-D",
            str(cluster.data),
            "-R",
            "-X",
            "stream",
            "--checkpoint=fast",
            "--no-sync",
        )
        cluster.start()
        yield cluster
