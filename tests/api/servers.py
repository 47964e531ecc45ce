"""Real ``timeline serve`` processes on free ports, for tests that need a real server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx


@dataclass(frozen=True)
class Server:
    port: int

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def graphql(self) -> str:
        return f"{self.http}/graphql"

    @property
    def websocket(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serving(
    database_url: str,
    *,
    workers: int = 1,
    environ: dict[str, str] | None = None,
    timeout: float = 30,
    program: Sequence[str] = (sys.executable, "-c", "from timeline.cli import main; main()"),
    cwd: Path | None = None,
) -> Iterator[Server]:
    """``timeline serve`` on ``database_url``, answering /healthz; stopped afterwards.
    ``program`` is the ``timeline`` command to run (another installation's, for one)."""
    port = free_port()
    env = {**os.environ, **(environ or {}), "TIMELINE_DATABASE_URL": database_url}
    command = [
        *program,
        "serve",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, env=env, cwd=cwd)
    server = Server(port)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"timeline serve exited with {process.returncode}")
            try:
                if httpx.get(f"{server.http}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"timeline serve did not answer on port {port}")
            time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
