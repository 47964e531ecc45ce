"""Serve the page and its assets from the package directory, with cache and security headers.

The assets keep plain names (no build step, so no content hashes), so browsers may keep them
but must revalidate: ``no-cache`` with the ETag and Last-Modified that ``StaticFiles`` sets
turns every repeat visit into cheap 304s, and an upgrade is picked up at once. The page runs
no inline script or style, so its Content-Security-Policy allows only this origin.
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import PathLike, StaticFiles
from starlette.types import Scope

WEB = Path(__file__).resolve().parent
ASSETS = WEB / "assets"

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        # 'self' covers ws:// and wss:// to this origin: the live subscription.
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

COMMON_HEADERS = {
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
PAGE_HEADERS = {**COMMON_HEADERS, "Content-Security-Policy": CONTENT_SECURITY_POLICY}


class WebFiles(StaticFiles):
    """``StaticFiles`` with the page's headers on every answer, 304s included."""

    def file_response(
        self,
        full_path: PathLike,
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        is_page = os.fspath(full_path).endswith(".html")
        response.headers.update(PAGE_HEADERS if is_page else COMMON_HEADERS)
        return response


def page_routes() -> list[BaseRoute]:
    """``/`` (the page) and ``/assets`` (its scripts and styles)."""
    page_files = WebFiles(directory=WEB)
    assets = WebFiles(directory=ASSETS)

    async def page(request: Request) -> Response:
        return await page_files.get_response("index.html", request.scope)

    return [
        Route("/", page, methods=["GET", "HEAD"], name="page"),
        Mount("/assets", app=assets, name="assets"),
    ]
