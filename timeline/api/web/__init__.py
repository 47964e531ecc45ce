"""The timeline page: a no-build ES-module page at ``/`` that reads only the public GraphQL
API, with its assets under ``/assets``. Everything it needs ships in this package."""

from __future__ import annotations

from timeline.api.web.routes import web_routes

__all__ = ["web_routes"]
