"""A fact survives its JSON document unchanged, in every state a stream can leave it."""

from __future__ import annotations

import json

import pytest
from hypothesis import given

from tests.unit.domain_strategies import UNHURRIED, fact_streams
from timeline.domain.decisions import evolve
from timeline.domain.events import FactEvent
from timeline.domain.facts import Fact
from timeline.store.fact_json import UndecodableFact, decode_fact, encode_fact


@UNHURRIED
@given(fact_streams())
def test_every_state_of_a_stream_round_trips_through_json(stream: list[FactEvent]) -> None:
    fact: Fact | None = None
    for event in stream:
        fact = evolve(fact, event)
        document = json.loads(json.dumps(encode_fact(fact)))
        assert decode_fact(document) == fact


@UNHURRIED
@given(fact_streams())
def test_a_damaged_document_is_an_integrity_violation(stream: list[FactEvent]) -> None:
    fact: Fact | None = None
    for event in stream:
        fact = evolve(fact, event)
    assert fact is not None
    document = encode_fact(fact)

    with pytest.raises(UndecodableFact, match="missing content"):
        decode_fact({k: v for k, v in document.items() if k != "content"})
    with pytest.raises(UndecodableFact, match="FORGOTTEN"):
        decode_fact({**document, "status": "FORGOTTEN"})
