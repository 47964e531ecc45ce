"""Relay cursor pagination: opaque cursors, PageInfo and the page-size bound."""

from __future__ import annotations

import base64
import binascii
import json

import orjson
import strawberry

from timeline.domain.errors import DomainError

MAX_PAGE_SIZE = 500


class InvalidPage(DomainError):
    """A cursor this API did not hand out, or a page size out of bounds."""


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


def page_size(first: int, *, field: str = "first") -> int:
    if first < 0 or first > MAX_PAGE_SIZE:
        raise InvalidPage(field, f"must be between 0 and {MAX_PAGE_SIZE}, not {first}")
    return first


def encode_cursor(kind: str, key: list[str | int]) -> str:
    """An opaque cursor: clients must not build or parse them, only hand them back. orjson
    writes what ``json.dumps(..., separators=(",", ":"))`` wrote for these ASCII parts, a
    tenth of the time: a page of 50 writes 50 cursors."""
    raw = orjson.dumps([kind, *key])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str, *, field: str = "after") -> list[str | int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        value = None
    if not isinstance(value, list) or not value or value[0] != kind:
        raise InvalidPage(field, "is not a cursor this list handed out")
    return list(value[1:])
