"""/healthz (the process answers) and /readyz (it can serve: database reachable, read
models caught up with the log within ``ApiSettings.max_ready_lag`` events)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from timeline.application.errors import StoreUnavailable
from timeline.application.queries import TimelineQueries


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    queries: TimelineQueries = request.app.state.api.queries
    max_lag: int = request.app.state.api.settings.max_ready_lag
    try:
        readiness = await queries.readiness()
    except StoreUnavailable as error:
        return JSONResponse({"status": "unavailable", "reason": str(error)}, status_code=503)
    body: dict[str, object] = {
        "status": "ok",
        "head": readiness.head,
        "projected": readiness.projected,
        "lag": readiness.lag,
    }
    if readiness.lag > max_lag:
        body["status"] = "behind"
        return JSONResponse(body, status_code=503)
    return JSONResponse(body)
