"""Records read from the log: JSON columns parsed in compiled code, the payload on first use."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import pickle
from collections.abc import Callable
from uuid import UUID

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from timeline.application.records import EventMetadata, NewEvent, RecordedEvent, parse_json
from timeline.domain.trusted import trusted
from timeline.store.sql.rows import json_serializer

# What a JSON column can hold: the store writes it with allow_nan=False, and neither
# SQLite's UTF-8 text nor PostgreSQL's JSONB holds a lone surrogate.
_TEXT = st.text(st.characters(blacklist_categories=["Cs"]))
_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | _TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_TEXT, children, max_size=4),
    max_leaves=12,
)
_OBJECTS = st.dictionaries(_TEXT, _JSON, max_size=4)


@given(_JSON)
def test_a_json_column_reads_as_json_loads_reads_it(value: object) -> None:
    text = json_serializer(value)
    assert parse_json(text) == json.loads(text)


@pytest.mark.parametrize("text", ["", "{", '{"a":}', "[1,]", "nul", '{"a":1} x'])
def test_a_malformed_json_column_is_a_value_error(text: str) -> None:
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)
    with pytest.raises(ValueError, match=r"JSON|truncated|trailing|Invalid"):
        parse_json(text)


_FIELDS = {
    "position": 7,
    "event_id": UUID(int=7),
    "stream_id": "s",
    "stream_version": 1,
    "event_type": "T",
    "schema_version": 1,
    "occurred": None,
    "reported": None,
    "recorded_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    "metadata": EventMetadata(actor="a"),
    "hash": "h",
}
_NEW_FIELDS = {
    "event_id": UUID(int=7),
    "event_type": "T",
    "schema_version": 1,
    "occurred": None,
    "reported": None,
    "metadata": EventMetadata(actor="a"),
}
# The two records whose payload may be left to its text: one read from the log, and one the
# codec made (its text canonical). Each is built with its payload left to a text, and copied,
# as its own kind allows: a store's record is a Struct, the codec's a dataclass.
Record = RecordedEvent | NewEvent


def _recorded_from_text(**fields: object) -> RecordedEvent:
    return RecordedEvent(**fields, payload=msgspec.UNSET)  # type: ignore[arg-type]


def _replace_recorded(record: Record, **changes: object) -> Record:
    return msgspec.structs.replace(record, **changes)  # type: ignore[type-var]


def _replace_new(record: Record, **changes: object) -> Record:
    return dataclasses.replace(record, **changes)  # type: ignore[arg-type]


FromText = Callable[..., Record]
Replace = Callable[..., Record]
_RECORDS = pytest.mark.parametrize(
    ("cls", "fields", "from_text", "replace"),
    [
        (RecordedEvent, _FIELDS, _recorded_from_text, _replace_recorded),
        (NewEvent, _NEW_FIELDS, trusted(NewEvent, unset={"payload"}), _replace_new),
    ],
)


@_RECORDS
@given(payload=_OBJECTS)
def test_a_payload_left_to_its_text_reads_as_the_payload_given(
    cls: type[Record],
    fields: dict[str, object],
    from_text: FromText,
    replace: Replace,
    payload: dict[str, object],
) -> None:
    text = json_serializer(payload)
    given_payload = cls(**fields, payload=payload)  # type: ignore[arg-type]
    lazy = from_text(**fields, payload_json=text)
    assert lazy == given_payload  # parses it
    assert lazy.payload == payload
    assert lazy.payload is lazy.payload  # once
    assert json.dumps(lazy.payload) == json.dumps(payload)


@_RECORDS
def test_a_lazy_payload_survives_copies_and_pickling(
    cls: type[Record], fields: dict[str, object], from_text: FromText, replace: Replace
) -> None:
    lazy = from_text(**fields, payload_json='{"n":[1,2]}')
    assert replace(lazy, schema_version=8).payload == {"n": [1, 2]}
    assert pickle.loads(pickle.dumps(lazy)).payload == {"n": [1, 2]}
    assert "payload={'n': [1, 2]}" in repr(from_text(**fields, payload_json='{"n":[1,2]}'))


@_RECORDS
def test_a_record_built_again_holds_the_payload_it_is_given_not_the_old_text(
    cls: type[Record], fields: dict[str, object], from_text: FromText, replace: Replace
) -> None:
    lazy = from_text(**fields, payload_json='{"n":1}')
    changed = replace(lazy, payload={"n": 2})
    assert changed.payload == {"n": 2}
    assert changed.payload_json is None  # so the codec decodes, and the store hashes, {"n": 2}
    given = cls(**fields, payload={}, payload_json='{"n":1}')  # type: ignore[arg-type]
    assert given.payload_json is None


@_RECORDS
def test_other_missing_attributes_are_still_attribute_errors(
    cls: type[Record], fields: dict[str, object], from_text: FromText, replace: Replace
) -> None:
    lazy = from_text(**fields, payload_json=None)
    with pytest.raises(AttributeError, match="payload"):
        lazy.payload  # noqa: B018
    with pytest.raises(AttributeError, match="nothing"):
        lazy.nothing  # type: ignore[union-attr]  # noqa: B018


def test_a_recorded_event_equals_by_every_field_but_its_text() -> None:
    # As the dataclass it was: the payload compares (parsed), its text does not, and a
    # record differing in any other field differs.
    lazy = _recorded_from_text(**_FIELDS, payload_json='{"n": 1}')
    given = RecordedEvent(**_FIELDS, payload={"n": 1})  # type: ignore[arg-type]
    assert lazy == given
    assert lazy != msgspec.structs.replace(given, hash="other")
    assert lazy != msgspec.structs.replace(given, payload={"n": 2})
    assert lazy != "not a record"
    with pytest.raises(TypeError, match="unhashable"):
        hash(given)
