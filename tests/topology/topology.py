"""The multi-host topology, started for real: a primary, its streaming replica, projectors
on this machine, and API hosts in network namespaces.

::

    this machine (127.0.0.1, 169.254.N.1 per host)          host A (169.254.A.2)
      primary   :P  <- writes, projector(s) --------------   timeline serve --no-projector
      replica   :R  <- reads (hot standby, streaming from P)   host B (169.254.B.2)
      projector x2 (one leads, by advisory lock)              timeline serve --no-projector

Every API host writes to the primary and reads from the replica
(``TIMELINE_READ_DATABASE_URL``), reaching both through its veth pair. ``python -m
tests.topology`` starts the whole thing and prints where each part answers.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import httpx

from tests.reliability.clusters import LocalCluster, local_cluster, replica_of
from tests.topology.hosts import Host, make_hosts

API_PORT = 8000
CLI = [sys.executable, "-c", "from timeline.cli import main; main()"]


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    """Ask ``condition`` every 50 ms until it holds; TimeoutError after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _environ(**settings: str) -> dict[str, str]:
    keep = {name: value for name, value in os.environ.items() if not name.startswith("TIMELINE_")}
    return {**keep, **settings}


def timeline(*arguments: str, database_url: str) -> str:
    """Run one ``timeline`` command against ``database_url`` and return what it printed."""
    done = subprocess.run(
        [*CLI, *arguments],
        env=_environ(TIMELINE_DATABASE_URL=database_url),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"timeline {' '.join(arguments)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


@dataclass
class Projector:
    """One ``timeline projector`` process on this machine."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def kill(self) -> None:
        """``kill -9``: no chance to release anything; the server sees the connection go."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@dataclass
class Topology:
    primary: LocalCluster
    replica: LocalCluster
    hosts: list[Host]
    directory: Path
    writer_token: str
    projectors: list[Projector] = field(default_factory=list)

    def api(self, host: Host) -> str:
        return f"http://{host.address}:{API_PORT}"

    def start_projector(self, name: str) -> Projector:
        log = self.directory / f"projector-{name}.log"
        output = log.open("ab")
        process = subprocess.Popen(
            [*CLI, "projector", "--name", name],
            env=_environ(TIMELINE_DATABASE_URL=self.primary.url),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        output.close()
        projector = Projector(name, process, log)
        self.projectors.append(projector)
        return projector

    def stop_projectors(self) -> None:
        for projector in self.projectors:
            projector.kill()

    def leader(self) -> str | None:
        """The name of the projector holding the leadership lock, as the primary says."""
        name = self.primary.psql(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
            "WHERE l.locktype = 'advisory' AND l.granted AND a.application_name LIKE "
            "'timeline-projector%' LIMIT 1"
        )
        return name.removeprefix("timeline-projector ") or None

    def logs(self) -> str:
        parts = [
            f"--- {path.name}\n{path.read_text(errors='replace')[-4000:]}"
            for path in sorted(self.directory.glob("*.log"))
        ]
        for cluster in (self.primary, self.replica):
            parts.append(f"--- {cluster.log}\n{cluster.log.read_text(errors='replace')[-2000:]}")
        return "\n".join(parts)


def _serve_on(topology: Topology, host: Host) -> None:
    environ = _environ(
        TIMELINE_DATABASE_URL=topology.primary.url.replace("127.0.0.1", host.gateway),
        TIMELINE_READ_DATABASE_URL=topology.replica.url.replace("127.0.0.1", host.gateway),
    )
    host.start(
        [
            *CLI,
            "serve",
            "--host",
            host.address,
            "--port",
            str(API_PORT),
            "--no-projector",
            "--log-level",
            "warning",
        ],
        environ,
        log=str(topology.directory / f"serve-{host.name}.log"),
    )


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


@contextmanager
def running_topology(projectors: int = 2, api_hosts: int = 2) -> Iterator[Topology]:
    """Start every part, wait until each answers, and tear all of it down afterwards."""
    with ExitStack() as stack:
        directory = Path(tempfile.mkdtemp(prefix="timeline-topology-"))
        hosts = make_hosts(api_hosts)
        for host in hosts:
            stack.callback(host.remove)
        gateways = tuple(host.gateway for host in hosts)
        primary = stack.enter_context(local_cluster(listen=gateways, trusted=("169.254.0.0/16",)))
        primary.psql("CREATE DATABASE timeline", database="postgres")
        timeline("db", "upgrade", database_url=primary.url)
        issued = timeline(
            "tokens", "create", "topology-writer", "--role", "writer", database_url=primary.url
        )
        replica = stack.enter_context(replica_of(primary))
        topology = Topology(primary, replica, hosts, directory, issued.strip().splitlines()[-1])
        stack.callback(topology.stop_projectors)
        for index in range(projectors):
            topology.start_projector(f"p{index}")
        for host in hosts:
            _serve_on(topology, host)
        try:
            for host in hosts:
                url = topology.api(host)
                wait_until(partial(_answers, url), f"the API on {host.name}")
            wait_until(lambda: topology.leader() is not None, "a projector to lead")
        except TimeoutError as error:
            raise TimeoutError(f"{error}\n{topology.logs()}") from error
        yield topology


def main() -> None:
    """Start the topology and keep it up until interrupted."""
    with running_topology() as topology:
        print(f"primary  {topology.primary.url}")
        print(f"replica  {topology.replica.url}")
        for host in topology.hosts:
            print(f"host {host.name}: {topology.api(host)}/graphql (in netns {host.name})")
        print(f"leader   {topology.leader()}")
        print(f"writer token {topology.writer_token}")
        print(f"logs     {topology.directory}")
        print("Ctrl-C stops everything.")
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
