"""``timeline serve``: run the GraphQL API under uvicorn; ``timeline schema``: print its SDL."""

from __future__ import annotations

import contextlib
import os
import tempfile
from typing import Annotated

import typer
import uvicorn

APP_FACTORY = "timeline.api.app:app_from_env"
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"  # read by prometheus-client when imported


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Worker processes (each opens its own connections; on PostgreSQL every "
            "worker's subscribers hear every other worker's writes).",
        ),
    ] = 1,
    log_level: Annotated[str, typer.Option(help="uvicorn's log level.")] = "info",
    projector: Annotated[
        bool,
        typer.Option(
            envvar="TIMELINE_SERVE_PROJECTOR",
            help="Each worker stands in the projector election (one process per database "
            "leads). --no-projector leaves the read models to `timeline projector`.",
        ),
    ] = True,
) -> None:
    """Serve GraphQL at /graphql (GraphiQL in a browser), /healthz, /readyz and /metrics;
    each request is logged as a JSON line on standard error."""
    # The workers build their app from the environment (uvicorn's --factory).
    os.environ["TIMELINE_SERVE_PROJECTOR"] = "1" if projector else "0"
    os.environ["TIMELINE_LOG_LEVEL"] = log_level
    with contextlib.ExitStack() as stack:
        if workers > 1 and not os.environ.get(MULTIPROCESS_DIR):
            # Every worker writes its request counts where any worker's /metrics adds them
            # up (prometheus-client's multiprocess mode); gone when the server stops.
            os.environ[MULTIPROCESS_DIR] = stack.enter_context(
                tempfile.TemporaryDirectory(prefix="timeline-metrics-")
            )
        uvicorn.run(
            APP_FACTORY,
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=log_level,
            # The JSON request log replaces uvicorn's access log.
            access_log=False,
            proxy_headers=False,
            ws="websockets-sansio",
        )


def schema() -> None:
    """Print the GraphQL schema (SDL); ``timeline schema > schema.graphql`` re-exports it."""
    from timeline.api.graphql.schema import schema_sdl

    typer.echo(schema_sdl(), nl=False)
