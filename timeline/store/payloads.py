"""The stored payload of every event, declared once: one msgspec Struct per event type and
schema version.

These are the payloads' shapes as JSON holds them (decimal strings, EDTF texts, UUIDs as
strings), not the domain's values: msgspec checks every key and type in its compiled code
when it decodes one, and the codec (``timeline.store.codec``) then builds the domain's value
objects from the checked fields. ``PAYLOADS`` is the tagged union, tagged from outside by
the two columns beside the payload, ``event_type`` and ``schema_version``. Only the current
version of each type is declared; an older payload is lifted to it by the codec's upcasters
first, which is all an upcaster ever sees.

The decoders are as lenient as the hand-written reader before them, so every payload ever
stored still decodes: unknown keys are ignored, and an optional key may be absent (None).
The codec writes a new event's payload from its Struct too, as canonical JSON in msgspec's
compiled code (``order="sorted"``): key for key the dict it wrote before, and byte for byte
its canonical (hashed) form, since no payload holds a float (``tests/unit/test_codec.py``).

The Structs are not tracked by the garbage collector (``gc=False``): they hold only strings,
numbers, UUIDs, tuples of strings and other such Structs, so they can be in no cycle, and a
replay makes several per event, each of which would otherwise count towards the next
collection (decoding the corpus's payloads took 3.7-6.5 µs each untracked, 5.6-8.0 tracked,
side by side under load).
"""

from __future__ import annotations

from typing import Final
from uuid import UUID

import msgspec

from timeline.domain.events import (
    FactCorroborated,
    FactRecorded,
    FactRetracted,
    FactRevised,
    MeasureRegistered,
)
from timeline.domain.quantities import Basis, Qualifier


class QuantityPayload(msgspec.Struct, gc=False):
    value: str
    unit: str
    qualifier: Qualifier


class FigurePayload(msgspec.Struct, gc=False):
    measure: str
    quantity: QuantityPayload
    basis: Basis
    period: str
    equivalent: QuantityPayload | None = None
    span_days: int | None = None


class SourcePayload(msgspec.Struct, gc=False):
    publisher: str
    title: str
    published: str
    quote: str
    url: str | None = None
    document: str | None = None


class ContentPayload(msgspec.Struct, gc=False):
    kind: str
    title: str
    summary: str
    occurred: str
    inferred: tuple[str, ...]
    topics: tuple[str, ...]
    actors: tuple[str, ...]
    places: tuple[str, ...]
    occurred_phrase: str | None = None
    date_note: str | None = None
    figure: FigurePayload | None = None


class PatchPayload(msgspec.Struct, omit_defaults=True, gc=False):
    """Only the fields a patch sets are present: an absent key reads back as unchanged."""

    kind: str | None = None
    title: str | None = None
    summary: str | None = None
    occurred_phrase: str | None = None
    date_note: str | None = None
    inferred: tuple[str, ...] | None = None
    topics: tuple[str, ...] | None = None
    actors: tuple[str, ...] | None = None
    places: tuple[str, ...] | None = None
    occurred: str | None = None
    figure: FigurePayload | None = None
    cleared: tuple[str, ...] | None = None


class FactRecordedV3(msgspec.Struct, gc=False):
    fact_id: UUID
    content: ContentPayload
    source: SourcePayload


class FactCorroboratedV2(msgspec.Struct, gc=False):
    fact_id: UUID
    source: SourcePayload
    figure: FigurePayload | None = None


class FactRevisedV2(msgspec.Struct, gc=False):
    fact_id: UUID
    changes: PatchPayload
    reason: str
    source: SourcePayload | None = None


class FactRetractedV1(msgspec.Struct, gc=False):
    fact_id: UUID
    reason: str
    source: SourcePayload | None = None


class MeasureRegisteredV1(msgspec.Struct, gc=False):
    key: str
    label: str
    unit: str


Payload = (
    FactRecordedV3 | FactCorroboratedV2 | FactRevisedV2 | FactRetractedV1 | MeasureRegisteredV1
)

PAYLOADS: Final[dict[tuple[str, int], type[Payload]]] = {
    ("FactRecorded", FactRecorded.SCHEMA_VERSION): FactRecordedV3,
    ("FactCorroborated", FactCorroborated.SCHEMA_VERSION): FactCorroboratedV2,
    ("FactRevised", FactRevised.SCHEMA_VERSION): FactRevisedV2,
    ("FactRetracted", FactRetracted.SCHEMA_VERSION): FactRetractedV1,
    ("MeasureRegistered", MeasureRegistered.SCHEMA_VERSION): MeasureRegisteredV1,
}
"""The current payload shape of each event type, by (event type, schema version)."""
