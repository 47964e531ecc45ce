"""Settings read from the environment, in one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from timeline.application.projector import STATISTICS_SECONDS

DEFAULT_DATABASE_URL = "sqlite:///timeline.db"


@dataclass(frozen=True, kw_only=True, slots=True)
class Settings:
    """What a timeline process needs to know about its surroundings."""

    database_url: str = DEFAULT_DATABASE_URL
    read_database_url: str = ""
    """A hot standby of ``database_url`` (PostgreSQL streaming replication) that answers
    this process's reads; empty: reads go to ``database_url`` too. Writes, tokens, the
    projector and subscriptions' wake-ups stay on the primary."""
    min_position_wait_seconds: float = 2.0
    """How long a read asking for a minimum position waits for the read models to reach it
    before it is answered UNAVAILABLE."""
    projector_poll_seconds: float = 0.1
    """How often the leading projector looks at the log when nothing wakes it (SQLite has
    no notifications; on PostgreSQL this only covers a lost one). A look is one statement."""
    projector_statistics_seconds: float = STATISTICS_SECONDS
    """How often, at most, the leading projector has the planner's statistics of the read
    models gathered again where they changed by a tenth (PostgreSQL; one statement when
    none did)."""
    projector_name: str = ""
    """What this process's projector is called in logs and, on PostgreSQL, in
    ``pg_stat_activity`` (``timeline-projector NAME``); empty: the host name and process id."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        default = cls()

        def seconds(name: str, fallback: float) -> float:
            raw = env.get(name, "").strip()
            if not raw:
                return fallback
            value = float(raw)
            if not value > 0:
                raise ValueError(f"{name} must be a positive number of seconds, not {raw!r}")
            return value

        return cls(
            database_url=env.get("TIMELINE_DATABASE_URL") or DEFAULT_DATABASE_URL,
            read_database_url=env.get("TIMELINE_READ_DATABASE_URL", "").strip(),
            min_position_wait_seconds=seconds(
                "TIMELINE_MIN_POSITION_WAIT_SECONDS", default.min_position_wait_seconds
            ),
            projector_poll_seconds=seconds(
                "TIMELINE_PROJECTOR_POLL_SECONDS", default.projector_poll_seconds
            ),
            projector_statistics_seconds=seconds(
                "TIMELINE_PROJECTOR_STATISTICS_SECONDS", default.projector_statistics_seconds
            ),
            projector_name=env.get("TIMELINE_PROJECTOR_NAME", "").strip(),
        )
