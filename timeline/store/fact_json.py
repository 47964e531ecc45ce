"""A fact's pieces as JSON in the read models, and what a damaged one raises.

The pieces (content, sources, figures) are written by the codec's own helpers, so a fact in
a read model reads exactly like the events it was folded from: decimals as fixed-point text,
fuzzy dates as EDTF, UUIDs as strings (``read_models.rows`` puts a revision together from
them; ``tests/unit/test_revision_rows.py`` holds every revision the fold can produce to its
rows).
"""

from __future__ import annotations

from collections.abc import Mapping

from timeline.application.errors import IntegrityViolation
from timeline.application.records import JSONValue
from timeline.domain.errors import DomainError
from timeline.domain.sources import Source
from timeline.store import codec

JSONObject = dict[str, JSONValue]


class UndecodableFact(IntegrityViolation):
    """A stored fact document that no longer reads as a fact: the read model is corrupt and
    must be rebuilt from the log (``timeline projections rebuild``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"cannot decode a stored fact: {reason}")
        self.reason = reason


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
