"""Input types and their conversion into domain values.

Each ``to_domain`` builds the domain value under the GraphQL path it came from, so that a
DomainError names the input field as the client spelled it (``input.figure.value``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from uuid import UUID

import strawberry

from timeline.api.graphql.errors import camel_path
from timeline.api.graphql.types.figures import Basis, Qualifier, domain_basis, domain_qualifier
from timeline.api.graphql.types.measures import MEASURE_KEY_FORMAT
from timeline.application.read_models import FactFilter
from timeline.domain.dates import FuzzyDate
from timeline.domain.errors import DomainError
from timeline.domain.facts import FactContent, FactPatch
from timeline.domain.figures import Figure
from timeline.domain.quantities import Quantity
from timeline.domain.sources import Source
from timeline.domain.texts import MAX_LABEL, check_text

# Where the domain's own field names differ from the API's.
_RENAMED = {"published": "publishedOn", "quantity": "value"}
_DOMAIN_PREFIXES = ("content.", "source.", "changes.")


@contextmanager
def under(path: str) -> Iterator[None]:
    """Re-raise a DomainError (same class, same reason) with its field placed under ``path``."""
    try:
        yield
    except DomainError as error:
        field = error.field
        for prefix in _DOMAIN_PREFIXES:
            if field.startswith(prefix):
                field = field.removeprefix(prefix)
                break
        head, dot, rest = field.partition(".")
        field = f"{path}.{camel_path(_RENAMED.get(head, head) + dot + rest)}"
        placed = DomainError.__new__(type(error))
        DomainError.__init__(placed, field, error.reason)
        raise placed from error


@strawberry.input
class SourceInput:
    publisher: str
    title: str | None = None
    # Required here though the domain also accepts a local document instead: the API is for
    # sources a reader can open, and a document name only means something in a curated corpus.
    url: str = strawberry.field(description="The absolute http(s) URL the source is read at.")
    published_on: FuzzyDate
    quote: str

    def to_domain(self, path: str) -> Source:
        with under(path):
            return Source(
                publisher=self.publisher,
                # A source without its own headline is filed under its publisher's name.
                title=self.title if self.title is not None else self.publisher,
                url=self.url,
                published=self.published_on,
                quote=self.quote,
            )


@strawberry.input
class FigureInput:
    measure: str = strawberry.field(
        description="The measure the figure counts towards. " + MEASURE_KEY_FORMAT
    )
    value: Decimal
    unit: str
    qualifier: Qualifier | None = Qualifier.EXACT
    basis: Basis
    period: FuzzyDate
    span_days: int | None = strawberry.field(
        default=None,
        description="A FLOW amount over a period of known length somewhere inside period, "
        "in days: 'nearly 2,000 last week' in an article of some day in October is 7 within "
        "2025-09-22/2025-10-30. Null: the amount covers all of period.",
    )

    def to_domain(self, path: str) -> Figure:
        with under(path):
            return Figure(
                measure=self.measure,
                quantity=Quantity(
                    self.value, self.unit, domain_qualifier(self.qualifier or Qualifier.EXACT)
                ),
                basis=domain_basis(self.basis),
                period=self.period,
                span_days=self.span_days,
            )


@strawberry.input
class RecordFactInput:
    idempotency_key: str | None = strawberry.field(
        default=None, description="Retrying with the same key returns the original fact."
    )
    kind: str
    title: str
    summary: str | None = strawberry.field(default=None, description="Defaults to the title.")
    occurred: FuzzyDate
    occurred_phrase: str | None = strawberry.field(
        default=None, description='The source\'s words for the date ("last year").'
    )
    inferred: list[str] | None = strawberry.field(
        default=None, description="Parts of occurred the source did not state (year, ...)."
    )
    date_note: str | None = strawberry.field(
        default=None, description="How the date was resolved, in a line."
    )
    topics: list[str] | None = None
    actors: list[str] | None = None
    places: list[str] | None = None
    figure: FigureInput | None = None
    source: SourceInput

    def content(self, path: str) -> FactContent:
        figure = None if self.figure is None else self.figure.to_domain(f"{path}.figure")
        with under(path):
            return FactContent(
                kind=self.kind,
                title=self.title,
                summary=self.summary if self.summary is not None else self.title,
                occurred=self.occurred,
                occurred_phrase=self.occurred_phrase,
                inferred=tuple(self.inferred or ()),
                date_note=self.date_note,
                topics=tuple(self.topics or ()),
                actors=tuple(self.actors or ()),
                places=tuple(self.places or ()),
                figure=figure,
            )


@strawberry.input
class FactPatchInput:
    title: str | None = None
    summary: str | None = None
    occurred: FuzzyDate | None = None
    topics: list[str] | None = None
    actors: list[str] | None = None
    places: list[str] | None = None
    figure: FigureInput | None = None

    def to_domain(self, path: str) -> FactPatch:
        figure = None if self.figure is None else self.figure.to_domain(f"{path}.figure")
        with under(path):
            return FactPatch(
                title=self.title,
                summary=self.summary,
                occurred=self.occurred,
                topics=None if self.topics is None else tuple(self.topics),
                actors=None if self.actors is None else tuple(self.actors),
                places=None if self.places is None else tuple(self.places),
                figure=figure,
            )


@strawberry.input
class TimelineFilter:
    from_: dt.date | None = strawberry.field(default=None, name="from")
    to: dt.date | None = None
    kinds: list[str] | None = None
    topics: list[str] | None = None
    actors: list[str] | None = None
    places: list[str] | None = None
    text: str | None = None
    include_retracted: bool | None = False

    def to_domain(self, path: str) -> FactFilter:
        if self.text is not None:
            check_text(f"{path}.text", self.text, MAX_LABEL)
        return FactFilter(
            kinds=frozenset(self.kinds or ()),
            topics=frozenset(self.topics or ()),
            actors=frozenset(self.actors or ()),
            places=frozenset(self.places or ()),
            text=self.text,
            occurred_from=self.from_,
            occurred_to=self.to,
            include_retracted=bool(self.include_retracted),
        )


def fact_filter(selection: TimelineFilter | None, path: str = "filter") -> FactFilter:
    return FactFilter() if selection is None else selection.to_domain(path)


class InvalidId(DomainError):
    """An ID that is not one this API hands out."""


def fact_id(value: str, *, field: str = "id") -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise InvalidId(field, f"{value!r} is not a fact id") from None


def idempotency_key(value: str | None, *, field: str) -> str | None:
    return None if value is None else check_text(field, value, MAX_LABEL)
