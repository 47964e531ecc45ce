"""The API's settings, read from the environment beside ``timeline.config.Settings``."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True, kw_only=True, slots=True)
class ApiSettings:
    """Who may call the API, and how much one request may ask for."""

    require_read_token: bool = False
    """Reads need a token (any role) too; by default they are open."""
    cors_origins: tuple[str, ...] = ()
    """Front-end origins allowed to call the API from a browser ("*" for any)."""
    max_body_bytes: int = 1_000_000
    max_depth: int = 12
    max_tokens: int = 3_000
    max_aliases: int = 30
    max_ready_lag: int = 100
    """/readyz fails while the read models are more than this many events behind the log."""
    subscription_poll_seconds: float = 0.25
    """How often a process looks at the log for subscribers when nothing wakes it up."""
    projector: bool = True
    """Each server process stands in the projector election (``timeline serve
    --no-projector`` leaves the read models to ``timeline projector`` processes)."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ApiSettings:
        env = os.environ if environ is None else environ
        default = cls()

        def number(name: str, fallback: int) -> int:
            raw = env.get(name, "").strip()
            return int(raw) if raw else fallback

        origins = env.get("TIMELINE_CORS_ORIGINS", "")
        return cls(
            require_read_token=env.get("TIMELINE_REQUIRE_READ_TOKEN", "").strip().lower() in _TRUE,
            cors_origins=tuple(o.strip() for o in origins.split(",") if o.strip()),
            max_body_bytes=number("TIMELINE_MAX_BODY_BYTES", default.max_body_bytes),
            max_depth=number("TIMELINE_MAX_QUERY_DEPTH", default.max_depth),
            max_tokens=number("TIMELINE_MAX_QUERY_TOKENS", default.max_tokens),
            max_aliases=number("TIMELINE_MAX_QUERY_ALIASES", default.max_aliases),
            max_ready_lag=number("TIMELINE_MAX_READY_LAG", default.max_ready_lag),
            projector=env.get("TIMELINE_SERVE_PROJECTOR", "1").strip().lower() in _TRUE,
        )
