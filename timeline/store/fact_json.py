"""A whole ``Fact`` as JSON, for the read models that keep each revision's state.

The pieces (content, sources, figures) are written by the codec's own helpers, so a fact in
a read model reads exactly like the events it was folded from: decimals as fixed-point text,
fuzzy dates as EDTF, UUIDs as strings. ``decode_fact(encode_fact(fact)) == fact`` holds for
every fact the fold can produce; a unit test keeps it so.
"""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID

from timeline.application.errors import IntegrityViolation
from timeline.application.records import JSONValue
from timeline.domain.errors import DomainError
from timeline.domain.facts import Fact, FactStatus, FigureReading
from timeline.domain.sources import Source
from timeline.store import codec

JSONObject = dict[str, JSONValue]


class UndecodableFact(IntegrityViolation):
    """A stored fact document that no longer reads as a fact: the read model is corrupt and
    must be rebuilt from the log (``timeline projections rebuild``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"cannot decode a stored fact: {reason}")
        self.reason = reason


def encode_fact(fact: Fact) -> JSONObject:
    return {
        "fact_id": str(fact.fact_id),
        "content": codec.encode_content(fact.content),
        "sources": [codec.encode_source(source) for source in fact.sources],
        # A reading's source is usually one of the fact's sources, but kept whole: the
        # document must not depend on how evolve() happens to share objects.
        "readings": [
            {"figure": codec.encode_figure(r.figure), "source": codec.encode_source(r.source)}
            for r in fact.readings
        ],
        "status": str(fact.status),
        "revision": fact.revision,
    }


def decode_fact(data: Mapping[str, JSONValue]) -> Fact:
    try:
        return Fact(
            fact_id=UUID(_text(data, "fact_id")),
            content=codec.decode_content(data["content"]),
            sources=tuple(codec.decode_source(item) for item in _list(data, "sources")),
            readings=tuple(
                FigureReading(
                    figure=codec.decode_figure(item["figure"]),
                    source=codec.decode_source(item["source"]),
                )
                for item in _list(data, "readings")
            ),
            status=FactStatus(_text(data, "status")),
            revision=_integer(data, "revision"),
        )
    except KeyError as error:
        raise UndecodableFact(f"missing {error.args[0]}") from error
    except (DomainError, TypeError, ValueError) as error:
        raise UndecodableFact(str(error) or type(error).__name__) from error


def encode_source(source: Source | None) -> JSONObject | None:
    return None if source is None else codec.encode_source(source)


def decode_source(data: Mapping[str, JSONValue] | None) -> Source | None:
    if data is None:
        return None
    try:
        return codec.decode_source(data)
    except KeyError as error:
        raise UndecodableFact(f"missing {error.args[0]}") from error
    except (DomainError, TypeError, ValueError) as error:
        raise UndecodableFact(str(error) or type(error).__name__) from error


def _text(data: Mapping[str, JSONValue], key: str) -> str:
    value = data[key]
    if not isinstance(value, str):
        raise TypeError(f"{key} must be a string")
    return value


def _integer(data: Mapping[str, JSONValue], key: str) -> int:
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{key} must be an integer")
    return value


def _list(data: Mapping[str, JSONValue], key: str) -> list[JSONValue]:
    value = data[key]
    if not isinstance(value, list):
        raise TypeError(f"{key} must be a list")
    return value
