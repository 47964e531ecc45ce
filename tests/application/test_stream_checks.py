"""An imported event is input: its values get the checks input gets, though replay trusts."""

from __future__ import annotations

import dataclasses
import datetime as dt
from uuid import UUID

from timeline.application.records import NewEvent, RecordedEvent
from timeline.application.stream_checks import StreamChecker
from timeline.domain.dates import FuzzyDate
from timeline.domain.events import FactRecorded
from timeline.domain.facts import FactContent
from timeline.domain.sources import Source
from timeline.store import codec

FACT_ID = UUID("0b7d3c1e-2f4a-4d8b-9a61-5c3e2f1a0b9c")
RECORDED = FactRecorded(
    fact_id=FACT_ID,
    content=FactContent(
        kind="POLICY_ANNOUNCED", title="A plan", summary="A plan.", occurred=FuzzyDate("2025-10")
    ),
    source=Source(
        publisher="BBC News",
        title="A plan",
        url="https://www.bbc.co.uk/news/a",
        published=FuzzyDate("2025-10-09"),
        quote="A plan.",
    ),
)


def record(new: NewEvent) -> RecordedEvent:
    return RecordedEvent(
        position=1,
        event_id=new.event_id,
        stream_id=f"fact-{FACT_ID}",
        stream_version=1,
        event_type=new.event_type,
        schema_version=new.schema_version,
        payload=new.payload,
        occurred=new.occurred,
        reported=new.reported,
        recorded_at=dt.datetime(2025, 11, 1, tzinfo=dt.UTC),
        metadata=new.metadata,
        hash="0" * 64,
    )


async def test_a_valid_event_fits() -> None:
    assert await StreamChecker(codec, None).check(record(codec.encode(RECORDED))) == []


async def test_a_value_that_input_would_refuse_is_refused() -> None:
    new = codec.encode(RECORDED)
    source = {**new.payload["source"], "url": "ftp://example.org/a"}
    forged = dataclasses.replace(new, payload={**new.payload, "source": source})
    # The codec alone, built for replay, takes the well-shaped payload as it is.
    assert codec.decode(record(forged)) is not None

    reasons = await StreamChecker(codec, None).check(record(forged))

    assert len(reasons) == 1
    assert reasons[0].startswith("payload does not decode: source.url: 'ftp://example.org/a'")
