"""/healthz (the process answers) and /readyz (it can serve: database reachable, read
models caught up with the log within ``ApiSettings.max_ready_lag`` events), which also says
how far behind they are in seconds and who leads the projection."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from timeline.api.operations import Operations
from timeline.application.errors import StoreUnavailable


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    operations: Operations = request.app.state.operations
    max_lag: int = request.app.state.api.settings.max_ready_lag
    try:
        state = await operations.state()
    except StoreUnavailable as error:
        return JSONResponse({"status": "unavailable", "reason": str(error)}, status_code=503)
    lag = max(state.head - state.projected, 0)
    body: dict[str, object] = {
        "status": "ok",
        "head": state.head,
        "projected": state.projected,
        "lag": lag,
        "lag_seconds": round(state.lag_seconds, 3),
        "leader": state.leader,
        "leading_here": state.leading_here,
    }
    if lag > max_lag:
        body["status"] = "behind"
        return JSONResponse(body, status_code=503)
    return JSONResponse(body)
