"""Proposing facts from an article: the pure rules, then a look at what the record holds.

Reads only, through ``TimelineQueries``: the facts on record (for corroborations,
conflicts and repeats), the registered measures, and the names the record already spells.
Nothing is written; accepting a reviewed draft goes through ``TimelineService`` like any
other write (see ``timeline.corpus``).
"""

from __future__ import annotations

import asyncio
import threading

from timeline.application.queries import TimelineQueries
from timeline.application.read_models import FactFilter
from timeline.domain.facts import Fact
from timeline.domain.proposals.anchors import anchors_from
from timeline.domain.proposals.articles import Article, Draft
from timeline.domain.proposals.drafting import propose
from timeline.domain.proposals.matching import match_proposals
from timeline.domain.proposals.names import RecordKnowledge
from timeline.domain.proposals.proposals import Proposal

_PIPELINE = threading.Lock()


async def propose_facts(queries: TimelineQueries, article: Article) -> Draft:
    """Proposed facts for ``article``, matched against the record as it stands now."""
    record = await _record(queries)
    known = RecordKnowledge(
        actors=frozenset(a for fact in record for a in fact.content.actors),
        places=frozenset(p for fact in record for p in fact.content.places),
        anchors=anchors_from(record),
    )
    # Sentence splitting is CPU work: off the event loop, so a server keeps answering.
    proposals = await asyncio.to_thread(_propose_alone, article, known)
    matched = match_proposals(
        proposals, record, await queries.measures(), source_identity=article.identity
    )
    return Draft(article=article, proposals=tuple(matched))


def _propose_alone(article: Article, known: RecordKnowledge) -> list[Proposal]:
    # One at a time: spaCy does not promise that one pipeline serves two threads at once.
    with _PIPELINE:
        return propose(article, known=known)


async def _record(queries: TimelineQueries) -> list[Fact]:
    facts: list[Fact] = []
    async for page in queries.timeline_pages(None, None, FactFilter()):
        facts.extend(revision.fact for revision in page.page.revisions)
    return facts


def propose_from_text(article: Article) -> Draft:
    """Proposed facts for ``article`` from its text alone, with no record to match."""
    return Draft(article=article, proposals=tuple(propose(article, known=RecordKnowledge())))
