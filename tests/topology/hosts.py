"""Test hosts: network namespaces joined to this machine by veth pairs.

Each host is a namespace with its own loopback and one veth end holding a link-local
``169.254.N.2/30``; the other end stays on this machine with ``169.254.N.1/30``. A process
started "on" the host runs inside the namespace (``ip netns exec``), so it sees the machine
only at ``169.254.N.1``, and the machine reaches it only at ``169.254.N.2``. Traffic never
leaves these addresses and loopback.
"""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


def _ip(*arguments: str) -> None:
    subprocess.run(["ip", *arguments], check=True, capture_output=True, text=True)


def namespaces_available() -> str | None:
    """None when this machine can make network namespaces, else why not."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    try:
        subprocess.run(["ip", "netns", "list"], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as error:
        return f"ip netns is not usable here: {error}"
    return None


@dataclass
class Host:
    """A namespace with a veth pair to this machine; ``processes`` are stopped on removal."""

    name: str
    subnet: int
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def address(self) -> str:
        """Where this machine reaches the host."""
        return f"169.254.{self.subnet}.2"

    @property
    def gateway(self) -> str:
        """Where the host reaches this machine."""
        return f"169.254.{self.subnet}.1"

    @property
    def _outside(self) -> str:
        return f"{self.name}o"[-15:]

    def create(self) -> None:
        _ip("netns", "add", self.name)
        _ip(
            "link", "add", self._outside, "type", "veth", "peer", "name", "eth0", "netns", self.name
        )
        _ip("addr", "add", f"{self.gateway}/30", "dev", self._outside)
        _ip("link", "set", self._outside, "up")
        _ip("-n", self.name, "addr", "add", f"{self.address}/30", "dev", "eth0")
        _ip("-n", self.name, "link", "set", "eth0", "up")
        _ip("-n", self.name, "link", "set", "lo", "up")

    def start(
        self,
        command: Sequence[str],
        environ: Mapping[str, str],
        log: str | None = None,
    ) -> subprocess.Popen[bytes]:
        """Run ``command`` inside the namespace with ``environ``; output to ``log``."""
        with open(log or os.devnull, "ab") as output:  # the child keeps its own copy
            process = subprocess.Popen(
                ["ip", "netns", "exec", self.name, *command],
                env=dict(environ),
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        self.processes.append(process)
        return process

    def remove(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
        subprocess.run(["ip", "link", "del", self._outside], check=False, capture_output=True)
        subprocess.run(["ip", "netns", "del", self.name], check=False, capture_output=True)


def make_hosts(count: int) -> list[Host]:
    """``count`` new hosts with names and subnets of their own (unique per call)."""
    tag = secrets.token_hex(3)
    base = 100 + secrets.randbelow(100)
    hosts = [Host(name=f"tl{tag}{index}", subnet=base + index) for index in range(count)]
    made: list[Host] = []
    try:
        for host in hosts:
            made.append(host)
            host.create()
    except BaseException:
        for host in made:
            host.remove()
        raise
    return hosts
