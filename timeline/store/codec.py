"""The codec: domain events to store records and back, upcasting old payload shapes.

Payloads are plain JSON: money and counts as decimal strings (never floats), fuzzy dates as
their EDTF text, UUIDs as strings. ``event_type`` is the event's class name and
``schema_version`` its ``SCHEMA_VERSION``. A stored payload is never rewritten; when a shape
changes, the event class's version goes up and an upcaster registered under
``(event_type, old_version)`` lifts old payloads one version on read.

Each current payload shape is declared once, as a msgspec Struct (``timeline.store.payloads``),
and decoding checks a payload against it in msgspec's compiled code; the value objects are
then built without validating them again (``timeline.domain.trusted``), because the log
holds only what was validated when it was written and the hash chain guards it since.
Validation stays strict where input enters: the API, the CLI, seeds and imports build value
objects through their validating constructors.

Times beside the payload: ``occurred`` is the date the event itself states (FactRecorded's
``content.occurred``; a FactRevised that changes ``occurred``); other events leave it None,
because the fact's current date is the fold's business, not the codec's. ``reported`` is the
publication date of the event's source, when it has one.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Final, TypeVar
from uuid import UUID, SafeUUID

import msgspec

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
from timeline.domain.quantities import Quantity
from timeline.domain.sources import Source
from timeline.domain.trusted import trusted
from timeline.store import payloads

# Compiled: checks a payload's keys and types while building its Struct. Strict: no string
# is taken for a number, nor a number for a string.
_convert = msgspec.convert

# What a malformed payload raises on the way to an event (msgspec's errors are ValueErrors).
_FAULTS = (DomainError, KeyError, TypeError, ValueError)

_T = TypeVar("_T")
_R = TypeVar("_R")
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
    idempotent imports); without one a random id is drawn.

    The payload is built as its Struct and written as canonical JSON (sorted keys, compact,
    UTF-8 as text) in msgspec's compiled code: the record carries that text
    (``NewEvent.payload_json``), which the store hashes and stores as it is, and its
    ``payload`` dict is parsed from it only if something reads it."""
    payload = payload_of(event)  # first: it refuses anything but a domain event
    return _new_event(
        event_id=event_id or _new_id(),
        event_type=type(event).__name__,
        schema_version=event.SCHEMA_VERSION,
        payload_json=canonical_payload(payload).decode(),
        occurred=_occurred(event),
        reported=_reported(event),
        metadata=metadata or _NO_METADATA,
    )


# The records have no checks to skip (no __post_init__ but NewEvent's, which would drop the
# text), but their frozen __init__ sets each field through object.__setattr__; the trusted
# constructors set the slots (one record, two times per event on the append path). Metadata
# is frozen, so one empty value serves all.
_new_event = trusted(NewEvent, unset={"payload"})
_new_occurred = trusted(OccurredTime)
_new_reported = trusted(ReportedTime)
_NO_METADATA = EventMetadata()

canonical_payload: Final = msgspec.json.Encoder(order="sorted").encode
"""A payload Struct's canonical JSON, byte for byte what ``chain.canonical_json`` writes for
the same value as a dict: the payloads hold no floats, the one place the two differ
(``tests/unit/test_codec.py`` holds them equal on generated payloads and texts)."""


def _new_id() -> UUID:
    """A random (version 4) UUID, as ``uuid.uuid4`` draws it, from 16 bytes of a pool filled
    from ``os.urandom`` 4 KiB at a time: ``uuid4`` reads the system's randomness once per id
    and builds the UUID through its checking constructor, 2.9 µs an event of the append."""
    try:
        value = _ids.pop()  # atomic: threads never share an id
    except IndexError:
        _refill_ids()
        return _new_id()
    identifier = _bare_uuid(UUID)
    _set_uuid_int(identifier, value)
    _set_uuid_safe(identifier, SafeUUID.unknown)  # what UUID(int=...) sets
    return identifier


_ids: list[int] = []
_ID_BATCH = 256
_V4_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_V4_SET = (4 << 76) | (0x8000 << 48)  # version 4, RFC 4122 variant: uuid4's bits
_bare_uuid = object.__new__
_set_uuid_int = UUID.__dict__["int"].__set__
_set_uuid_safe = UUID.__dict__["is_safe"].__set__


def _refill_ids() -> None:
    pool = os.urandom(16 * _ID_BATCH)
    _ids.extend(
        int.from_bytes(pool[start : start + 16]) & _V4_CLEAR | _V4_SET
        for start in range(0, len(pool), 16)
    )


# A child process must never hand out the ids its parent still holds.
os.register_at_fork(after_in_child=_ids.clear)


def decode(record: RecordedEvent) -> DomainEvent:
    """The domain event a stored record holds, upcast to the current shape.

    A record read from the log in its current shape is decoded from its payload's text
    straight into the payload's Struct, in compiled code, with no dict between (well under
    half the time of parsing the text to a dict and checking that); any other record goes
    through its payload dict and the upcasters."""
    event_type, version = record.event_type, record.schema_version
    decoder = _DECODERS.get((event_type, version))
    text = record.payload_json
    try:
        if decoder is None or text is None:
            payload = record.payload  # parsed here if the store left it to its text
        else:
            return _read_event(decoder.decode(text))
    except _FAULTS as exc:
        raise UndecodableEvent(event_type, version, _describe(exc)) from exc
    return decode_payload(event_type, version, payload)


def payload_of(event: DomainEvent) -> payloads.Payload:
    """``event``'s payload as its current Struct (``timeline.store.payloads``)."""
    if isinstance(event, FactRecorded):
        return _recorded_payload(
            fact_id=event.fact_id,
            content=_content_payload(event.content),
            source=_source_payload(event.source),
        )
    if isinstance(event, FactCorroborated):
        return _corroborated_payload(
            fact_id=event.fact_id,
            source=_source_payload(event.source),
            figure=_optional(_figure_payload, event.figure),
        )
    if isinstance(event, FactRevised):
        return _revised_payload(
            fact_id=event.fact_id,
            changes=_patch_payload(event.changes),
            reason=event.reason,
            source=_optional(_source_payload, event.source),
        )
    if isinstance(event, FactRetracted):
        return _retracted_payload(
            fact_id=event.fact_id,
            reason=event.reason,
            source=_optional(_source_payload, event.source),
        )
    if isinstance(event, MeasureRegistered):
        return _measure_payload(key=event.key, label=event.label, unit=event.unit)
    raise TypeError(f"not a domain event: {type(event).__name__}")


def decode_payload(
    event_type: str, schema_version: int, payload: Mapping[str, JSONValue]
) -> DomainEvent:
    cls = EVENT_TYPES.get(event_type)
    if cls is None:
        raise UndecodableEvent(event_type, schema_version, "unknown event type")
    data = _upcast(event_type, schema_version, cls.SCHEMA_VERSION, payload)
    shape = payloads.PAYLOADS[event_type, cls.SCHEMA_VERSION]
    try:
        return _read_event(_convert(data, type=shape))
    except _FAULTS as exc:
        raise UndecodableEvent(event_type, schema_version, _describe(exc)) from exc


# The value objects' JSON, public for the read models (``timeline.store.fact_json``): a fact
# in a read model is written exactly as its events write it, and read back as trustingly.
# Decoding raises ValueError (msgspec's ValidationError, naming the key) or a DomainError
# on a malformed document; callers name the context.


def _builtins(payload: msgspec.Struct) -> JSONObject:
    """A payload Struct as the plain values a JSON document holds, in compiled code."""
    values: JSONObject = msgspec.to_builtins(payload)
    return values


def encode_content(content: FactContent) -> JSONObject:
    return _builtins(_content_payload(content))


def decode_content(data: Mapping[str, JSONValue]) -> FactContent:
    return _read_content(_convert(data, type=payloads.ContentPayload))


def encode_source(source: Source) -> JSONObject:
    return _builtins(_source_payload(source))


def decode_source(data: Mapping[str, JSONValue]) -> Source:
    return _read_source(_convert(data, type=payloads.SourcePayload))


def encode_figure(figure: Figure) -> JSONObject:
    return _builtins(_figure_payload(figure))


def decode_figure(data: Mapping[str, JSONValue]) -> Figure:
    return _read_figure(_convert(data, type=payloads.FigurePayload))


def encode_quantity(quantity: Quantity) -> JSONObject:
    return _builtins(_quantity_payload(quantity))


def decode_quantity(data: Mapping[str, JSONValue]) -> Quantity:
    return _read_quantity(_convert(data, type=payloads.QuantityPayload))


# The same, from payloads msgspec has already decoded and checked (a read model's own
# Structs, decoded straight from its JSON text).


def figure_of(data: payloads.FigurePayload) -> Figure:
    return _read_figure(data)


def source_of(data: payloads.SourcePayload) -> Source:
    return _read_source(data)


def quantity_of(data: payloads.QuantityPayload) -> Quantity:
    return _read_quantity(data)


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


def _optional(write: Callable[[_T], _R], value: _T | None) -> _R | None:
    return None if value is None else write(value)


# The payload Structs: what the append path writes as the log's canonical text, and what the
# read models' documents hold as plain values (``encode_content`` and the others above).
# Struct constructors are compiled and check nothing, as the trusted ones.
_recorded_payload = payloads.FactRecordedV3
_corroborated_payload = payloads.FactCorroboratedV2
_revised_payload = payloads.FactRevisedV2
_retracted_payload = payloads.FactRetractedV1
_measure_payload = payloads.MeasureRegisteredV1
_quantity_struct = payloads.QuantityPayload


def _quantity_payload(quantity: Quantity) -> payloads.QuantityPayload:
    return _quantity_struct(
        value=format(quantity.value, "f"), unit=quantity.unit, qualifier=quantity.qualifier
    )


def _figure_payload(figure: Figure) -> payloads.FigurePayload:
    return payloads.FigurePayload(
        measure=figure.measure,
        quantity=_quantity_payload(figure.quantity),
        basis=figure.basis,
        period=figure.period.text,
        equivalent=_optional(_quantity_payload, figure.equivalent),
        span_days=figure.span_days,
    )


def _source_payload(source: Source) -> payloads.SourcePayload:
    return payloads.SourcePayload(
        publisher=source.publisher,
        title=source.title,
        published=source.published.text,
        quote=source.quote,
        url=source.url,
        document=source.document,
    )


def _content_payload(content: FactContent) -> payloads.ContentPayload:
    return payloads.ContentPayload(
        kind=content.kind,
        title=content.title,
        summary=content.summary,
        occurred=content.occurred.text,
        inferred=content.inferred,
        topics=content.topics,
        actors=content.actors,
        places=content.places,
        occurred_phrase=content.occurred_phrase,
        date_note=content.date_note,
        figure=_optional(_figure_payload, content.figure),
    )


def _patch_payload(patch: FactPatch) -> payloads.PatchPayload:
    """Only the fields the patch sets are written (``omit_defaults``), so that an absent key
    reads back as unchanged."""
    occurred = patch.occurred
    return payloads.PatchPayload(
        kind=patch.kind,
        title=patch.title,
        summary=patch.summary,
        occurred_phrase=patch.occurred_phrase,
        date_note=patch.date_note,
        inferred=patch.inferred,
        topics=patch.topics,
        actors=patch.actors,
        places=patch.places,
        occurred=None if occurred is None else occurred.text,
        figure=_optional(_figure_payload, patch.figure),
        cleared=tuple(sorted(patch.cleared)) if patch.cleared else None,
    )


def _occurred(event: DomainEvent) -> OccurredTime | None:
    date: FuzzyDate | None = None
    if isinstance(event, FactRecorded):
        date = event.content.occurred
    elif isinstance(event, FactRevised):
        date = event.changes.occurred
    if date is None:
        return None
    return _new_occurred(edtf=date.text, earliest=date.earliest, latest=date.latest)


def _reported(event: DomainEvent) -> ReportedTime | None:
    source = None if isinstance(event, MeasureRegistered) else event.source
    if source is None:
        return None
    return _new_reported(edtf=source.published.text, latest=source.published.latest)


# Decoding: msgspec checks each payload against its Struct (``timeline.store.payloads``) in
# compiled code, naming the key at fault; the value objects are then built from the checked
# fields with the domain's trusted constructors (``timeline.domain.trusted``), because what
# the log holds was validated when it was recorded and the hash chain guards it since.
# A fuzzy date is still parsed (its fields are derived from its text), once per text.

_DECODERS: Final[Mapping[tuple[str, int], msgspec.json.Decoder[payloads.Payload]]] = {
    key: msgspec.json.Decoder(shape) for key, shape in payloads.PAYLOADS.items()
}
"""Payload text straight to its current shape, by (event type, schema version)."""

_new_content = trusted(FactContent)
_new_patch = trusted(FactPatch)
_new_source = trusted(Source)
_new_figure = trusted(Figure)
_new_quantity = trusted(Quantity)
_new_recorded = trusted(FactRecorded)
_new_corroborated = trusted(FactCorroborated)
_new_revised = trusted(FactRevised)
_new_retracted = trusted(FactRetracted)
_new_measure = trusted(MeasureRegistered)

# A fuzzy date is an immutable value of its text alone, and a log repeats the same few
# thousand texts: one instance per text spares building it again for every event.
_fuzzy_date = functools.lru_cache(maxsize=16_384)(FuzzyDate)


def _date(text: str, field: str) -> FuzzyDate:
    try:
        return _fuzzy_date(text)
    except DomainError:
        return FuzzyDate.parse(text, field=field)  # the refusal, named


def _decimal(text: str, field: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{field} {text!r} is not a decimal number") from None


def _read_event(data: payloads.Payload) -> DomainEvent:
    if type(data) is payloads.FactRecordedV3:
        return _new_recorded(
            fact_id=data.fact_id,
            content=_read_content(data.content),
            source=_read_source(data.source),
        )
    if type(data) is payloads.FactCorroboratedV2:
        figure = data.figure
        return _new_corroborated(
            fact_id=data.fact_id,
            source=_read_source(data.source),
            figure=None if figure is None else _read_figure(figure),
        )
    if type(data) is payloads.FactRevisedV2:
        source = data.source
        return _new_revised(
            fact_id=data.fact_id,
            changes=_read_patch(data.changes),
            reason=data.reason,
            source=None if source is None else _read_source(source),
        )
    if type(data) is payloads.FactRetractedV1:
        source = data.source
        return _new_retracted(
            fact_id=data.fact_id,
            reason=data.reason,
            source=None if source is None else _read_source(source),
        )
    assert type(data) is payloads.MeasureRegisteredV1
    return _new_measure(key=data.key, label=data.label, unit=data.unit)


def _read_quantity(data: payloads.QuantityPayload) -> Quantity:
    return _new_quantity(
        value=_decimal(data.value, "quantity.value"), unit=data.unit, qualifier=data.qualifier
    )


def _read_figure(data: payloads.FigurePayload) -> Figure:
    equivalent = data.equivalent
    return _new_figure(
        measure=data.measure,
        quantity=_read_quantity(data.quantity),
        basis=data.basis,
        period=_date(data.period, "figure.period"),
        equivalent=None if equivalent is None else _read_quantity(equivalent),
        span_days=data.span_days,
    )


def _read_source(data: payloads.SourcePayload) -> Source:
    return _new_source(
        publisher=data.publisher,
        title=data.title,
        url=data.url,
        published=_date(data.published, "source.published"),
        quote=data.quote,
        document=data.document,
    )


def _read_content(data: payloads.ContentPayload) -> FactContent:
    figure = data.figure
    return _new_content(
        kind=data.kind,
        title=data.title,
        summary=data.summary,
        occurred=_date(data.occurred, "content.occurred"),
        occurred_phrase=data.occurred_phrase,
        inferred=data.inferred,
        date_note=data.date_note,
        topics=data.topics,
        actors=data.actors,
        places=data.places,
        figure=None if figure is None else _read_figure(figure),
    )


def _read_patch(data: payloads.PatchPayload) -> FactPatch:
    occurred, figure = data.occurred, data.figure
    return _new_patch(
        kind=data.kind,
        title=data.title,
        summary=data.summary,
        occurred=None if occurred is None else _date(occurred, "changes.occurred"),
        occurred_phrase=data.occurred_phrase,
        inferred=data.inferred,
        date_note=data.date_note,
        topics=data.topics,
        actors=data.actors,
        places=data.places,
        figure=None if figure is None else _read_figure(figure),
        cleared=frozenset(data.cleared or ()),
    )


def _describe(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"missing {exc.args[0]}"
    return str(exc) or type(exc).__name__
