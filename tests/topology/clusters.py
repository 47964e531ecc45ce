"""PostgreSQL clusters of the topology's own: a primary and its streaming replica.

Each cluster lives in a temporary directory owned by the ``postgres`` user (the server
refuses to run as root), on a port of its own, and listens on loopback plus whatever host
addresses the topology names, so that API hosts in their network namespaces can reach it.
The replica is a ``pg_basebackup -R`` of the primary: PostgreSQL's own streaming
replication, read-only (hot standby), replaying the primary's WAL as it comes.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

OWNER = "postgres"


def postgres_bin() -> Path:
    """The directory of the newest installed PostgreSQL server binaries."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        raise FileNotFoundError("no PostgreSQL server binaries under /usr/lib/postgresql")
    return found[-1].parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _as_owner(command: Sequence[str | Path], **kwargs: object) -> str:
    """Run ``command`` as the ``postgres`` user and return its output; raise with the output
    when it fails."""
    argv = [str(part) for part in command]
    if os.geteuid() == 0:
        argv = ["runuser", "-u", OWNER, "--", *argv]
    done = subprocess.run(argv, capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload]
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}")
    output: str = done.stdout
    return output


@dataclass
class Cluster:
    """One running PostgreSQL server of the topology."""

    directory: Path
    port: int
    role: str

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def url(self, host: str = "127.0.0.1", database: str = "timeline") -> str:
        return f"postgresql://postgres@{host}:{self.port}/{database}"

    def start(self) -> None:
        _as_owner(
            [
                postgres_bin() / "pg_ctl",
                "-D",
                self.data,
                "-l",
                self.directory / "server.log",
                "-w",
                "-t",
                "60",
                "start",
            ]
        )

    def stop(self) -> None:
        if self.data.exists():
            _as_owner([postgres_bin() / "pg_ctl", "-D", self.data, "-m", "immediate", "stop"])

    def psql(self, sql: str, database: str = "postgres") -> str:
        return _as_owner(
            [
                postgres_bin() / "psql",
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
            ]
        ).strip()

    def log(self) -> str:
        path = self.directory / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def remove(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)


def _owned_directory(prefix: str) -> Path:
    directory = Path(tempfile.mkdtemp(prefix=prefix))
    if os.geteuid() == 0:
        owner = pwd.getpwnam(OWNER)
        os.chown(directory, owner.pw_uid, owner.pw_gid)
    return directory


def start_primary(listen: Sequence[str] = ()) -> Cluster:
    """A new primary on a free port, listening on loopback and ``listen``, accepting
    replication and trusted connections from loopback and link-local addresses."""
    cluster = Cluster(_owned_directory("timeline-primary-"), free_port(), "primary")
    _as_owner(
        [postgres_bin() / "initdb", "-D", cluster.data, "-A", "trust", "-U", "postgres", "-N"]
    )
    addresses = ",".join(["127.0.0.1", *listen])
    settings = {
        "port": str(cluster.port),
        "listen_addresses": f"'{addresses}'",
        "unix_socket_directories": f"'{cluster.directory}'",
        "wal_level": "replica",
        "max_wal_senders": "5",
        "hot_standby": "on",
        # Throwaway data: durability on disk buys the tests nothing.
        "fsync": "off",
        "synchronous_commit": "on",
        "full_page_writes": "off",
        "shared_buffers": "32MB",
        "max_connections": "100",
    }
    with (cluster.data / "postgresql.conf").open("a") as conf:
        conf.writelines(f"{name} = {value}\n" for name, value in settings.items())
    with (cluster.data / "pg_hba.conf").open("a") as hba:
        for network in ("127.0.0.1/32", "169.254.0.0/16"):
            hba.write(f"host all all {network} trust\n")
            hba.write(f"host replication all {network} trust\n")
    cluster.start()
    cluster.psql("CREATE DATABASE timeline")
    return cluster


def start_replica(primary: Cluster, listen: Sequence[str] = ()) -> Cluster:
    """A hot standby of ``primary`` made by ``pg_basebackup -R``, streaming from it."""
    cluster = Cluster(_owned_directory("timeline-replica-"), free_port(), "replica")
    _as_owner(
        [
            postgres_bin() / "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            str(primary.port),
            "-U",
            "postgres",
            "-D",
            cluster.data,
            "-R",
            "-X",
            "stream",
            "--no-sync",
            "--checkpoint=fast",
        ]
    )
    addresses = ",".join(["127.0.0.1", *listen])
    with (cluster.data / "postgresql.conf").open("a") as conf:
        conf.write(f"port = {cluster.port}\n")
        conf.write(f"listen_addresses = '{addresses}'\n")
        conf.write(f"unix_socket_directories = '{cluster.directory}'\n")
    cluster.start()
    wait_until(lambda: cluster.psql("SELECT pg_is_in_recovery()") == "t", "the replica to recover")
    return cluster


def replay_lag_bytes(primary: Cluster, replica: Cluster) -> int:
    """How far, in WAL bytes, the replica's replay trails the primary's current WAL."""
    current = primary.psql("SELECT pg_current_wal_lsn()")
    return int(replica.psql(f"SELECT pg_wal_lsn_diff('{current}', pg_last_wal_replay_lsn())"))


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    """Poll ``condition`` every 50 ms until it holds; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if condition():
                return
        except RuntimeError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.05)
