"""The timeline page: a no-build ES-module page at ``/`` that reads only the public GraphQL
API, with its assets under ``/assets``; GraphiQL's assets under ``/graphiql``. Everything
they need ships in this package."""

from __future__ import annotations

from starlette.routing import BaseRoute

from timeline.api.web.ide import graphiql_routes, offline_graphiql
from timeline.api.web.routes import page_routes

__all__ = ["offline_graphiql", "web_routes"]


def web_routes() -> list[BaseRoute]:
    """The page's routes and GraphiQL's assets, to put before nothing else: they match no
    path the API uses."""
    return [*page_routes(), *graphiql_routes()]
