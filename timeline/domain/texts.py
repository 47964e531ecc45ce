"""Bounded text: the maximum lengths of every free-text field, and the one check.

The limits are generous for the material (news articles, government statements) but stop a
pasted whole article or a runaway script from becoming an immutable event.
"""

from __future__ import annotations

from collections.abc import Sequence

from timeline.domain.errors import InvalidText

MAX_LABEL = 200
"""Publishers, actors, places, topics, measure labels."""
MAX_TITLE = 500
MAX_SUMMARY = 5_000
MAX_QUOTE = 5_000
MAX_REASON = 2_000
MAX_NOTE = 500
"""Date notes and original date phrases."""
MAX_URL = 2_048
MAX_DOCUMENT = 255
"""A file name in the corpus; 255 is the usual file-system limit."""
MAX_ITEMS = 50
"""Topics, actors or places on one fact."""


def check_text(
    field: str,
    value: object,
    max_length: int,
    *,
    multiline: bool = False,
) -> str:
    """Return ``value`` unchanged if it is a non-blank string within ``max_length``.

    Values are never trimmed or rewritten: a quote must stay verbatim, so the check refuses
    rather than repairs. Single-line fields refuse line breaks because they end up in
    headings and CSV cells.
    """
    if (
        type(value) is str
        and len(value) <= max_length
        and value.isascii()
        and (multiline or ("\n" not in value and "\r" not in value))
        and "\x00" not in value
        and value
        and not value.isspace()
    ):
        return value  # the common case: every check below, in one expression
    return _checked(field, value, max_length, multiline)


def _checked(field: str, value: object, max_length: int, multiline: bool) -> str:
    """``check_text`` one check at a time: the reason for a refusal, or non-ASCII text."""
    if not isinstance(value, str):
        raise InvalidText(field, f"must be a string, not {type(value).__name__}")
    if not value.strip():
        raise InvalidText(field, "must not be empty")
    if len(value) > max_length:
        raise InvalidText(field, f"is {len(value)} characters long; the limit is {max_length}")
    if not multiline and ("\n" in value or "\r" in value):
        raise InvalidText(field, "must be a single line")
    if "\x00" in value:
        raise InvalidText(field, "must not contain NUL characters")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            # JSON's "\ud800" escape decodes to a lone surrogate, which no UTF-8 column,
            # hash or export line can hold.
            raise InvalidText(field, "is not Unicode text: it holds a lone surrogate") from None
    return value


def check_labels(field: str, values: Sequence[str]) -> tuple[str, ...]:
    """A tuple of distinct single-line labels (topics, actors, places), at most MAX_ITEMS."""
    if isinstance(values, str) or not isinstance(values, tuple):
        raise InvalidText(field, "must be a tuple of strings")
    if len(values) > MAX_ITEMS:
        raise InvalidText(field, f"has {len(values)} items; the limit is {MAX_ITEMS}")
    seen: set[str] = set()
    for index, value in enumerate(values):
        try:
            check_text(field, value, MAX_LABEL)
        except InvalidText as exc:  # the item's own name, built only when it is needed
            raise InvalidText(f"{field}[{index}]", exc.reason) from None
        if value in seen:
            raise InvalidText(f"{field}[{index}]", f"duplicates {value!r}")
        seen.add(value)
    return values
