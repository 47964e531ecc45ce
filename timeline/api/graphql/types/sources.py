"""Source: the publication a fact rests on, with the verbatim quote."""

from __future__ import annotations

import strawberry

from timeline.domain.dates import FuzzyDate
from timeline.domain.sources import Source as DomainSource


@strawberry.type(name="Source")
class Source:
    source: strawberry.Private[DomainSource]

    @strawberry.field
    def publisher(self) -> str:
        return self.source.publisher

    @strawberry.field
    def title(self) -> str:
        return self.source.title

    @strawberry.field
    def url(self) -> str | None:
        return self.source.url

    @strawberry.field(description="The local copy it was read from, when it has no URL.")
    def document(self) -> str | None:
        return self.source.document

    @strawberry.field
    def published_on(self) -> FuzzyDate:
        return self.source.published

    @strawberry.field
    def quote(self) -> str:
        return self.source.quote


def sources(values: tuple[DomainSource, ...]) -> list[Source]:
    return [Source(source=value) for value in values]
