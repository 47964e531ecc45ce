from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from uuid import UUID

import pytest

from timeline.domain import facts
from timeline.domain.dates import FuzzyDate
from timeline.domain.errors import DomainError, InvalidFact, InvalidText
from timeline.domain.facts import (
    KNOWN_KINDS,
    Fact,
    FactContent,
    FactPatch,
    FactStatus,
    check_kind,
)
from timeline.domain.figures import Figure
from timeline.domain.quantities import Basis, Qualifier, Quantity
from timeline.domain.sources import Source
from timeline.domain.texts import MAX_ITEMS, MAX_LABEL, MAX_SUMMARY

ARRIVALS = Figure(
    measure="small-boat-arrivals",
    quantity=Quantity(Decimal(50_000), "people", Qualifier.MORE_THAN),
    basis=Basis.CUMULATIVE,
    period=FuzzyDate("2024-07-05/2025-10"),
)
CONTENT = FactContent(
    kind="FIGURE_REPORTED",
    title="More than 50,000 people crossed the Channel under Labour",
    summary="Small boat arrivals since July 2024 passed 50,000.",
    occurred=FuzzyDate("2024-07-05/2025-10"),
    occurred_phrase="since Labour took office",
    inferred=("start", "end"),
    topics=("small boats",),
    actors=("Home Office",),
    places=("English Channel",),
    figure=ARRIVALS,
)
SOURCE = Source(
    publisher="BBC News",
    title="Crossings pass 50,000",
    url="https://www.bbc.co.uk/news/1",
    published=FuzzyDate("2025-10"),
    quote="More than 50,000 people have crossed since Labour took office.",
)


def test_every_known_kind_is_well_formed() -> None:
    # check_kind takes a known kind without the pattern, so the pattern is checked here.
    assert all(facts._KIND.fullmatch(kind) for kind in KNOWN_KINDS)
    assert all(len(kind) <= facts.MAX_KIND for kind in KNOWN_KINDS)
    assert all(check_kind(kind) == kind for kind in KNOWN_KINDS)
    assert {"POLICY_ANNOUNCED", "FIGURE_REPORTED", "SUMMIT_HELD"} <= KNOWN_KINDS


def test_a_new_well_formed_kind_is_accepted() -> None:
    assert dataclasses.replace(CONTENT, kind="SITUATION_REPORTED").kind == "SITUATION_REPORTED"


@pytest.mark.parametrize("kind", [["POLICY_ANNOUNCED"], None, 3])
def test_a_kind_that_is_not_a_string_is_refused(kind: object) -> None:
    with pytest.raises(InvalidFact, match="UPPER_SNAKE_CASE") as caught:
        dataclasses.replace(CONTENT, kind=kind)  # type: ignore[arg-type]
    assert caught.value.field == "content.kind"


@pytest.mark.parametrize(
    "kind", ["policy_announced", "Policy", "POLICY__ANNOUNCED", "_POLICY", "POLICY-X", "", "9X"]
)
def test_malformed_kinds_are_refused(kind: str) -> None:
    with pytest.raises(InvalidFact, match="UPPER_SNAKE_CASE") as caught:
        dataclasses.replace(CONTENT, kind=kind)
    assert caught.value.field == "content.kind"


def test_a_figure_reported_fact_needs_its_figure() -> None:
    with pytest.raises(InvalidFact, match="needs its figure") as caught:
        dataclasses.replace(CONTENT, figure=None)
    assert caught.value.field == "content.figure"
    assert dataclasses.replace(CONTENT, kind="MEETING_HELD", figure=None).figure is None


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"title": " "}, "content.title", "must not be empty"),
        ({"summary": ""}, "content.summary", "must not be empty"),
        ({"summary": "s" * (MAX_SUMMARY + 1)}, "content.summary", "the limit"),
        ({"occurred": "2025-10"}, "content.occurred", "must be a FuzzyDate"),
        ({"occurred_phrase": ""}, "content.occurred_phrase", "must not be empty"),
        ({"date_note": "a\nb"}, "content.date_note", "single line"),
        ({"inferred": ("century",)}, "content.inferred[0]", "is not one of"),
        ({"inferred": ("year", "year")}, "content.inferred", "names a part twice"),
        ({"inferred": ["year"]}, "content.inferred", "must be a tuple"),
        ({"topics": ("boats", "boats")}, "content.topics[1]", "duplicates 'boats'"),
        ({"topics": ["boats"]}, "content.topics", "must be a tuple"),
        ({"actors": ("",)}, "content.actors[0]", "must not be empty"),
        ({"places": ("p" * (MAX_LABEL + 1),)}, "content.places[0]", "the limit"),
        ({"topics": tuple(f"t{i}" for i in range(MAX_ITEMS + 1))}, "content.topics", "limit"),
        ({"figure": Decimal(5)}, "content.figure", "must be a Figure"),
    ],
)
def test_bad_content_is_refused_naming_the_field(
    changes: dict[str, object], field: str, reason: str
) -> None:
    with pytest.raises((InvalidFact, InvalidText)) as caught:
        dataclasses.replace(CONTENT, **changes)  # type: ignore[arg-type]
    assert isinstance(caught.value, DomainError)
    assert caught.value.field == field
    assert reason in caught.value.reason


def test_a_patch_replaces_only_what_it_sets() -> None:
    patch = FactPatch(title="Over 50,000 crossings under Labour", topics=("channel",))
    patched = patch.apply(CONTENT)
    assert patched.title == "Over 50,000 crossings under Labour"
    assert patched.topics == ("channel",)
    assert dataclasses.replace(patched, title=CONTENT.title, topics=CONTENT.topics) == CONTENT
    assert patch.changed_fields(CONTENT) == ("title", "topics")


def test_a_patch_clears_optional_fields_it_names() -> None:
    patch = FactPatch(kind="MEETING_HELD", cleared=frozenset({"figure", "occurred_phrase"}))
    patched = patch.apply(CONTENT)
    assert (patched.figure, patched.occurred_phrase) == (None, None)
    assert patch.changed_fields(CONTENT) == ("kind", "occurred_phrase", "figure")


def test_an_empty_tuple_clears_a_tuple_field() -> None:
    assert FactPatch(actors=()).apply(CONTENT).actors == ()


def test_a_patch_result_is_validated_as_content() -> None:
    with pytest.raises(InvalidFact, match="needs its figure"):
        FactPatch(cleared=frozenset({"figure"})).apply(CONTENT)
    with pytest.raises(InvalidText):
        FactPatch(title="").apply(CONTENT)


def test_empty_patches_are_recognised() -> None:
    assert FactPatch().is_empty
    assert not FactPatch(actors=()).is_empty
    assert not FactPatch(cleared=frozenset({"date_note"})).is_empty
    assert FactPatch(title=CONTENT.title).changed_fields(CONTENT) == ()


@pytest.mark.parametrize(
    ("patch", "field", "reason"),
    [
        ({"cleared": frozenset({"title"})}, "changes.cleared", "cannot be cleared"),
        ({"cleared": {"figure"}}, "changes.cleared", "must be a frozenset"),
        (
            {"date_note": "later", "cleared": frozenset({"date_note"})},
            "changes.date_note",
            "both set and cleared",
        ),
    ],
)
def test_contradictory_patches_are_refused(
    patch: dict[str, object], field: str, reason: str
) -> None:
    with pytest.raises(InvalidFact, match=reason) as caught:
        FactPatch(**patch)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_a_fact_is_known_from_its_earliest_published_source() -> None:
    earlier = dataclasses.replace(
        SOURCE, url="https://example.org/earlier", published=FuzzyDate("2025-09-30")
    )
    fact = Fact(fact_id=UUID(int=1), content=CONTENT, sources=(SOURCE,))
    assert fact.known_from == dt.date(2025, 10, 31)
    assert dataclasses.replace(fact, sources=(SOURCE, earlier)).known_from == dt.date(2025, 9, 30)


def test_a_new_fact_is_active_at_revision_one() -> None:
    fact = Fact(fact_id=UUID(int=1), content=CONTENT, sources=(SOURCE,))
    assert (fact.status, fact.revision, fact.is_retracted) == (FactStatus.ACTIVE, 1, False)
