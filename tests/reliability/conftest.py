"""The API fixtures of ``tests/api`` (an app on a fresh database, tokens of each role), for
the reliability tests that talk to the API in-process."""

from __future__ import annotations

from tests.api.conftest import admin, api, api_settings, reader, writer

__all__ = ["admin", "api", "api_settings", "reader", "writer"]
