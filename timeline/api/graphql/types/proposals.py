"""Proposed facts: what ``proposeFacts`` answers, for a writer to review before recording."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum

import strawberry

from timeline.api.graphql.types.figures import Basis, Qualifier
from timeline.domain.dates import FuzzyDate
from timeline.domain.proposals.articles import Draft
from timeline.domain.proposals.proposals import Proposal, ProposedFigure


@strawberry.enum(description="How a proposal stands against the record.")
class ProposalStatus(Enum):
    NEW = strawberry.enum_value("new", description="Nothing on record says it.")
    CORROBORATION = strawberry.enum_value(
        "corroboration", description="It repeats a fact on record: add it as a source."
    )
    CONFLICT = strawberry.enum_value(
        "conflict", description="It reads a figure on record differently: both readings stand."
    )


@strawberry.type(description="How sure the proposer is of one field, and the rule behind it.")
class FieldReason:
    field: str
    confidence: float
    reason: str


@strawberry.type(name="ProposedFigure")
class ProposedFigureType:
    figure: strawberry.Private[ProposedFigure]

    @strawberry.field(description="A registered measure's key where the text fits one.")
    def measure(self) -> str:
        return self.figure.measure

    @strawberry.field
    def label(self) -> str:
        return self.figure.label

    @strawberry.field
    def value(self) -> Decimal:
        return self.figure.value

    @strawberry.field
    def unit(self) -> str:
        return self.figure.unit

    @strawberry.field
    def qualifier(self) -> Qualifier:
        return Qualifier[self.figure.qualifier.name]

    @strawberry.field
    def basis(self) -> Basis:
        return Basis[self.figure.basis.name]

    @strawberry.field
    def period(self) -> FuzzyDate:
        return self.figure.period

    @strawberry.field(description="The number as written in the text.")
    def written(self) -> str:
        return self.figure.span.text


@strawberry.type(name="ProposedFact", description="A fact proposed from a text; not recorded.")
class ProposedFact:
    proposal: strawberry.Private[Proposal]

    @strawberry.field(description="Stable for the same text and source: an idempotency key.")
    def key(self) -> str:
        return self.proposal.slug

    @strawberry.field
    def kind(self) -> str:
        return self.proposal.kind

    @strawberry.field
    def title(self) -> str:
        return self.proposal.title

    @strawberry.field
    def summary(self) -> str:
        return self.proposal.summary

    @strawberry.field(description="The sentence it rests on, verbatim.")
    def quote(self) -> str:
        return self.proposal.quote.text

    @strawberry.field(description="Where the quote starts in the text (characters).")
    def quote_start(self) -> int:
        return self.proposal.quote.start

    @strawberry.field(description="Where the quote ends in the text (exclusive).")
    def quote_end(self) -> int:
        return self.proposal.quote.end

    @strawberry.field
    def occurred(self) -> FuzzyDate:
        return self.proposal.occurred

    @strawberry.field(description="The text's words for the date, if any.")
    def occurred_phrase(self) -> str | None:
        return self.proposal.occurred_phrase

    @strawberry.field(description="Parts of occurred the text did not state.")
    def inferred(self) -> list[str]:
        return list(self.proposal.inferred)

    @strawberry.field
    def date_note(self) -> str:
        return self.proposal.date_note

    @strawberry.field
    def actors(self) -> list[str]:
        return list(self.proposal.actors)

    @strawberry.field
    def places(self) -> list[str]:
        return list(self.proposal.places)

    @strawberry.field
    def figure(self) -> ProposedFigureType | None:
        figure = self.proposal.figure
        return None if figure is None else ProposedFigureType(figure=figure)

    @strawberry.field(description="The least sure of its inferred fields (0 to 1).")
    def confidence(self) -> float:
        return self.proposal.confidence

    @strawberry.field
    def reasons(self) -> list[FieldReason]:
        return [
            FieldReason(field=name, confidence=guess.confidence, reason=guess.reason)
            for name, guess in self.proposal.guesses.items()
        ]

    @strawberry.field
    def status(self) -> ProposalStatus:
        return ProposalStatus(self.proposal.match.status.value)

    @strawberry.field(description="The fact on record it corroborates or conflicts with.")
    def fact_id(self) -> strawberry.ID | None:
        fact_id = self.proposal.match.fact_id
        return None if fact_id is None else strawberry.ID(str(fact_id))

    @strawberry.field
    def fact_title(self) -> str | None:
        return self.proposal.match.fact_title

    @strawberry.field(description="The record's reading of the figure, for a conflict.")
    def record_reading(self) -> str | None:
        return self.proposal.match.record_reading


@strawberry.type(description="Facts proposed from one text; nothing is written.")
class FactProposals:
    draft: strawberry.Private[Draft]

    @strawberry.field
    def published_on(self) -> FuzzyDate:
        return self.draft.article.published

    @strawberry.field
    def publisher(self) -> str:
        return self.draft.article.publisher

    @strawberry.field
    def url(self) -> str | None:
        return self.draft.article.url

    @strawberry.field
    def facts(self) -> list[ProposedFact]:
        return [ProposedFact(proposal=proposal) for proposal in self.draft.proposals]
