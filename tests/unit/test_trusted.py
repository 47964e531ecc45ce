"""The trusted constructors build what the validating ones build, field for field."""

from __future__ import annotations

import dataclasses
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from timeline.domain.dates import FuzzyDate
from timeline.domain.errors import DomainError
from timeline.domain.events import (
    FactCorroborated,
    FactRecorded,
    FactRetracted,
    FactRevised,
    MeasureRegistered,
)
from timeline.domain.facts import FactContent, FactPatch
from timeline.domain.figures import Figure
from timeline.domain.quantities import Quantity
from timeline.domain.sources import Source
from timeline.domain.trusted import trusted, validated

from .domain_strategies import (
    UNHURRIED,
    contents,
    fact_events,
    figures,
    measure_events,
    patches,
    quantities,
    sources,
)

VALUES = st.one_of(
    quantities(), figures(), sources(), contents(), patches(), fact_events(), measure_events()
)
BUILT_ON_REPLAY = (
    Quantity,
    Figure,
    Source,
    FactContent,
    FactPatch,
    FactRecorded,
    FactCorroborated,
    FactRevised,
    FactRetracted,
    MeasureRegistered,
)


def _fields(value: Any) -> dict[str, Any]:
    return {field.name: getattr(value, field.name) for field in dataclasses.fields(value)}


@UNHURRIED
@given(VALUES)
def test_trusted_construction_equals_validated_construction(value: Any) -> None:
    cls = type(value)
    assert cls in BUILT_ON_REPLAY
    fields = _fields(value)
    built = trusted(cls)(**fields)
    assert type(built) is cls
    assert built == cls(**fields)
    assert _fields(built) == fields  # every field set, none left to a default
    assert hash(built) == hash(value)


def test_every_field_must_be_given() -> None:
    with pytest.raises(TypeError, match="document"):
        trusted(Source)(
            publisher="BBC", title="t", url=None, published=FuzzyDate("2025"), quote="q"
        )


def test_it_skips_the_checks_that_input_gets() -> None:
    fields: dict[str, Any] = {
        "publisher": "BBC",
        "title": "t",
        "url": "ftp://x.org",
        "published": FuzzyDate("2025"),
        "quote": "q",
        "document": None,
    }
    with pytest.raises(DomainError, match="absolute http"):
        Source(**fields)
    assert trusted(Source)(**fields).url == "ftp://x.org"


def test_only_slotted_dataclasses_have_one() -> None:
    with pytest.raises(TypeError, match="not a slotted dataclass"):
        trusted(int)
    # A fuzzy date's fields are derived from its text, so it is always parsed.
    with pytest.raises(TypeError, match="FuzzyDate derives fields"):
        trusted(FuzzyDate)


@UNHURRIED
@given(VALUES)
def test_validating_again_gives_the_same_value(value: Any) -> None:
    assert validated(value) == value


def test_validating_again_refuses_what_input_would_be_refused() -> None:
    fields: dict[str, Any] = {
        "publisher": "BBC",
        "title": "t",
        "url": "ftp://x.org",
        "published": FuzzyDate("2025"),
        "quote": "q",
        "document": None,
    }
    content = trusted(FactContent)(
        kind="POLICY_ANNOUNCED",
        title="t",
        summary="s",
        occurred=FuzzyDate("2025"),
        occurred_phrase=None,
        inferred=(),
        date_note=None,
        topics=(),
        actors=(),
        places=(),
        figure=None,
    )
    recorded = trusted(FactRecorded)(
        fact_id=UUID(int=1), content=content, source=trusted(Source)(**fields)
    )
    with pytest.raises(DomainError, match=r"source\.url: 'ftp://x\.org' is not an absolute"):
        validated(recorded)
