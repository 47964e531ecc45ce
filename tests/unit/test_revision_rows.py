"""A revision's rows: bounded in number and width per event, and decoded back to the revision.

A revision row refers to its content (``fact_contents``, written by the revision that gave
it) and to the first N of its fact's sources (``fact_sources``, each written by the event
that brought it), so that no row an event writes grows with the fact's history.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any
from uuid import UUID

import orjson
import pytest
from hypothesis import given

from tests.unit.domain_strategies import UNHURRIED, logs
from tests.unit.projections.builders import PAYMENTS, RECORDING, A
from timeline.domain.dates import FuzzyDate
from timeline.domain.events import DomainEvent, FactCorroborated, FactRecorded, FactRevised
from timeline.domain.facts import FactContent, FactPatch
from timeline.domain.projections.logged import LoggedEvent
from timeline.domain.projections.revisions import FactRevision, fold
from timeline.domain.sources import Source
from timeline.store.fact_json import UndecodableFact
from timeline.store.read_models.rows import (
    content_rows,
    label_rows,
    named,
    revision_from_row,
    revision_row,
    source_rows,
    sources_from_rows,
)
from timeline.store.read_models.tables import fact_contents, fact_revisions, fact_sources


def _as_read(row: dict[str, Any]) -> dict[str, Any]:
    """A row as the reads select it: the JSON columns as their text."""
    return {
        name: orjson.dumps(value).decode() if isinstance(value, dict | list) else value
        for name, value in row.items()
    }


def _revisions(log: list[LoggedEvent]) -> list[FactRevision]:
    return [revision for stream in fold(log).revisions.values() for revision in stream]


def _stored(revisions: list[FactRevision]) -> tuple[dict[Any, Any], dict[UUID, list[Source]]]:
    """The contents by (fact id, revision) and every fact's sources, as the reads get them."""
    contents = {
        (row["fact_id"], row["revision"]): _as_read(row)
        for revision in revisions
        for row in named(fact_contents, content_rows(revision))
    }
    source_rows_read = sorted(
        (
            _as_read(row)
            for revision in revisions
            for row in named(fact_sources, source_rows(revision))
        ),
        key=lambda row: (row["fact_id"], row["source_index"]),
    )
    return contents, sources_from_rows(source_rows_read)


@UNHURRIED
@given(log=logs())
def test_each_revision_decodes_from_its_row_its_content_and_its_facts_sources(
    log: list[LoggedEvent],
) -> None:
    revisions = _revisions(log)
    contents, sources = _stored(revisions)
    for revision in revisions:
        (row,) = named(fact_revisions, [revision_row(revision)])
        content = contents[(revision.fact_id, revision.content_revision)]
        read = {**content, **_as_read(row)}  # the revision's own fact_id and revision
        assert revision_from_row(read, sources[revision.fact_id]) == revision


@UNHURRIED
@given(log=logs())
def test_an_event_writes_one_revision_row_and_at_most_one_content_and_one_source(
    log: list[LoggedEvent],
) -> None:
    revisions = _revisions(log)
    written: defaultdict[UUID, int] = defaultdict(int)
    for revision in revisions:
        gave_content = revision.content_revision == revision.revision
        assert len(content_rows(revision)) == int(gave_content)
        assert len(source_rows(revision)) <= 1
        if not gave_content:
            assert label_rows(revision) == []
        written[revision.fact_id] += len(source_rows(revision))
    latest = {revision.fact_id: revision for revision in revisions}
    assert written == {fact_id: len(r.fact.sources) for fact_id, r in latest.items()}


def _source(number: int) -> Source:
    return Source(
        publisher="BBC News",
        title=f"Payments, report {number}",
        url=f"https://example.org/payments/{number}",
        published=FuzzyDate("2024"),
        quote=f"Quote {number}.",
    )


def test_a_revision_row_does_not_grow_with_its_facts_sources() -> None:
    content = FactContent(
        kind="PAYMENT_AGREED",
        title="Payments",
        summary="The UK paid France.",
        occurred=FuzzyDate("2023"),
        topics=(PAYMENTS.key,),
    )
    events: list[DomainEvent] = [FactRecorded(fact_id=A, content=content, source=_source(0))]
    events += [FactCorroborated(fact_id=A, source=_source(n)) for n in range(1, 60)]
    events.append(FactRevised(fact_id=A, changes=FactPatch(summary="Paid."), reason="wording"))
    log = [
        LoggedEvent.of(position, RECORDING + dt.timedelta(hours=position), event)
        for position, event in enumerate(events, start=1)
    ]
    revisions = _revisions(log)
    widths = [len(orjson.dumps(revision_row(r), default=str)) for r in revisions]
    # The corroborations' rows differ only by the digits of their numbers.
    assert max(widths[1:-1]) - min(widths[1:-1]) < 10
    assert [len(content_rows(r)) for r in revisions] == [1] + [0] * 59 + [1]
    assert sum(len(source_rows(r)) for r in revisions) == 60
    assert revisions[-1].content_revision == 61
    assert revisions[-2].content_revision == 1


@UNHURRIED
@given(log=logs())
def test_a_damaged_row_is_an_integrity_violation(log: list[LoggedEvent]) -> None:
    revisions = _revisions(log)
    contents, sources = _stored(revisions)
    revision = revisions[-1]
    (row,) = named(fact_revisions, [revision_row(revision)])
    read = {**contents[(revision.fact_id, revision.content_revision)], **_as_read(row)}
    held = sources[revision.fact_id]

    with pytest.raises(UndecodableFact, match="missing content"):
        revision_from_row({k: v for k, v in read.items() if k != "content"}, held)
    with pytest.raises(UndecodableFact, match="FORGOTTEN"):
        revision_from_row({**read, "status": "FORGOTTEN"}, held)
    with pytest.raises(UndecodableFact, match="sources"):
        revision_from_row(read, held[:-1])
    with pytest.raises(UndecodableFact, match="source 0 is missing"):
        sources_from_rows([{"fact_id": revision.fact_id, "source_index": 1, "source": "{}"}])
