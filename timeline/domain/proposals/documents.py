"""A draft as plain data in the format of ``seeds/*.yaml``, with what the proposer adds.

The seed loader reads it as it is: each fact's ``proposal`` (confidence, reasons, spans,
the record match) is there for the reviewer and ignored when loading, and ``corroborates``
names the fact on record that an entry adds a source to.
"""

from __future__ import annotations

from typing import Any

from timeline.domain.proposals.articles import Draft
from timeline.domain.proposals.proposals import MatchStatus, Proposal


def draft_document(draft: Draft) -> dict[str, Any]:
    """The draft as a mapping ready for YAML or JSON."""
    article = draft.article
    return {
        "article": article.document,
        "publisher": article.publisher,
        "title": article.title,
        "url": article.url,
        "published": article.published.text,
        "facts": [_fact(proposal) for proposal in draft.proposals],
    }


def _fact(proposal: Proposal) -> dict[str, Any]:
    fact: dict[str, Any] = {
        "id": proposal.slug,
        "kind": proposal.kind,
        "title": proposal.title,
        "summary": proposal.summary,
        "occurred": proposal.occurred.text,
        "occurred_phrase": proposal.occurred_phrase,
        "inferred": list(proposal.inferred),
        "date_note": proposal.date_note,
        "topics": [],
        "actors": list(proposal.actors),
        "places": list(proposal.places),
        "quote": proposal.quote.text,
    }
    figure = proposal.figure
    if figure is not None:
        fact["figure"] = {
            "measure": figure.measure,
            "label": figure.label,
            "value": str(figure.value),
            "unit": figure.unit,
            "qualifier": figure.qualifier.value,
            "basis": figure.basis.value,
            "period": figure.period.text,
        }
    match = proposal.match
    if match.status is not MatchStatus.NEW:
        fact["corroborates"] = str(match.fact_id)
    fact["proposal"] = {
        "confidence": round(proposal.confidence, 2),
        "quote_span": [proposal.quote.start, proposal.quote.end],
        **({"figure_span": [figure.span.start, figure.span.end]} if figure else {}),
        "match": {
            "status": match.status.value,
            "fact": None if match.fact_id is None else str(match.fact_id),
            "fact_title": match.fact_title,
            "record_reading": match.record_reading,
            "reason": match.reason or None,
        },
        "reasons": {
            name: {"confidence": guess.confidence, "reason": guess.reason}
            for name, guess in proposal.guesses.items()
        },
    }
    return fact
