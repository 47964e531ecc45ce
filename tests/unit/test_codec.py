from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
import os
import typing
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from uuid import UUID

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from timeline.application.chain import canonical_json, canonical_text
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
from timeline.store import payloads
from timeline.store.codec import (
    EVENT_TYPES,
    UPCASTERS,
    UndecodableEvent,
    canonical_payload,
    decode,
    decode_payload,
    encode,
    encode_figure,
    stream_id_for,
)
from timeline.store.payloads import PAYLOADS
from timeline.store.sql.rows import encode_events

from .domain_strategies import UNHURRIED, fact_events, measure_events

FACT_ID = UUID("0b7d3c1e-2f4a-4d8b-9a61-5c3e2f1a0b9c")
EVENT_ID = UUID("9d2f6a3b-1c4e-4f5a-8b7c-6d5e4f3a2b1c")
BBC = Source(
    publisher="BBC News",
    title="UK to pay France more to stop crossings",
    url="https://www.bbc.co.uk/news/articles/c1",
    published=FuzzyDate("2025-10-09/2025-10-31"),
    quote="The UK will pay France more than \u00a3650m, including EUR 50m (\u00a345.5m).",
    document="000_8aac7eb8d5369df6.txt",
)
PAYMENT = Figure(
    measure="uk-payments-to-france",
    quantity=Quantity(Decimal("650000000"), "GBP", Qualifier.MORE_THAN),
    basis=Basis.CUMULATIVE,
    period=FuzzyDate("2018/2025-10"),
    equivalent=Quantity(Decimal("755000000.50"), "EUR", Qualifier.ABOUT),
)
CONTENT = FactContent(
    kind="FUNDING_COMMITTED",
    title="UK payments to France pass \u00a3650m",
    summary="Payments since 2018 exceed \u00a3650m.",
    occurred=FuzzyDate("2018/2025-10"),
    occurred_phrase="since 2018",
    inferred=("end",),
    topics=("funding",),
    actors=("Home Office", "French government"),
    places=("France",),
    figure=PAYMENT,
)
RECORDED = FactRecorded(fact_id=FACT_ID, content=CONTENT, source=BBC)


def _columns(new: NewEvent) -> dict[str, Any]:
    """What a store adds to ``new`` and reads back beside the payload."""
    return {
        "position": 1,
        "event_id": new.event_id,
        "stream_id": "fact-x",
        "stream_version": 1,
        "event_type": new.event_type,
        "schema_version": new.schema_version,
        "occurred": new.occurred,
        "reported": new.reported,
        "recorded_at": dt.datetime(2025, 11, 1, tzinfo=dt.UTC),
        "metadata": new.metadata,
        "hash": "0" * 64,
    }


def stored(new: NewEvent) -> RecordedEvent:
    """The record a store would hand back for ``new``, after a JSON round trip."""
    return RecordedEvent(**_columns(new), payload=json.loads(json.dumps(new.payload)))


def read_back(new: NewEvent, payload_json: str | None = None) -> RecordedEvent:
    """The record a store reads back for ``new``: its payload left to the column's text."""
    if payload_json is None:
        [encoded] = encode_events(
            [new], stream_id="fact-x", expected_version=0, idempotency_key=None
        )
        payload_json = encoded.payload_column
    return RecordedEvent(**_columns(new), payload=msgspec.UNSET, payload_json=payload_json)


def floats_in(value: JSONValue) -> list[float]:
    if isinstance(value, float):
        return [value]
    if isinstance(value, Mapping):
        return [f for item in value.values() for f in floats_in(item)]
    if isinstance(value, list):
        return [f for item in value for f in floats_in(item)]
    return []


def test_a_recorded_fact_becomes_a_record_with_its_times() -> None:
    metadata = EventMetadata(actor="curator", reason="seed")
    new = encode(RECORDED, metadata, event_id=EVENT_ID)
    assert (new.event_id, new.event_type, new.schema_version) == (EVENT_ID, "FactRecorded", 3)
    assert new.metadata == metadata
    assert new.occurred == OccurredTime(
        edtf="2018/2025-10", earliest=dt.date(2018, 1, 1), latest=dt.date(2025, 10, 31)
    )
    assert new.reported == ReportedTime(edtf="2025-10-09/2025-10-31", latest=dt.date(2025, 10, 31))


def test_money_is_written_as_decimal_text_and_dates_as_edtf() -> None:
    payload = encode(RECORDED).payload
    figure = payload["content"]["figure"]
    assert figure["quantity"] == {"value": "650000000", "unit": "GBP", "qualifier": "MORE_THAN"}
    assert figure["equivalent"]["value"] == "755000000.50"
    assert figure["period"] == "2018/2025-10"
    assert payload["source"]["published"] == "2025-10-09/2025-10-31"
    assert payload["fact_id"] == str(FACT_ID)


def test_an_exponent_is_written_out_in_full() -> None:
    figure = Figure(
        measure="uk-payments-to-france",
        quantity=Quantity(Decimal("6.5E+8"), "GBP"),
        basis=Basis.FLOW,
        period=FuzzyDate("2025"),
    )
    event = FactCorroborated(fact_id=FACT_ID, source=BBC, figure=figure)
    assert encode(event).payload["figure"]["quantity"]["value"] == "650000000"


def test_without_an_event_id_a_fresh_one_is_drawn_and_metadata_defaults() -> None:
    first, second = encode(RECORDED), encode(RECORDED)
    assert first.event_id != second.event_id
    assert first.metadata == EventMetadata()


@pytest.mark.parametrize(
    ("event", "occurred", "reported"),
    [
        (FactCorroborated(fact_id=FACT_ID, source=BBC), None, "2025-10-09/2025-10-31"),
        (FactRetracted(fact_id=FACT_ID, reason="wrong"), None, None),
        (FactRetracted(fact_id=FACT_ID, reason="wrong", source=BBC), None, "2025-10-09/2025-10-31"),
        (FactRevised(fact_id=FACT_ID, changes=FactPatch(title="t"), reason="r"), None, None),
        (
            FactRevised(fact_id=FACT_ID, changes=FactPatch(occurred=FuzzyDate("2019")), reason="r"),
            "2019",
            None,
        ),
        (MeasureRegistered(key="small-boat-arrivals", label="Arrivals", unit="people"), None, None),
    ],
)
def test_times_come_only_from_what_the_event_states(
    event: DomainEvent, occurred: str | None, reported: str | None
) -> None:
    new = encode(event)
    assert (new.occurred.edtf if new.occurred else None) == occurred
    assert (new.reported.edtf if new.reported else None) == reported


def test_a_patch_writes_only_what_it_sets() -> None:
    patch = FactPatch(title="t", topics=(), cleared=frozenset({"figure", "date_note"}))
    payload = encode(FactRevised(fact_id=FACT_ID, changes=patch, reason="r")).payload
    assert payload["changes"] == {"title": "t", "topics": [], "cleared": ["date_note", "figure"]}


def test_stream_ids() -> None:
    assert stream_id_for(RECORDED) == f"fact-{FACT_ID}"
    measure = MeasureRegistered(key="small-boat-arrivals", label="Arrivals", unit="people")
    assert stream_id_for(measure) == "measure-small-boat-arrivals"


def test_encoding_something_else_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="not a domain event"):
        encode(CONTENT)  # type: ignore[arg-type]


@UNHURRIED
@given(fact_events() | measure_events())
def test_every_event_survives_a_round_trip_through_json(event: DomainEvent) -> None:
    new = encode(event, event_id=EVENT_ID)
    assert floats_in(new.payload) == []
    assert decode(stored(new)) == event


@UNHURRIED
@given(fact_events() | measure_events())
def test_decoding_the_column_text_equals_decoding_its_dict(event: DomainEvent) -> None:
    """The shortcut of replay (text straight to the Struct) held to the dict path."""
    record = read_back(encode(event, event_id=EVENT_ID))
    assert record.payload_json is not None
    from_text = decode(record)
    from_dict = decode_payload(record.event_type, record.schema_version, record.payload)
    assert from_text == from_dict == event


_PATCH_FIELDS = (
    *("kind", "title", "summary", "occurred_phrase", "date_note"),
    *("inferred", "topics", "actors", "places"),
)


def _quantity(quantity: Quantity) -> dict[str, JSONValue]:
    return {
        "value": format(quantity.value, "f"),
        "unit": quantity.unit,
        "qualifier": str(quantity.qualifier),
    }


def _figure(figure: Figure) -> dict[str, JSONValue]:
    return {
        "measure": figure.measure,
        "quantity": _quantity(figure.quantity),
        "basis": str(figure.basis),
        "period": figure.period.text,
        "equivalent": None if figure.equivalent is None else _quantity(figure.equivalent),
        "span_days": figure.span_days,
    }


def _source(source: Source) -> dict[str, JSONValue]:
    return {
        "publisher": source.publisher,
        "title": source.title,
        "url": source.url,
        "published": source.published.text,
        "quote": source.quote,
        "document": source.document,
    }


def _content(content: FactContent) -> dict[str, JSONValue]:
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
        "figure": None if content.figure is None else _figure(content.figure),
    }


def _payload_as_read_models_write_it(event: DomainEvent) -> dict[str, JSONValue]:
    """The payload as a dict, spelled out key for key as the codec wrote every event before
    it wrote Structs (its dict encoders, kept here as the reference)."""
    if isinstance(event, MeasureRegistered):
        return {"key": event.key, "label": event.label, "unit": event.unit}
    source = None if event.source is None else _source(event.source)
    if isinstance(event, FactRecorded):
        return {
            "fact_id": str(event.fact_id),
            "content": _content(event.content),
            "source": source,
        }
    if isinstance(event, FactCorroborated):
        figure = None if event.figure is None else _figure(event.figure)
        return {"fact_id": str(event.fact_id), "source": source, "figure": figure}
    if isinstance(event, FactRetracted):
        return {"fact_id": str(event.fact_id), "reason": event.reason, "source": source}
    assert isinstance(event, FactRevised)
    patch = event.changes
    changes: dict[str, JSONValue] = {
        name: list(value) if isinstance(value, tuple) else value
        for name in _PATCH_FIELDS
        if (value := getattr(patch, name)) is not None
    }
    if patch.occurred is not None:
        changes["occurred"] = patch.occurred.text
    if patch.figure is not None:
        changes["figure"] = encode_figure(patch.figure)
    if patch.cleared:
        changes["cleared"] = sorted(patch.cleared)
    return {
        "fact_id": str(event.fact_id),
        "changes": changes,
        "reason": event.reason,
        "source": source,
    }


@UNHURRIED
@given(fact_events() | measure_events())
def test_the_payload_text_is_the_canonical_json_of_the_payload_written_before(
    event: DomainEvent,
) -> None:
    """The codec's compiled encoder (Struct to text) held to the reference: the chain's
    canonical JSON of the dict the codec wrote before, so new events hash as they did."""
    new = encode(event, event_id=EVENT_ID)
    assert new.payload_json == canonical_text(_payload_as_read_models_write_it(event))
    assert new.payload == _payload_as_read_models_write_it(event)


# Any text but lone surrogates (no column can store one) and any integer msgspec writes.
_TEXTS = st.text(st.characters(codec="utf-8"), max_size=30)


def _values(kind: msgspec.inspect.Type) -> st.SearchStrategy[Any]:
    """Any value of a payload Struct's field type, beyond what the domain's checks allow."""
    inspect = msgspec.inspect
    if isinstance(kind, inspect.StrType):
        return _TEXTS
    if isinstance(kind, inspect.IntType):
        return st.integers(min_value=-(2**63), max_value=2**64 - 1)
    if isinstance(kind, inspect.UUIDType):
        return st.uuids()
    if isinstance(kind, inspect.EnumType):
        return st.sampled_from(kind.cls)
    if isinstance(kind, inspect.NoneType):
        return st.none()
    if isinstance(kind, inspect.UnionType):
        return st.one_of(*map(_values, kind.types))
    if isinstance(kind, inspect.VarTupleType):
        return st.lists(_values(kind.item_type), max_size=3).map(tuple)
    assert isinstance(kind, inspect.StructType), kind
    return st.builds(kind.cls, **{field.name: _values(field.type) for field in kind.fields})


_PAYLOAD_STRUCTS = st.one_of(
    *(_values(msgspec.inspect.type_info(shape)) for shape in PAYLOADS.values())
)


@UNHURRIED
@given(_PAYLOAD_STRUCTS)
def test_msgspec_writes_the_reference_canonical_json_of_any_payload(
    payload: payloads.Payload,
) -> None:
    """msgspec's sorted encoding against the chain's reference encoder (``json`` with sorted
    keys), on payloads of any text (escapes, control and non-BMP characters, unsorted
    tuples) and integers up to 64 bits, beyond what the domain's checks let through."""
    as_dict = msgspec.to_builtins(payload)
    assert canonical_payload(payload).decode() == canonical_text(as_dict)
    assert canonical_payload(payload) == canonical_json(as_dict)


def test_event_ids_are_random_version_4_uuids() -> None:
    ids = [encode(RECORDED).event_id for _ in range(600)]  # past a refill of the pool
    assert len(set(ids)) == len(ids)
    assert {(identifier.version, identifier.variant) for identifier in ids} == {(4, uuid.RFC_4122)}
    assert all(UUID(str(identifier)) == identifier for identifier in ids)
    assert all(hash(identifier) == hash(UUID(int=identifier.int)) for identifier in ids)


def test_a_child_process_draws_ids_of_its_own() -> None:
    encode(RECORDED)  # the pool holds ids now
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child
        os.write(write, encode(RECORDED).event_id.bytes)
        os._exit(0)
    os.waitpid(child, 0)
    from_child = UUID(bytes=os.read(read, 16))
    os.close(read)
    os.close(write)
    assert from_child != encode(RECORDED).event_id


def test_a_v1_fact_recorded_without_a_date_note_is_upcast() -> None:
    payload = encode(RECORDED).payload
    v1 = copy.deepcopy(dict(payload))
    del v1["content"]["date_note"]
    before = copy.deepcopy(v1)
    event = decode_payload("FactRecorded", 1, v1)
    assert event == RECORDED
    assert isinstance(event, FactRecorded)
    assert event.content.date_note is None
    assert v1 == before  # the stored payload is never rewritten


LAST_WEEK = Figure(
    measure="small-boat-arrivals-weekly",
    quantity=Quantity(Decimal(2000), "people", Qualifier.ALMOST),
    basis=Basis.FLOW,
    period=FuzzyDate("2025-09-22/2025-10-30"),
    span_days=7,
)


def test_a_span_is_written_and_read_back() -> None:
    event = FactCorroborated(fact_id=FACT_ID, source=BBC, figure=LAST_WEEK)
    new = encode(event)
    figure = new.payload["figure"]
    assert isinstance(figure, dict)
    assert figure["span_days"] == 7
    assert new.schema_version == 2
    assert decode(stored(new)) == event


def v2_figure(figure: Figure) -> dict[str, JSONValue]:
    """A figure as releases before ``span_days`` wrote it: no such key."""
    payload = encode(FactCorroborated(fact_id=FACT_ID, source=BBC, figure=figure)).payload
    written = copy.deepcopy(payload["figure"])
    assert isinstance(written, dict)
    del written["span_days"]
    return written


def test_figures_stored_before_spans_decode_unchanged_as_covering_their_period() -> None:
    # The payloads older releases wrote, key for key: each decodes to the same event, its
    # figures over their whole period, and is never rewritten.
    recorded = copy.deepcopy(dict(encode(RECORDED).payload))
    recorded["content"]["figure"] = v2_figure(PAYMENT)
    corroborated = {
        "fact_id": str(FACT_ID),
        "source": encode(RECORDED).payload["source"],
        "figure": v2_figure(PAYMENT),
    }
    revised = {
        "fact_id": str(FACT_ID),
        "changes": {"title": "Corrected", "figure": v2_figure(PAYMENT)},
        "reason": "misread",
        "source": None,
    }
    old = {"FactRecorded": (2, recorded), "FactCorroborated": (1, corroborated)}
    old["FactRevised"] = (1, revised)
    for event_type, (version, payload) in old.items():
        before = copy.deepcopy(payload)
        event = decode_payload(event_type, version, payload)
        assert payload == before
        figure = (
            event.content.figure
            if isinstance(event, FactRecorded)
            else event.figure
            if isinstance(event, FactCorroborated)
            else event.changes.figure
            if isinstance(event, FactRevised)
            else None
        )
        assert figure == PAYMENT
        assert figure.covers_period
    assert decode_payload("FactRecorded", 2, recorded) == RECORDED


def test_a_revision_without_a_figure_upcasts_untouched() -> None:
    payload = {
        "fact_id": str(FACT_ID),
        "changes": {"title": "Corrected"},
        "reason": "typo",
        "source": None,
    }
    event = decode_payload("FactRevised", 1, payload)
    assert isinstance(event, FactRevised)
    assert event.changes.figure is None


@pytest.mark.parametrize(
    ("event_type", "version", "reason"),
    [
        ("FactInvented", 1, "unknown event type"),
        ("FactRecorded", 4, "written by a newer release"),
        ("FactCorroborated", 0, "no upcaster from v0"),
    ],
)
def test_unknown_types_and_versions_are_refused(event_type: str, version: int, reason: str) -> None:
    with pytest.raises(UndecodableEvent, match=reason) as caught:
        decode_payload(event_type, version, {})
    assert isinstance(caught.value, IntegrityViolation)
    assert (caught.value.event_type, caught.value.schema_version) == (event_type, version)


def corrupt(path: tuple[str, ...], value: JSONValue) -> dict[str, JSONValue]:
    payload: dict[str, JSONValue] = copy.deepcopy(dict(encode(RECORDED).payload))
    target = payload
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return payload


@pytest.mark.parametrize(
    ("path", "value", "reason"),
    [
        (
            ("content", "figure", "quantity", "value"),
            650000000.0,
            r"Expected `str`, got `float` - at `\$.content.figure.quantity.value`",
        ),
        (
            ("content", "figure", "quantity", "value"),
            "lots",
            "quantity.value 'lots' is not a decimal",
        ),
        (
            ("content", "figure", "quantity", "qualifier"),
            "ROUGHLY",
            r"Invalid enum value 'ROUGHLY' - at `\$.content.figure.quantity.qualifier`",
        ),
        (("content", "figure", "basis"), "STOCK", r"'STOCK' - at `\$.content.figure.basis`"),
        (("content", "title"), KeyError, r"missing required field `title` - at `\$.content`"),
        (("content", "topics"), "funding", r"got `str` - at `\$.content.topics`"),
        (("content", "occurred"), "2023-02-29", "content.occurred: '2023-02-29'"),
        (("source",), [], r"Expected `object`, got `array` - at `\$.source`"),
        (("fact_id",), "not-a-uuid", r"Invalid UUID - at `\$.fact_id`"),
        (("content", "title"), 5, r"Expected `str`, got `int` - at `\$.content.title`"),
        (("content", "summary"), None, r"got `null` - at `\$.content.summary`"),
        (("content", "kind"), ["POLICY_ANNOUNCED"], r"got `array` - at `\$.content.kind`"),
        (("content", "date_note"), ["n"], r"got `array` - at `\$.content.date_note`"),
        (("content", "occurred_phrase"), 9, r"got `int` - at `\$.content.occurred_phrase`"),
        (("content", "topics"), ["boats", 3], r"got `int` - at `\$.content.topics\[1\]`"),
        (("content", "inferred"), ["year", 1], r"got `int` - at `\$.content.inferred\[1\]`"),
        (("source", "url"), 5, r"got `int` - at `\$.source.url`"),
        (("source", "document"), {}, r"got `object` - at `\$.source.document`"),
        (("source", "publisher"), None, r"got `null` - at `\$.source.publisher`"),
        (("source", "quote"), KeyError, r"missing required field `quote` - at `\$.source`"),
        (("source", "published"), KeyError, r"field `published` - at `\$.source`"),
        (("content", "summary"), KeyError, r"field `summary` - at `\$.content`"),
    ],
)
def test_malformed_payloads_are_refused_naming_the_key(
    path: tuple[str, ...], value: JSONValue, reason: str
) -> None:
    with pytest.raises(UndecodableEvent, match=reason):
        decode_payload("FactRecorded", 2, corrupt(path, value))
    text = json.dumps(corrupt(path, value))
    with pytest.raises(UndecodableEvent, match=reason):  # the same, read from the text
        decode(read_back(encode(RECORDED), text))


@pytest.mark.parametrize("text", ["", "{", '{"fact_id":}', "[1,]", '{"a":1} x'])
@pytest.mark.parametrize("version", [1, 3])  # through the upcasters, and straight
def test_a_malformed_payload_text_is_refused(text: str, version: int) -> None:
    record = read_back(dataclasses.replace(encode(RECORDED), schema_version=version), text)
    with pytest.raises(UndecodableEvent, match=f"cannot decode FactRecorded v{version}: "):
        decode(record)


@pytest.mark.parametrize(
    ("path", "value"),
    [(("content", "kind"), "funding"), (("source", "url"), "ftp://x.org")],
)
def test_replay_trusts_the_domain_rules_of_a_well_shaped_payload(
    path: tuple[str, ...], value: JSONValue
) -> None:
    """The log was validated when it was written and the hash chain guards it since, so a
    replay checks each payload's shape but not the value objects' rules again."""
    event = decode_payload("FactRecorded", 2, corrupt(path, value))
    assert isinstance(event, FactRecorded)


def test_every_event_type_has_its_current_payload_shape_declared() -> None:
    assert set(PAYLOADS) == {(name, cls.SCHEMA_VERSION) for name, cls in EVENT_TYPES.items()}
    # Upcasters only lift older versions: none starts at a current one.
    assert not set(UPCASTERS) & set(PAYLOADS)


def test_no_payload_shape_is_tracked_by_the_garbage_collector() -> None:
    """Safe only while no shape can hold a mutable container (a list, a dict): each holds
    strings, numbers, UUIDs, enums, tuples of strings and other shapes, so none can be in a
    cycle."""
    shapes = [
        value
        for value in vars(payloads).values()
        if isinstance(value, type) and issubclass(value, msgspec.Struct)
    ]
    assert len(shapes) == 10
    for shape in shapes:
        assert shape.__struct_config__.gc is False, shape
        for hint in typing.get_type_hints(shape).values():
            assert not {list, dict, set} & _containers(hint), (shape, hint)


def _containers(hint: object) -> set[object]:
    found = {typing.get_origin(hint) or hint}
    for argument in typing.get_args(hint):
        found |= _containers(argument)
    return found
