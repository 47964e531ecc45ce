"""Whether a fact passes a timeline filter, for facts that arrive one by one (subscriptions);
the timeline query filters the same way in its read model (``FactFilter``)."""

from __future__ import annotations

from timeline.application.read_models import FactFilter
from timeline.domain.facts import Fact


def matches(criteria: FactFilter, fact: Fact) -> bool:
    content = fact.content
    occurred = content.occurred
    text = (criteria.text or "").casefold()
    return all(
        (
            criteria.include_retracted or not fact.is_retracted,
            criteria.occurred_from is None or occurred.latest >= criteria.occurred_from,
            criteria.occurred_to is None or occurred.earliest <= criteria.occurred_to,
            not criteria.kinds or content.kind in criteria.kinds,
            not criteria.topics or not criteria.topics.isdisjoint(content.topics),
            not criteria.actors or not criteria.actors.isdisjoint(content.actors),
            not criteria.places or not criteria.places.isdisjoint(content.places),
            not text or text in content.title.casefold() or text in content.summary.casefold(),
        )
    )
