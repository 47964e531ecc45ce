"""The codec: domain events to store records and back, upcasting old payload shapes.

Payloads are plain JSON: money and counts as decimal strings (never floats), fuzzy dates as
their EDTF text, UUIDs as strings. ``event_type`` is the event's class name and
``schema_version`` its ``SCHEMA_VERSION``. A stored payload is never rewritten; when a shape
changes, the event class's version goes up and an upcaster registered under
``(event_type, old_version)`` lifts old payloads one version on read.

Times beside the payload: ``occurred`` is the date the event itself states (FactRecorded's
``content.occurred``; a FactRevised that changes ``occurred``); other events leave it None,
because the fact's current date is the fold's business, not the codec's. ``reported`` is the
publication date of the event's source, when it has one.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Final, TypeVar
from uuid import UUID

from timeline.application.errors import IntegrityViolation
from timeline.application.records import (
    EventMetadata,
    JSONValue,
    NewEvent,
    OccurredTime,
    RecordedEvent,
    ReportedTime,
)
from timeline.domain.dates import FuzzyDate
from timeline.domain.errors import DomainError
from timeline.domain.events import (
    DomainEvent,
    FactCorroborated,
    FactRecorded,
    FactRetracted,
    FactRevised,
    MeasureRegistered,
)
from timeline.domain.facts import FactContent, FactPatch
from timeline.domain.figures import Figure
from timeline.domain.quantities import Basis, Qualifier, Quantity
from timeline.domain.sources import Source

_T = TypeVar("_T")
JSONObject = dict[str, JSONValue]
Upcaster = Callable[[Mapping[str, JSONValue]], JSONObject]


class UndecodableEvent(IntegrityViolation):
    """A stored payload that no known shape or upcaster can turn back into an event."""

    def __init__(self, event_type: str, schema_version: int, reason: str) -> None:
        super().__init__(f"cannot decode {event_type} v{schema_version}: {reason}")
        self.event_type = event_type
        self.schema_version = schema_version
        self.reason = reason


EVENT_TYPES: Final[Mapping[str, type[DomainEvent]]] = {
    cls.__name__: cls
    for cls in (FactRecorded, FactCorroborated, FactRevised, FactRetracted, MeasureRegistered)
}


def stream_id_for(event: DomainEvent) -> str:
    """The stream an event belongs to: ``fact-<uuid>`` or ``measure-<key>``."""
    if isinstance(event, MeasureRegistered):
        return f"measure-{event.key}"
    return f"fact-{event.fact_id}"


def encode(
    event: DomainEvent, metadata: EventMetadata | None = None, *, event_id: UUID | None = None
) -> NewEvent:
    """The record for ``event``. Pass ``event_id`` to make the result reproducible (retries,
    idempotent imports); without one a random id is drawn."""
    payload = encode_payload(event)  # first: it refuses anything but a domain event
    return NewEvent(
        event_id=event_id or uuid.uuid4(),
        event_type=type(event).__name__,
        schema_version=event.SCHEMA_VERSION,
        payload=payload,
        occurred=_occurred(event),
        reported=_reported(event),
        metadata=metadata or EventMetadata(),
    )


def decode(record: RecordedEvent) -> DomainEvent:
    """The domain event a stored record holds, upcast to the current shape."""
    return decode_payload(record.event_type, record.schema_version, record.payload)


def encode_payload(event: DomainEvent) -> JSONObject:
    if isinstance(event, FactRecorded):
        return {
            "fact_id": str(event.fact_id),
            "content": _content(event.content),
            "source": _source(event.source),
        }
    if isinstance(event, FactCorroborated):
        return {
            "fact_id": str(event.fact_id),
            "source": _source(event.source),
            "figure": _optional(_figure, event.figure),
        }
    if isinstance(event, FactRevised):
        return {
            "fact_id": str(event.fact_id),
            "changes": _patch(event.changes),
            "reason": event.reason,
            "source": _optional(_source, event.source),
        }
    if isinstance(event, FactRetracted):
        return {
            "fact_id": str(event.fact_id),
            "reason": event.reason,
            "source": _optional(_source, event.source),
        }
    if isinstance(event, MeasureRegistered):
        return {"key": event.key, "label": event.label, "unit": event.unit}
    raise TypeError(f"not a domain event: {type(event).__name__}")


def decode_payload(
    event_type: str, schema_version: int, payload: Mapping[str, JSONValue]
) -> DomainEvent:
    cls = EVENT_TYPES.get(event_type)
    if cls is None:
        raise UndecodableEvent(event_type, schema_version, "unknown event type")
    data = _upcast(event_type, schema_version, cls.SCHEMA_VERSION, payload)
    try:
        return _read_event(cls, _Reader(data))
    except (DomainError, KeyError, TypeError, ValueError) as exc:
        raise UndecodableEvent(event_type, schema_version, _describe(exc)) from exc


# The value objects' JSON, public for the read models (``timeline.store.fact_json``): a fact
# in a read model is written exactly as its events write it. Decoding raises KeyError,
# TypeError, ValueError or a DomainError on a malformed document; callers name the context.


def encode_content(content: FactContent) -> JSONObject:
    return _content(content)


def decode_content(data: Mapping[str, JSONValue]) -> FactContent:
    return _read_content(_Reader(data, "content"))


def encode_source(source: Source) -> JSONObject:
    return _source(source)


def decode_source(data: Mapping[str, JSONValue]) -> Source:
    return _read_source(_Reader(data, "source"))


def encode_figure(figure: Figure) -> JSONObject:
    return _figure(figure)


def decode_figure(data: Mapping[str, JSONValue]) -> Figure:
    return _read_figure(_Reader(data, "figure"))


def encode_quantity(quantity: Quantity) -> JSONObject:
    return _quantity(quantity)


def decode_quantity(data: Mapping[str, JSONValue]) -> Quantity:
    return _read_quantity(_Reader(data, "quantity"))


# Upcasters, one per (event type, version it lifts from). Each returns a new dict.


def _fact_recorded_v1(payload: Mapping[str, JSONValue]) -> JSONObject:
    """v1 predates ``content.date_note``: such facts simply had no note."""
    content = dict(payload["content"])
    content.setdefault("date_note", None)
    return {**payload, "content": content}


def _whole_period(figure: JSONValue) -> JSONValue:
    """A figure before ``span_days``: it covered its whole period."""
    if not isinstance(figure, Mapping):
        return figure  # None, or malformed: the reader names the fault
    return {**figure, "span_days": None}


def _fact_recorded_v2(payload: Mapping[str, JSONValue]) -> JSONObject:
    """v2 predates ``figure.span_days``: every figure covered its whole period."""
    content = payload["content"]
    if not isinstance(content, Mapping):
        raise TypeError("content must be an object")
    return {**payload, "content": {**content, "figure": _whole_period(content.get("figure"))}}


def _fact_corroborated_v1(payload: Mapping[str, JSONValue]) -> JSONObject:
    """v1 predates ``figure.span_days``: every figure covered its whole period."""
    return {**payload, "figure": _whole_period(payload.get("figure"))}


def _fact_revised_v1(payload: Mapping[str, JSONValue]) -> JSONObject:
    """v1 predates ``figure.span_days``: a changed figure covered its whole period."""
    changes = payload["changes"]
    if not isinstance(changes, Mapping) or "figure" not in changes:
        return dict(payload)
    return {**payload, "changes": {**changes, "figure": _whole_period(changes["figure"])}}


UPCASTERS: Final[Mapping[tuple[str, int], Upcaster]] = {
    ("FactRecorded", 1): _fact_recorded_v1,
    ("FactRecorded", 2): _fact_recorded_v2,
    ("FactCorroborated", 1): _fact_corroborated_v1,
    ("FactRevised", 1): _fact_revised_v1,
}


def _upcast(
    event_type: str, version: int, current: int, payload: Mapping[str, JSONValue]
) -> Mapping[str, JSONValue]:
    if version > current:
        raise UndecodableEvent(
            event_type, version, f"written by a newer release (this one reads up to v{current})"
        )
    data = payload
    while version < current:
        upcaster = UPCASTERS.get((event_type, version))
        if upcaster is None:
            raise UndecodableEvent(event_type, version, f"no upcaster from v{version}")
        try:
            data = upcaster(data)
        except (KeyError, TypeError, ValueError) as exc:
            raise UndecodableEvent(event_type, version, _describe(exc)) from exc
        version += 1
    return data


# Encoding helpers.


def _optional(write: Callable[[_T], JSONObject], value: _T | None) -> JSONObject | None:
    return None if value is None else write(value)


def _quantity(quantity: Quantity) -> JSONObject:
    # Fixed-point text: exact, and readable in the database without a Decimal parser.
    return {
        "value": format(quantity.value, "f"),
        "unit": quantity.unit,
        "qualifier": str(quantity.qualifier),
    }


def _figure(figure: Figure) -> JSONObject:
    return {
        "measure": figure.measure,
        "quantity": _quantity(figure.quantity),
        "basis": str(figure.basis),
        "period": figure.period.text,
        "equivalent": _optional(_quantity, figure.equivalent),
        "span_days": figure.span_days,
    }


def _source(source: Source) -> JSONObject:
    return {
        "publisher": source.publisher,
        "title": source.title,
        "url": source.url,
        "published": source.published.text,
        "quote": source.quote,
        "document": source.document,
    }


def _content(content: FactContent) -> JSONObject:
    return {
        "kind": content.kind,
        "title": content.title,
        "summary": content.summary,
        "occurred": content.occurred.text,
        "occurred_phrase": content.occurred_phrase,
        "inferred": list(content.inferred),
        "date_note": content.date_note,
        "topics": list(content.topics),
        "actors": list(content.actors),
        "places": list(content.places),
        "figure": _optional(_figure, content.figure),
    }


def _patch(patch: FactPatch) -> JSONObject:
    """Only the fields the patch sets, so that an absent key reads back as unchanged."""
    data: JSONObject = {}
    for name in ("kind", "title", "summary", "occurred_phrase", "date_note"):
        value = getattr(patch, name)
        if value is not None:
            data[name] = value
    for name in ("inferred", "topics", "actors", "places"):
        value = getattr(patch, name)
        if value is not None:
            data[name] = list(value)
    if patch.occurred is not None:
        data["occurred"] = patch.occurred.text
    if patch.figure is not None:
        data["figure"] = _figure(patch.figure)
    if patch.cleared:
        data["cleared"] = sorted(patch.cleared)
    return data


def _occurred(event: DomainEvent) -> OccurredTime | None:
    date: FuzzyDate | None = None
    if isinstance(event, FactRecorded):
        date = event.content.occurred
    elif isinstance(event, FactRevised):
        date = event.changes.occurred
    if date is None:
        return None
    return OccurredTime(edtf=date.text, earliest=date.earliest, latest=date.latest)


def _reported(event: DomainEvent) -> ReportedTime | None:
    source = None if isinstance(event, MeasureRegistered) else event.source
    if source is None:
        return None
    return ReportedTime(edtf=source.published.text, latest=source.published.latest)


# Decoding helpers: every read checks the JSON type, so a malformed payload fails here with
# the key at fault instead of deep inside a value object.


class _Reader:
    # Every event read goes through here a few dozen times, so each accessor first tries
    # the common case (a plain dict holding a plain value) and leaves anything else, errors
    # included, to the general check after it.
    __slots__ = ("_path", "data")

    def __init__(self, data: Mapping[str, JSONValue], path: str = "") -> None:
        if type(data) is not dict and not isinstance(data, Mapping):
            raise TypeError(f"{path or 'payload'} must be an object")
        self.data = data
        self._path = path

    def where(self, key: str) -> str:
        return f"{self._path}.{key}" if self._path else key

    def raw(self, key: str) -> JSONValue:
        if key not in self.data:
            raise KeyError(self.where(key))
        return self.data[key]

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def text(self, key: str) -> str:
        value = self.data.get(key)
        if type(value) is str:
            return value
        value = self.raw(key)
        if not isinstance(value, str):
            raise TypeError(f"{self.where(key)} must be a string")
        return value

    def optional_text(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is None:
            return None
        if type(value) is str:
            return value
        return self.text(key)

    def optional_integer(self, key: str) -> int | None:
        value = self.data.get(key)
        if value is None:
            return None
        if type(value) is not int:
            raise TypeError(f"{self.where(key)} must be a whole number")
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key)
        if type(value) is list:
            for item in value:
                if type(item) is not str:
                    break
            else:
                return tuple(value)
        value = self.raw(key)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise TypeError(f"{self.where(key)} must be a list of strings")
        return tuple(value)

    def child(self, key: str) -> _Reader:
        return _Reader(self.raw(key), f"{self._path}.{key}" if self._path else key)

    def basis(self, key: str) -> Basis:
        text = self.text(key)
        try:
            return Basis(text)
        except ValueError:
            known = ", ".join(Basis)
            raise ValueError(f"{self.where(key)} {text!r} is not one of {known}") from None

    def decimal(self, key: str) -> Decimal:
        text = self.text(key)
        try:
            return Decimal(text)
        except InvalidOperation:
            raise ValueError(f"{self.where(key)} {text!r} is not a decimal number") from None

    def uuid(self, key: str) -> UUID:
        return UUID(self.text(key))

    def date(self, key: str) -> FuzzyDate:
        text = self.text(key)
        try:
            return _fuzzy_date(text)
        except DomainError:
            return FuzzyDate.parse(text, field=self.where(key))  # the refusal, named


# A fuzzy date is an immutable value of its text alone, and a log repeats the same few
# thousand texts: one instance per text spares building it again for every event.
_fuzzy_date = functools.lru_cache(maxsize=16_384)(FuzzyDate)


def _read_event(cls: type[DomainEvent], data: _Reader) -> DomainEvent:
    if cls is FactRecorded:
        return FactRecorded(
            fact_id=data.uuid("fact_id"),
            content=_read_content(data.child("content")),
            source=_read_source(data.child("source")),
        )
    if cls is FactCorroborated:
        return FactCorroborated(
            fact_id=data.uuid("fact_id"),
            source=_read_source(data.child("source")),
            figure=_read_figure(data.child("figure")) if data.has("figure") else None,
        )
    if cls is FactRevised:
        return FactRevised(
            fact_id=data.uuid("fact_id"),
            changes=_read_patch(data.child("changes")),
            reason=data.text("reason"),
            source=_read_source(data.child("source")) if data.has("source") else None,
        )
    if cls is FactRetracted:
        return FactRetracted(
            fact_id=data.uuid("fact_id"),
            reason=data.text("reason"),
            source=_read_source(data.child("source")) if data.has("source") else None,
        )
    return MeasureRegistered(key=data.text("key"), label=data.text("label"), unit=data.text("unit"))


def _read_quantity(data: _Reader) -> Quantity:
    return Quantity(
        data.decimal("value"),
        data.text("unit"),
        Qualifier.parse(data.text("qualifier"), field=data.where("qualifier")),
    )


def _read_figure(data: _Reader) -> Figure:
    return Figure(
        measure=data.text("measure"),
        quantity=_read_quantity(data.child("quantity")),
        basis=data.basis("basis"),
        period=data.date("period"),
        equivalent=_read_quantity(data.child("equivalent")) if data.has("equivalent") else None,
        span_days=data.optional_integer("span_days"),
    )


def _read_source(data: _Reader) -> Source:
    # Source checks that each of its texts is a string and names the field, so the values
    # go in as they are; only a missing key needs naming here.
    fields = data.data
    try:
        publisher, title, quote = fields["publisher"], fields["title"], fields["quote"]
    except KeyError as exc:
        raise KeyError(data.where(exc.args[0])) from None
    return Source(
        publisher=publisher,
        title=title,
        url=fields.get("url"),
        published=data.date("published"),
        quote=quote,
        document=fields.get("document"),
    )


def _read_content(data: _Reader) -> FactContent:
    # As for a source: FactContent checks its texts' types (kind, title, summary, the
    # phrase and the note) itself, naming the field. A patch does not, so _read_patch
    # checks every value here.
    fields = data.data
    try:
        kind, title, summary = fields["kind"], fields["title"], fields["summary"]
    except KeyError as exc:
        raise KeyError(data.where(exc.args[0])) from None
    return FactContent(
        kind=kind,
        title=title,
        summary=summary,
        occurred=data.date("occurred"),
        occurred_phrase=fields.get("occurred_phrase"),
        inferred=data.texts("inferred"),
        date_note=fields.get("date_note"),
        topics=data.texts("topics"),
        actors=data.texts("actors"),
        places=data.texts("places"),
        figure=_read_figure(data.child("figure")) if data.has("figure") else None,
    )


def _read_patch(data: _Reader) -> FactPatch:
    def texts(key: str) -> tuple[str, ...] | None:
        return data.texts(key) if data.has(key) else None

    return FactPatch(
        kind=data.optional_text("kind"),
        title=data.optional_text("title"),
        summary=data.optional_text("summary"),
        occurred=data.date("occurred") if data.has("occurred") else None,
        occurred_phrase=data.optional_text("occurred_phrase"),
        inferred=texts("inferred"),
        date_note=data.optional_text("date_note"),
        topics=texts("topics"),
        actors=texts("actors"),
        places=texts("places"),
        figure=_read_figure(data.child("figure")) if data.has("figure") else None,
        cleared=frozenset(texts("cleared") or ()),
    )


def _describe(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"missing {exc.args[0]}"
    return str(exc) or type(exc).__name__
