from __future__ import annotations

import json
from collections.abc import Callable

from hypothesis import given
from hypothesis import strategies as st

from timeline.store.sql.rows import json_value

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
_PADDING = st.sampled_from(("", "", " ", "\n", "\t ", "\ufeff", "x", "]", " 1"))


def _reading(read: Callable[[str], object], text: str) -> tuple[str, object]:
    try:
        value = read(text)
    except json.JSONDecodeError as exc:
        return "error", (exc.msg, exc.pos)
    return "value", json.dumps(value, sort_keys=True)  # NaN-proof comparison


@given(
    st.one_of(
        st.tuples(_PADDING, _JSON, st.sampled_from((None, 2)), _PADDING).map(
            lambda t: t[0] + json.dumps(t[1], indent=t[2]) + t[3]
        ),
        st.text(alphabet='{}[]",:0123456789.eE+-tfnaulrs \n\\', max_size=20),
    )
)
def test_a_json_column_reads_as_json_loads_reads_it(text: str) -> None:
    assert _reading(json_value, text) == _reading(json.loads, text)
