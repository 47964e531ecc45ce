"""Whether a fact passes a TimelineFilter (used where facts arrive one by one, as in
subscriptions; the timeline query filters in its read model)."""

from __future__ import annotations

from timeline.api.graphql.inputs import TimelineFilter
from timeline.domain.facts import Fact


def matches(selection: TimelineFilter | None, fact: Fact) -> bool:
    if selection is None:
        return not fact.is_retracted
    content = fact.content
    occurred = content.occurred
    text = (selection.text or "").casefold()
    return all(
        (
            selection.include_retracted or not fact.is_retracted,
            selection.from_ is None or occurred.latest >= selection.from_,
            selection.to is None or occurred.earliest <= selection.to,
            not selection.kinds or content.kind in selection.kinds,
            not selection.topics or bool(set(selection.topics) & set(content.topics)),
            not selection.actors or bool(set(selection.actors) & set(content.actors)),
            not selection.places or bool(set(selection.places) & set(content.places)),
            not text or text in content.title.casefold() or text in content.summary.casefold(),
        )
    )
