"""Settings read from the environment, in one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_DATABASE_URL = "sqlite:///timeline.db"


@dataclass(frozen=True, kw_only=True, slots=True)
class Settings:
    """What a timeline process needs to know about its surroundings."""

    database_url: str = DEFAULT_DATABASE_URL

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls(database_url=env.get("TIMELINE_DATABASE_URL") or DEFAULT_DATABASE_URL)
