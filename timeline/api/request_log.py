"""One JSON line per HTTP request, with a request id that the response carries too.

The id is the caller's ``X-Request-Id`` when it sends a sensible one (so a proxy's id follows
the request through), else a new one; the response echoes it, so a client can quote it when
it reports a problem, and the operator finds the line. The GraphQL view names the operation
it ran in the request's state (``graphql_operation``), so the line says what was asked.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid

from pythonjsonlogger.json import JsonFormatter
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger("timeline.requests")

REQUEST_ID_HEADER = "x-request-id"
_SENSIBLE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def configure_json_logging(level: str = "info") -> None:
    """Send the ``timeline`` loggers to standard error as JSON lines (a serving process)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter(
            "{asctime}{levelname}{name}{message}",
            style="{",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    root = logging.getLogger("timeline")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False


class RequestLog:
    """ASGI middleware: give each HTTP request an id and log it as it ends."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).append(REQUEST_ID_HEADER, request_id)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if logger.isEnabledFor(logging.INFO):
                state = scope.get("state", {})
                logger.info(
                    "request",
                    extra={
                        "request_id": request_id,
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 3),
                        "operation": state.get("graphql_operation"),
                    },
                )


def _request_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER.encode():
            candidate: str = value.decode("latin-1")
            if _SENSIBLE_ID.fullmatch(candidate):
                return candidate
            break
    return uuid.uuid4().hex
