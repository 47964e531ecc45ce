"""The application service: the one entry point every edge (CLI, API, seed loader) calls.

Each command loads the stream it acts on, lets a pure decision turn the command into an
event, and appends that event at the version it was decided against; a concurrent writer
makes the append fail with ``ConcurrencyError`` instead of silently interleaving.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from timeline.application.errors import ConcurrencyError, NotFound
from timeline.application.ports import EventCodec, EventStore
from timeline.application.records import AppendResult, EventMetadata
from timeline.application.streams import fact_stream, measure_stream
from timeline.domain import decisions
from timeline.domain.events import FactEvent, MeasureRegistered
from timeline.domain.facts import Fact, FactContent, FactPatch
from timeline.domain.figures import Figure
from timeline.domain.measures import Measure, register_or_check
from timeline.domain.sources import Source

_IDEMPOTENT_FACT_IDS = uuid.UUID("6f0c1d3e-4b7a-5c2e-9a1f-3d8b7e6c5a40")
"""Namespace for fact ids derived from idempotency keys, so a retried record lands on the
same stream with the same payload and the store can recognise it."""

_MEASURE_REGISTRATION_ATTEMPTS = 3


@dataclass(frozen=True, kw_only=True, slots=True)
class FactWritten:
    """The outcome of a command on a fact: its new state and where the event landed."""

    fact: Fact
    position: int
    replayed: bool
    """True when an idempotency key matched an earlier append and nothing new was written."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Actor:
    """Who is writing: recorded on every event (a token's name, a CLI user, the seed loader)."""

    name: str | None = None
    reason: str | None = None

    def metadata(self, idempotency_key: str | None = None) -> EventMetadata:
        return EventMetadata(actor=self.name, reason=self.reason, idempotency_key=idempotency_key)


class TimelineService:
    """Commands and reads on facts and measures, over an event store."""

    def __init__(
        self,
        store: EventStore,
        codec: EventCodec,
        *,
        appended: Callable[[int], None] | None = None,
    ) -> None:
        """``appended`` is told the last position of every append this service makes
        (bootstrap wakes this process's projector with it). The read models are not
        advanced here: a reader that needs this write passes the position it returns."""
        self._store = store
        self._codec = codec
        self._appended_to = appended

    async def record_fact(
        self,
        content: FactContent,
        source: Source,
        *,
        actor: Actor | None = None,
        idempotency_key: str | None = None,
        fact_id: UUID | None = None,
        measure_label: str | None = None,
    ) -> FactWritten:
        """Record a new fact from its first source.

        With an ``idempotency_key`` (and no explicit ``fact_id``) the fact id is derived from
        the key, so a retry returns the original fact instead of recording it twice.
        """
        if fact_id is None:
            fact_id = (
                uuid.uuid5(_IDEMPOTENT_FACT_IDS, idempotency_key)
                if idempotency_key
                else uuid.uuid4()
            )
        event = decisions.record_fact(fact_id, content, source)
        if content.figure is not None:
            await self._ensure_measure(content.figure, measure_label, actor)
        return await self._write(None, event, actor, idempotency_key)

    async def corroborate_fact(
        self,
        fact_id: UUID,
        source: Source,
        figure: Figure | None = None,
        *,
        actor: Actor | None = None,
        idempotency_key: str | None = None,
        measure_label: str | None = None,
    ) -> FactWritten:
        """Add another source to a fact, with that source's own reading of the figure."""
        fact = await self.get_fact(fact_id)
        event = decisions.corroborate_fact(fact, source, figure)
        if figure is not None:
            await self._ensure_measure(figure, measure_label, actor)
        return await self._write(fact, event, actor, idempotency_key)

    async def revise_fact(
        self,
        fact_id: UUID,
        expected_revision: int,
        changes: FactPatch,
        reason: str,
        source: Source | None = None,
        *,
        actor: Actor | None = None,
        idempotency_key: str | None = None,
        measure_label: str | None = None,
    ) -> FactWritten:
        """Change a fact's content; refused with StaleRevision if it moved on."""
        fact = await self.get_fact(fact_id)
        event = decisions.revise_fact(fact, expected_revision, changes, reason, source)
        if changes.figure is not None:
            await self._ensure_measure(changes.figure, measure_label, actor)
        return await self._write(fact, event, actor, idempotency_key)

    async def retract_fact(
        self,
        fact_id: UUID,
        expected_revision: int,
        reason: str,
        source: Source | None = None,
        *,
        actor: Actor | None = None,
        idempotency_key: str | None = None,
    ) -> FactWritten:
        """Mark a fact retracted; it stays in the log and in every earlier answer."""
        fact = await self.get_fact(fact_id)
        event = decisions.retract_fact(fact, expected_revision, reason, source)
        return await self._write(fact, event, actor, idempotency_key)

    async def find_fact(self, fact_id: UUID) -> Fact | None:
        """The fact's current state folded from its stream, or None if it was never recorded."""
        records = await self._store.read_stream(fact_stream(fact_id))
        events: list[FactEvent] = []
        for record in records:
            event = self._codec.decode(record)
            if isinstance(event, MeasureRegistered):
                raise NotFound(f"stream {record.stream_id} holds no fact")
            events.append(event)
        return decisions.replay(events)

    async def get_fact(self, fact_id: UUID) -> Fact:
        """Like ``find_fact``, but a fact that was never recorded is ``NotFound``."""
        fact = await self.find_fact(fact_id)
        if fact is None:
            raise NotFound(f"no fact {fact_id}")
        return fact

    async def find_measure(self, key: str) -> Measure | None:
        """The registered measure for ``key``, or None."""
        records = await self._store.read_stream(measure_stream(key))
        for record in records:
            event = self._codec.decode(record)
            if isinstance(event, MeasureRegistered):
                return Measure.from_event(event)
        return None

    async def _ensure_measure(self, figure: Figure, label: str | None, actor: Actor | None) -> None:
        """Register the figure's measure on first use, or check the figure fits it.

        Registration is its own stream (``measure-<key>``) appended at version 0, so two
        writers registering one key race on the store's version check: the loser re-reads
        and checks its figure against the winner's unit.
        """
        for _ in range(_MEASURE_REGISTRATION_ATTEMPTS):
            existing = await self.find_measure(figure.measure)
            event = register_or_check(existing, figure, label or _default_label(figure.measure))
            if event is None:
                return
            record = self._codec.encode(event, (actor or Actor()).metadata())
            try:
                result = await self._store.append(
                    measure_stream(event.key), [record], expected_version=0
                )
            except ConcurrencyError:
                continue
            self._appended(result)
            return
        raise ConcurrencyError(measure_stream(figure.measure), 0, 1)

    async def _write(
        self,
        before: Fact | None,
        event: FactEvent,
        actor: Actor | None,
        idempotency_key: str | None,
    ) -> FactWritten:
        expected_version = before.revision if before is not None else 0
        record = self._codec.encode(event, (actor or Actor()).metadata(idempotency_key))
        result = await self._store.append(
            fact_stream(event.fact_id),
            [record],
            expected_version=expected_version,
            idempotency_key=idempotency_key,
        )
        self._appended(result)
        return FactWritten(
            fact=await self._after(before, event, result),
            position=result.last_position,
            replayed=result.replayed,
        )

    def _appended(self, result: AppendResult) -> None:
        if self._appended_to is not None and not result.replayed:
            self._appended_to(result.last_position)

    async def _after(self, before: Fact | None, event: FactEvent, result: AppendResult) -> Fact:
        if result.replayed:
            # The original append may have been followed by others: answer with the stream.
            return await self.get_fact(event.fact_id)
        return decisions.evolve(before, event)


def _default_label(key: str) -> str:
    return key.replace("-", " ").capitalize()
