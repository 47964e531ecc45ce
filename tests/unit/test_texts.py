from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timeline.domain import texts
from timeline.domain.errors import InvalidText
from timeline.domain.texts import MAX_LABEL, check_labels, check_text

# -- check_text's one-expression common case must accept exactly what the checks do ------

_TEXT_PIECES = st.sampled_from(
    (
        *("a", "Z", "9", "word", "", " ", "   ", "\t", "\n", "\r", "\x00", "\x0b", "\x1c"),
        *("\u00a0", "\u3000", "é", "\ud800", "\U0001f600"),
    )
)


def _verdict(check: Callable[[], object]) -> tuple[str, str] | None:
    try:
        check()
    except InvalidText as exc:
        return exc.field, exc.reason
    return None


@settings(max_examples=500)
@given(
    st.one_of(st.text(), st.lists(_TEXT_PIECES, max_size=8).map("".join)),
    st.integers(0, 10),
    st.booleans(),
)
def test_the_common_case_agrees_with_the_checks_one_by_one(
    value: str, max_length: int, multiline: bool
) -> None:
    assert _verdict(lambda: check_text("f", value, max_length, multiline=multiline)) == _verdict(
        lambda: texts._checked("f", value, max_length, multiline)
    )


@pytest.mark.parametrize("value", [None, 3, b"bytes", ["a"]])
def test_a_value_that_is_not_a_string_is_refused(value: object) -> None:
    with pytest.raises(InvalidText, match="must be a string"):
        check_text("f", value, 10)


def test_a_string_subclass_is_checked_like_a_string() -> None:
    class Text(str):
        pass

    assert check_text("f", Text("fine"), 10) == "fine"
    with pytest.raises(InvalidText, match="single line"):
        check_text("f", Text("a\nb"), 10)


@pytest.mark.parametrize(
    ("labels", "field", "reason"),
    [
        (("ok", ""), "topics[1]", "must not be empty"),
        (("ok", "a\nb"), "topics[1]", "single line"),
        (("x" * (MAX_LABEL + 1),), "topics[0]", "the limit is 200"),
        (("ok", 3), "topics[1]", "must be a string"),
        (("ok", "\ud800"), "topics[1]", "lone surrogate"),
        (("ok", "ok"), "topics[1]", "duplicates 'ok'"),
    ],
)
def test_a_bad_label_is_named_by_its_index(
    labels: tuple[object, ...], field: str, reason: str
) -> None:
    with pytest.raises(InvalidText) as caught:
        check_labels("topics", labels)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert reason in caught.value.reason


def test_labels_pass_through_unchanged() -> None:
    labels = ("Small boats", "Île-de-France", "EU")
    assert check_labels("topics", labels) is labels
