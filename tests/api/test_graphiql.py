"""GraphiQL works with no network: its page names no other host, and every script and style
it loads is served from the package, byte for byte the file its integrity hash names."""

from __future__ import annotations

import base64
import hashlib
from html.parser import HTMLParser

from tests.api.conftest import Api


class Loads(HTMLParser):
    """The (url, integrity) of every script and stylesheet a page loads."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        url = named.get("src") if tag == "script" else named.get("href")
        if tag in {"script", "link"} and url is not None:
            self.found.append((url, named.get("integrity")))


async def graphiql_loads(api: Api) -> list[tuple[str, str | None]]:
    page = await api.client.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()
    parser = Loads()
    parser.feed(page.text)
    return parser.found


async def test_graphiql_names_no_other_host(api: Api) -> None:
    loads = await graphiql_loads(api)

    external = [url for url, _ in loads if "//" in url and not url.startswith("data:")]
    assert external == []
    assert len([url for url, _ in loads if url.startswith("/graphiql/")]) == 7


async def test_graphiql_assets_are_served_as_their_integrity_hashes_name_them(api: Api) -> None:
    for url, integrity in await graphiql_loads(api):
        if url.startswith("data:"):
            continue
        asset = await api.client.get(url)
        assert asset.status_code == 200, url
        assert asset.headers["content-type"].startswith(("text/javascript", "text/css")), url
        assert integrity is not None, url
        algorithm, _, expected = integrity.partition("-")
        assert base64.b64encode(hashlib.new(algorithm, asset.content).digest()).decode() == (
            expected
        ), url
