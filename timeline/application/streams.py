"""Stream names: which stream of the log holds a fact's or a measure's events."""

from __future__ import annotations

from uuid import UUID

FACT_STREAM_PREFIX = "fact-"
MEASURE_STREAM_PREFIX = "measure-"


def fact_stream(fact_id: UUID) -> str:
    return f"{FACT_STREAM_PREFIX}{fact_id}"


def measure_stream(key: str) -> str:
    return f"{MEASURE_STREAM_PREFIX}{key}"
