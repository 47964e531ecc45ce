"""Vendor GraphiQL's assets from npm, so that GraphiQL works with no network.

Strawberry's GraphiQL page loads React, GraphiQL and its explorer plugin from unpkg, each
with a Subresource Integrity hash. This copies exactly those files, at the versions the
installed strawberry names, from the npm packages (``npm pack``) into
``timeline/api/web/graphiql/<package>@<version>/<path>``, beside each package's licence
(all MIT), and checks every file against the page's integrity hash. The server then serves
them under ``/graphiql/`` (``timeline/api/web/graphiql.py``). Run ``make graphiql`` after a
strawberry upgrade; ``tests/api/test_graphiql.py`` fails until it is run.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import strawberry

TEMPLATE = Path(strawberry.__file__).parent / "static" / "graphiql.html"
TARGET = Path(__file__).resolve().parents[1] / "timeline" / "api" / "web" / "graphiql"
ASSET = re.compile(
    r'"https://unpkg\.com/((?:@[^/"]+/)?[^/@"]+)@([^/"]+)/([^"]+)"\s+integrity="([^"]+)"'
)


def main() -> None:
    assets = ASSET.findall(TEMPLATE.read_text(encoding="utf-8"))
    if not assets:
        raise SystemExit(f"no unpkg asset found in {TEMPLATE}")
    shutil.rmtree(TARGET, ignore_errors=True)
    with tempfile.TemporaryDirectory() as scratch:
        unpacked: dict[str, Path] = {}
        for package, version, path, integrity in assets:
            spec = f"{package}@{version}"
            if spec not in unpacked:
                unpacked[spec] = _unpack(spec, Path(scratch))
                _licence(unpacked[spec], TARGET / spec)
            source = unpacked[spec] / path
            algorithm, _, expected = integrity.partition("-")
            digest = base64.b64encode(hashlib.new(algorithm, source.read_bytes()).digest())
            if digest.decode() != expected:
                raise SystemExit(f"{spec}/{path} does not match the page's integrity hash")
            (TARGET / spec / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, TARGET / spec / path)
            print(f"{spec}/{path}")


def _unpack(spec: str, scratch: Path) -> Path:
    packed = subprocess.run(
        ["npm", "pack", spec, "--silent", "--pack-destination", str(scratch)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()[-1]
    directory = scratch / packed.removesuffix(".tgz")
    with tarfile.open(scratch / packed) as archive:
        archive.extractall(directory, filter="data")
    return directory / "package"


def _licence(package: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    licences = sorted(package.glob("LICEN[CS]E*"))
    if licences:
        shutil.copyfile(licences[0], target / "LICENSE")
        return
    manifest = json.loads((package / "package.json").read_text(encoding="utf-8"))
    repository = manifest.get("repository", {})
    where = repository.get("url", "") if isinstance(repository, dict) else str(repository)
    (target / "LICENSE").write_text(
        f"{manifest['name']} {manifest['version']} is published under the "
        f"{manifest['license']} licence (its package.json), from {where}; the package holds "
        "no licence file of its own.\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
