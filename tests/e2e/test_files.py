"""How the page and its assets are served: from the package, with cache and security headers,
nothing inline, and every module the page imports present. No browser needed."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.servers import Server
from timeline.api.web.routes import ASSETS, WEB


@pytest.fixture(scope="module")
def client(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.http) as client:
        yield client


def test_the_page_is_served_at_the_root_with_a_strict_policy(client: httpx.Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert client.head("/").status_code == 200
    assert client.post("/").status_code == 405


def test_the_page_has_no_inline_script_or_style() -> None:
    html = (WEB / "index.html").read_text()
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts
    assert all(" src=" in tag for tag in scripts)
    assert "<style" not in html
    assert " style=" not in html
    assert not re.search(r"\son[a-z]+=", html)


def test_assets_revalidate_with_their_etag(client: httpx.Client) -> None:
    response = client.get("/assets/app.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["cache-control"] == "no-cache"
    again = client.get("/assets/app.js", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304
    assert again.headers["cache-control"] == "no-cache"


@pytest.mark.parametrize("path", ["/assets/missing.js", "/assets/../routes.py", "/index.html"])
def test_nothing_else_is_served(client: httpx.Client, path: str) -> None:
    assert client.get(path).status_code == 404


def test_every_module_the_page_imports_is_served(client: httpx.Client) -> None:
    modules = sorted(ASSETS.glob("*.js"))
    imported = {
        name
        for module in modules
        for name in re.findall(r'from "\./([\w-]+\.js)"', module.read_text())
    }
    assert imported <= {module.name for module in modules}
    for name in ["app.js", "style.css", "icon.svg", *sorted(imported)]:
        assert client.get(f"/assets/{name}").status_code == 200, name


def test_the_page_reads_only_the_public_graphql_api() -> None:
    """Every request the scripts make goes to the one GraphQL endpoint."""
    sources = "\n".join(path.read_text() for path in Path(ASSETS).glob("*.js"))
    assert re.findall(r"fetch\(([^,)]+)", sources) == ["ENDPOINT"]
    assert re.findall(r"new WebSocket\(([^,)]+)", sources) == ["url"]
    assert 'new URL("graphql", document.baseURI)' in sources


@pytest.mark.slow
def test_the_wheel_ships_the_page(tmp_path: Path) -> None:
    """A wheel built from the tree holds every file of the page, so an installed timeline
    serves it with no network and no build step."""
    root = Path(__file__).resolve().parents[2]
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    subprocess.run(
        [*pip_wheel, "--quiet", "--wheel-dir", str(tmp_path), str(root)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("timeline-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        shipped = set(archive.namelist())
    page_files = {
        path.relative_to(root).as_posix()
        for path in WEB.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert "timeline/api/web/index.html" in page_files
    assert page_files <= shipped
