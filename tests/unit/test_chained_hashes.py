"""The append path's hashing loop hashes exactly the bytes ``canonical_content`` defines."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from tests.contract.test_event_store import payloads
from timeline.application.chain import (
    GENESIS_HASH,
    canonical_content,
    canonical_text,
    chain_hash,
    chained_hashes,
    content_before_payload,
    content_tail,
    utc_iso,
)
from timeline.application.records import EventMetadata, JSONValue, OccurredTime, ReportedTime

texts = st.text(st.characters(blacklist_categories=["Cs"]))
events = st.tuples(
    st.uuids(),
    texts,
    payloads,
    st.none() | st.builds(OccurredTime, edtf=texts, earliest=st.dates(), latest=st.dates()),
    st.none() | st.builds(ReportedTime, edtf=texts, latest=st.dates()),
    st.integers(1, 9),
)
moments = st.datetimes(timezones=st.just(dt.UTC))


@given(
    batch=st.lists(events, min_size=1, max_size=4),
    stream_id=texts,
    previous=st.sampled_from([GENESIS_HASH, "ab" * 32]),
    head=st.integers(0, 10**12),
    version=st.integers(0, 10**6),
    moment=moments,
    actor=st.none() | texts,
)
def test_chained_hashes_equal_the_chain_of_canonical_contents(
    batch: list[
        tuple[UUID, str, dict[str, JSONValue], OccurredTime | None, ReportedTime | None, int]
    ],
    stream_id: str,
    previous: str,
    head: int,
    version: int,
    moment: dt.datetime,
    actor: str | None,
) -> None:
    metadata = EventMetadata(actor=actor)
    expected, hash_ = [], previous
    for offset, (event_id, event_type, payload, occurred, reported, schema) in enumerate(batch, 1):
        content = canonical_content(
            position=head + offset,
            event_id=event_id,
            stream_id=stream_id,
            stream_version=version + offset,
            event_type=event_type,
            schema_version=schema,
            occurred=occurred,
            reported=reported,
            recorded_at=moment,
            payload=payload,
            metadata=metadata,
        )
        hash_ = chain_hash(hash_, content)
        expected.append(hash_)
    metadata_text = canonical_text(metadata.to_json())
    befores = [
        content_before_payload(
            event_id=event_id, event_type=event_type, occurred=occurred, metadata=metadata_text
        )
        for event_id, event_type, _, occurred, _, _ in batch
    ]
    tails = [
        content_tail(
            reported=reported,
            schema_version=schema,
            stream_id=stream_id,
            stream_version=version + offset,
        )
        for offset, (_, _, _, _, reported, schema) in enumerate(batch, 1)
    ]
    bodies = [canonical_text(payload) for _, _, payload, _, _, _ in batch]
    assert chained_hashes(previous, head + 1, utc_iso(moment), befores, bodies, tails) == expected
