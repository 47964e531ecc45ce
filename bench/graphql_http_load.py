"""Load for the GraphQL-over-HTTP benchmark: wrk when it is installed, a small stand-in when not.

``wrk -t2 -c32 -d<S>s --latency -s post.lua URL`` keeps 32 connections busy for S seconds,
each sending the same POST as soon as its last answer is in. The Lua script sets the body
and, when wrk is done, prints its own summary in a form read here: the requests, the
duration, every kind of error (connect, read, write, timeout, and answers that are not 2xx or
3xx) and 1,000 quantiles of the latency, so that repeats can be pooled as the other
benchmarks pool theirs. wrk's own text is kept too, and its ``Requests/sec`` and 50%/99% are
read from it as a check.

Without wrk (a CI machine whose Makefile did not install it) the same load comes from
``python_load``: 32 keep-alive HTTP/1.1 connections on asyncio in this process, each in a
closed loop like wrk's. It is slower than wrk and shares the two cores the same way; it is
there so that the smoke test runs anywhere, and the JSON names which generator was used.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

CLIENTS = 32
THREADS = 2
TIMEOUT_SECONDS = 60
"""wrk's own default (2 s) would count a slow answer as an error; slow is what is measured."""
QUANTILES = 1000

_LUA = """\
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
wrk.body = [[%(body)s]]

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("bench-summary %%d %%d %%d %%d %%d %%d %%d\\n", summary.requests,
    summary.duration, e.connect, e.read, e.write, e.timeout, e.status))
  for i = 1, %(quantiles)d do
    local q = latency:percentile((i - 0.5) / %(quantiles)d * 100)
    io.write(string.format("bench-quantile %%d\\n", q))
  end
end
"""
_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


class LoadFailed(RuntimeError):
    """The load saw errors: answers that were not 2xx, or broken connections."""


@dataclass(frozen=True, slots=True)
class Load:
    """What one bounded run of load found."""

    generator: str
    requests: int
    seconds: float
    latencies_ms: list[float] = field(repr=False)
    """Quantiles of the latency (wrk) or every request's latency (the stand-in)."""
    errors: dict[str, int]

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds

    def check(self, *, answered: bool = True) -> Load:
        """This load, if it saw no errors (and, when ``answered``, at least one answer)."""
        failed = {kind: count for kind, count in self.errors.items() if count}
        if failed or (answered and self.requests == 0):
            raise LoadFailed(f"{self.generator}: {self.requests} requests, errors {failed}")
        return self


def generator() -> str:
    """``wrk`` when it is on the PATH, else ``python``."""
    return "wrk" if shutil.which("wrk") else "python"


async def run_load(url: str, body: bytes, seconds: float, which: str) -> Load:
    if which == "wrk":
        return await asyncio.to_thread(wrk_load, url, body, seconds)
    return await python_load(url, body, seconds)


def wrk_load(url: str, body: bytes, seconds: float) -> Load:
    if b"]]" in body:  # pragma: no cover - our bodies are plain JSON
        raise ValueError("the body would end the Lua long string")
    script = lua_script(body)
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        lua.write(script)
        lua.flush()
        command = ["wrk", f"-t{THREADS}", f"-c{CLIENTS}", f"-d{max(1, round(seconds))}s"]
        command += [f"--timeout={TIMEOUT_SECONDS}s", "--latency", "-s", lua.name, url]
        found = subprocess.run(command, capture_output=True, text=True, check=True)
    return parse_wrk(found.stdout)


def parse_wrk(output: str) -> Load:
    summary = re.search(r"^bench-summary ((?:\d+ ?){7})$", output, re.MULTILINE)
    if summary is None:
        raise LoadFailed(f"wrk printed no summary:\n{output}")
    requests, duration_us, connect, read, write, timeout, status = map(
        int, summary.group(1).split()
    )
    quantiles = [int(v) / 1000 for v in re.findall(r"^bench-quantile (\d+)$", output, re.M)]
    _agrees(output, requests / (duration_us / 1e6), quantiles)
    return Load(
        generator="wrk",
        requests=requests,
        seconds=duration_us / 1e6,
        latencies_ms=quantiles,
        errors={
            "connect": connect,
            "read": read,
            "write": write,
            "timeout": timeout,
            "non_2xx_3xx": status,
        },
    )


def _agrees(output: str, rate: float, quantiles: list[float]) -> None:
    """wrk's printed Requests/sec and 50% latency say what its summary says."""
    printed = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    median = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
    if printed is None or median is None or len(quantiles) != QUANTILES:
        raise LoadFailed(f"wrk's output is not what this reads:\n{output}")
    p50 = float(median.group(1)) * _UNITS_MS[median.group(2)]
    ours = quantiles[QUANTILES // 2]
    if abs(float(printed.group(1)) - rate) > 0.02 * rate + 1 or abs(p50 - ours) > 0.2 * p50 + 0.1:
        raise LoadFailed(f"wrk's summary ({rate:.1f}/s, {ours:.2f} ms) disagrees:\n{output}")


async def python_load(url: str, body: bytes, seconds: float) -> Load:
    """``CLIENTS`` keep-alive connections in closed loops for ``seconds``."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    request = _request(parts.path, host, port, body)
    latencies: list[float] = []
    errors = {"connect": 0, "read": 0, "non_2xx_3xx": 0}
    clock = time.perf_counter
    started = clock()
    deadline = started + seconds

    async def client() -> None:
        try:
            reader, writer = await asyncio.open_connection(host, port)
        except OSError:
            errors["connect"] += 1
            return
        try:
            while clock() < deadline:
                before = clock()
                writer.write(request)
                status, _ = await _answer(reader)
                latencies.append((clock() - before) * 1000)
                if not 200 <= status < 400:
                    errors["non_2xx_3xx"] += 1
        except (OSError, asyncio.IncompleteReadError, ValueError):
            errors["read"] += 1
        finally:
            writer.close()

    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    return Load(
        generator="python",
        requests=len(latencies),
        seconds=clock() - started,
        latencies_ms=latencies,
        errors=errors,
    )


async def post_once(url: str, body: bytes) -> tuple[int, bytes]:
    """One POST on a connection of its own: the status and the body of the answer."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(_request(parts.path, host, port, body))
        return await _answer(reader)
    finally:
        writer.close()


def _request(path: str, host: str, port: int, body: bytes) -> bytes:
    return (
        f"POST {path or '/'} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Content-Type: application/json\r\nAccept: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


async def _answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """Read one HTTP/1.1 answer with a Content-Length: its status and body."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    return status, await reader.readexactly(length)


def lua_script(body: bytes) -> str:
    """The script wrk runs, for a reader who wants to run it by hand."""
    return _LUA % {"body": body.decode(), "quantiles": QUANTILES}
