"""GraphiQL with no network: Strawberry's GraphiQL page, its assets served from the package.

Strawberry's page loads React, GraphiQL and the explorer plugin from unpkg. The same files,
at the versions it names, are vendored from npm into ``graphiql/`` beside this module
(``tools/vendor_graphiql.py``, ``make graphiql``; all MIT, each with its licence), and the
page is pointed at ``/graphiql/`` instead. Their integrity hashes still hold, so a browser
refuses any file that is not the one Strawberry pinned.
"""

from __future__ import annotations

from pathlib import Path

from starlette.routing import BaseRoute, Mount

from timeline.api.web.routes import WebFiles

GRAPHIQL_ASSETS = Path(__file__).resolve().parent / "graphiql"
CDN = "https://unpkg.com/"
PREFIX = "/graphiql"


def offline_graphiql(html: str) -> str:
    """Strawberry's GraphiQL page loading its assets from this server."""
    return html.replace(CDN, f"{PREFIX}/")


def graphiql_routes() -> list[BaseRoute]:
    """``/graphiql``: the vendored assets, at the paths the CDN had them."""
    return [Mount(PREFIX, app=WebFiles(directory=GRAPHIQL_ASSETS), name="graphiql")]
