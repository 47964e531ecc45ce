"""Cursors: what ``encode_cursor`` writes (with orjson) is what it wrote with the standard
library's encoder for what a cursor holds (dates, times, ids and integers: ASCII, where
the two differ only on DEL, which orjson leaves unescaped), so a cursor handed out before
is the one handed out now."""

from __future__ import annotations

import base64
import json
import string

from hypothesis import given
from hypothesis import strategies as st

from timeline.api.graphql.types.pages import decode_cursor, encode_cursor

ASCII = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=126))
PARTS = st.lists(st.one_of(ASCII, st.integers(min_value=-(2**63), max_value=2**63 - 1)))


def _reference(kind: str, key: list[str | int]) -> str:
    raw = json.dumps([kind, *key], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@given(st.text(alphabet=string.ascii_letters, min_size=1), PARTS)
def test_a_cursor_is_written_as_the_standard_encoder_wrote_it(
    kind: str, key: list[str | int]
) -> None:
    cursor = encode_cursor(kind, key)

    assert cursor == _reference(kind, key)
    assert decode_cursor(kind, cursor) == key
