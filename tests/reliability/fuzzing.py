"""Fuzz the running API with hypothesis: whatever comes in, no INTERNAL error, no 5xx, no
hang, and nothing written by a request that was refused.

    python -m tests.reliability.fuzzing          # short: 50 inputs per family
    python -m tests.reliability.fuzzing --full   # 2,000 inputs per family

The target is a real ``timeline serve`` on PostgreSQL. Families of input:

* ``record``: a valid ``recordFact`` input with one to three fields replaced by fuzz
  (EDTF-like strings, number-like strings, units, unicode with NULs and lone surrogates,
  empty and huge strings, values of the wrong JSON type), sent with the writer's token;
* ``commands``: the other mutations with fuzzed ids, revisions and reasons, and any token
  (none, a reader's, a writer's, a malformed one);
* ``arguments``: every query with fuzzed variables (dates, instants, cursors, page sizes,
  filters, measure keys);
* ``documents``: deep, wide and aliased selections, fragments (cyclic ones too), several
  operations, and soups of GraphQL tokens;
* ``bodies``: malformed JSON, JSON that is not a request, random bytes, and wrong or
  missing content types, by POST and by GET.

Each request is checked on its own: the database's head (events and idempotency keys)
is read before and after it, so a refused request that wrote anything is caught as the
request that did it.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import make_token
from tests.api.queries import fact_input
from tests.api.servers import serving
from tests.reliability.runs import arguments, publish, throwaway_postgres
from timeline.application.tokens import Role

SHORT_EXAMPLES = 50
FULL_EXAMPLES = 2000
TIMEOUT_SECONDS = 10.0
"""A request that takes longer counts as hung."""

# -- values -------------------------------------------------------------------------------

EDTF_ALPHABET = "0123456789-/?~%X.u:TZ+ ,[]{}"
edtf_like = st.one_of(
    st.text(EDTF_ALPHABET, max_size=30),
    st.sampled_from(
        [
            "2025-10",
            "2025-13",
            "2023-02-29",
            "2018/..",
            "../2025",
            "2018/",
            "/",
            "2024-07?",
            "2024-07~",
            "2024-07%",
            "2024-21",
            "-0001",
            "99999",
            "Y170000002",
            "2004-06-11T10:10:10",
            "1985-04-12/1985-04",
            "[1667,1668]",
            "0000-00-00",
            "9999-12-31",
            "2001-2",
        ]
    ),
)
number_like = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.integers().map(str),
    st.floats().map(repr),
    st.text("0123456789.eE+-_ ,", max_size=40),
    st.sampled_from(
        ["1e999999999", "-0", "0.0000000000000000000001", "9" * 5000, "NaN", "Infinity"]
    ),
)
unit_like = st.one_of(
    st.sampled_from(["GBP", "gbp", "EUR", "USD", "XXX", "people", "boats", "percent", "", " GBP"]),
    st.text(max_size=12),
)
unicode_text = st.one_of(
    st.text(),
    st.text(st.characters(codec=None, exclude_categories=()), max_size=50),
    st.sampled_from(
        ["\x00", "a\x00b", "\ud800", "\udfff x", "\u202e", "\ufeff", "🇬🇧" * 100, "\r\n" * 50]
    ),
)
sized_text = st.sampled_from([0, 1, 199, 200, 201, 499, 500, 501, 5_000, 200_000]).map(
    lambda size: "x" * size
)
wrong_type = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)
fuzz_value = st.one_of(edtf_like, number_like, unit_like, unicode_text, sized_text, wrong_type)

RECORD_FIELDS = (
    "kind",
    "title",
    "summary",
    "occurred",
    "topics",
    "actors",
    "places",
    "idempotencyKey",
    "figure",
    "figure.measure",
    "figure.value",
    "figure.unit",
    "figure.qualifier",
    "figure.basis",
    "figure.period",
    "source",
    "source.publisher",
    "source.title",
    "source.url",
    "source.publishedOn",
    "source.quote",
)


@st.composite
def record_inputs(draw: st.DrawFn) -> dict[str, Any]:
    """A valid input with one to three fields (or list items) replaced by fuzz."""
    value = fact_input(draw(st.integers(1, 10**6)))
    for path in draw(st.lists(st.sampled_from(RECORD_FIELDS), min_size=1, max_size=3)):
        target = value
        *parents, name = path.split(".")
        for parent in parents:
            if not isinstance(target.get(parent), dict):
                target[parent] = {}
            target = target[parent]
        fuzz = draw(fuzz_value)
        if name in {"topics", "actors", "places"} and draw(st.booleans()):
            fuzz = draw(st.lists(fuzz_value, max_size=4))
        target[name] = fuzz
    return value


ids = st.one_of(st.uuids().map(str), unicode_text, st.integers().map(str), wrong_type)
revisions = st.one_of(st.integers(min_value=-(2**40), max_value=2**40), wrong_type)

# -- documents ----------------------------------------------------------------------------

COMMANDS = {
    "corroborate": "mutation ($id: ID!, $s: SourceInput!, $f: FigureInput) "
    "{ corroborateFact(id: $id, source: $s, figure: $f) { revision position } }",
    "revise": "mutation ($id: ID!, $r: Int!, $c: FactPatchInput!, $why: String!) "
    "{ reviseFact(id: $id, expectedRevision: $r, changes: $c, reason: $why) { revision } }",
    "retract": "mutation ($id: ID!, $r: Int!, $why: String!) "
    "{ retractFact(id: $id, expectedRevision: $r, reason: $why) { revision } }",
}
QUERIES = (
    "query ($f: TimelineFilter, $k: Date, $r: DateTime, $n: Int, $a: String) "
    "{ timeline(filter: $f, knownAt: $k, recordedBefore: $r, first: $n, after: $a) "
    "{ totalCount pageInfo { endCursor hasNextPage } edges { cursor node { id title } } } }",
    "query ($id: ID!, $k: Date, $r: DateTime) { fact(id: $id, knownAt: $k, recordedBefore: $r) "
    "{ id title history { revision reason } } }",
    "query ($m: String!, $k: Date, $r: DateTime, $from: Date, $to: Date, $g: Granularity) "
    "{ runningTotal(measure: $m, knownAt: $k, recordedBefore: $r, from: $from, to: $to, "
    "granularity: $g) { unit points { date total lower upper } warnings } }",
    "query ($m: String!, $p: FuzzyDate) { figureHistory(measure: $m, period: $p) { value } }",
    "query ($k: Date!, $l: Date!) { changes(fromKnownAt: $k, toKnownAt: $l) "
    "{ added { fact { title } } } }",
    "query ($p: Int, $n: Int, $a: String) { events(afterPosition: $p, first: $n, after: $a) "
    "{ totalCount edges { cursor node { position type payload } } } }",
)
VARIABLE_NAMES = ("f", "k", "r", "n", "a", "id", "m", "from", "to", "g", "p", "l")
variable_values = st.one_of(
    edtf_like,
    unicode_text,
    wrong_type,
    st.sampled_from(
        ["2025-11-01", "2025-11-01T00:00:00Z", "YEAR", "DAY", "MONTH", "uk-payments-to-france"]
    ),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.fixed_dictionaries(
        {},
        optional={
            "from": edtf_like,
            "to": edtf_like,
            "kinds": st.lists(unicode_text, max_size=3),
            "topics": st.lists(unicode_text, max_size=3),
            "text": st.one_of(unicode_text, sized_text),
            "includeRetracted": wrong_type,
        },
    ),
)
NAMES = (
    "timeline",
    "edges",
    "node",
    "history",
    "fact",
    "id",
    "title",
    "events",
    "measures",
    "key",
    "__typename",
    "__schema",
    "types",
    "fields",
    "name",
)


@st.composite
def documents(draw: st.DrawFn) -> str:
    shape = draw(st.sampled_from(["deep", "wide", "aliases", "fragments", "operations", "soup"]))
    if shape == "deep":
        depth = draw(st.integers(1, 60))
        inner = "id"
        for _ in range(depth):
            inner = f"history {{ fact {{ {inner} }} }}"
        return f"{{ timeline(first: 2) {{ edges {{ node {{ {inner} }} }} }} }}"
    if shape == "wide":
        width = draw(st.integers(1, 3000))
        return "{ " + " ".join(["measures { key label unit }"] * width) + " }"
    if shape == "aliases":
        count = draw(st.integers(1, 200))
        field = draw(
            st.sampled_from(
                ["measures { key }", "__typename", "timeline(first: 500) { totalCount }"]
            )
        )
        return "{ " + " ".join(f"a{n}: {field}" for n in range(count)) + " }"
    if shape == "fragments":
        cyclic = draw(st.booleans())
        tail = "...B" if cyclic else "id"
        return (
            "{ timeline { edges { node { ...A } } } } "
            "fragment A on Fact { history { fact { ...B } } } "
            f"fragment B on Fact {{ {tail} }}"
        )
    if shape == "operations":
        names = draw(
            st.lists(st.sampled_from(["A", "B", "query", "", "1"]), min_size=1, max_size=4)
        )
        return " ".join(f"query {name} {{ measures {{ key }} }}" for name in names)
    pieces = st.sampled_from(
        [
            "{",
            "}",
            "(",
            ")",
            ":",
            "$",
            "...",
            "@",
            "!",
            "[",
            "]",
            "=",
            '"',
            "query",
            "mutation",
            "subscription",
            "fragment",
            "on",
            *NAMES,
        ]
    )
    return " ".join(draw(st.lists(pieces, max_size=60)))


# -- bodies -------------------------------------------------------------------------------

CONTENT_TYPES = st.one_of(
    st.sampled_from(
        [
            None,
            "application/json",
            "application/json; charset=latin-1",
            "application/graphql",
            "application/graphql-response+json",
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data",
            "multipart/form-data; boundary=x",
            "application/xml",
            "*/*",
            "",
        ]
    ),
    # What a header can carry: printable ASCII, without surrounding blanks (h11 refuses
    # the rest before sending anything).
    st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40).map(str.strip),
)


@st.composite
def bodies(draw: st.DrawFn) -> tuple[bytes, str | None]:
    shape = draw(
        st.sampled_from(["bytes", "truncated", "not-a-request", "bad-fields", "json-text"])
    )
    if shape == "bytes":
        content = draw(st.binary(max_size=2000))
    elif shape == "truncated":
        whole = json.dumps(
            {"query": "{ measures { key } }", "variables": {"x": [1, 2, {"y": "z"}]}}
        )
        content = whole[: draw(st.integers(0, len(whole) - 1))].encode()
    elif shape == "not-a-request":
        content = json.dumps(draw(wrong_type)).encode()
    elif shape == "bad-fields":
        request: dict[str, object] = {
            "query": draw(st.one_of(st.just("{ measures { key } }"), wrong_type, unicode_text)),
            "variables": draw(st.one_of(wrong_type, unicode_text, st.just({}))),
            "operationName": draw(st.one_of(wrong_type, unicode_text)),
            "extensions": draw(st.one_of(wrong_type, unicode_text)),
        }
        content = json.dumps(request).encode()
    else:
        content = draw(unicode_text).encode("utf-8", "surrogatepass")
    return content, draw(CONTENT_TYPES)


# -- the target ---------------------------------------------------------------------------


@dataclass
class Findings:
    """Requests that broke a rule, and how many inputs of each family were tried."""

    tried: Counter[str] = field(default_factory=Counter)
    answers: Counter[int] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)


class Target:
    """The running API, its tokens, and a probe of the database's head."""

    def __init__(self, graphql: str, url: str, tokens: Mapping[str, str | None]) -> None:
        self.graphql = graphql
        self.tokens = dict(tokens)
        self.findings = Findings()
        self._loop = asyncio.new_event_loop()
        self._probe: asyncpg.Connection = self._loop.run_until_complete(asyncpg.connect(url))
        self._http = httpx.Client(timeout=TIMEOUT_SECONDS)

    def close(self) -> None:
        self._http.close()
        self._loop.run_until_complete(self._probe.close())
        self._loop.close()

    def head(self) -> tuple[int, int]:
        """The log's head and the number of idempotency keys: what a write moves."""
        row = self._loop.run_until_complete(
            self._probe.fetchrow(
                "SELECT (SELECT coalesce(max(position), 0) FROM events), "
                "(SELECT count(*) FROM idempotency_keys)"
            )
        )
        assert row is not None
        return int(row[0]), int(row[1])

    def post_json(self, family: str, body: object, token: str | None) -> None:
        content = json.dumps(body).encode("utf-8", "surrogatepass")
        self.send(family, "POST", content, "application/json", token)

    def send(
        self,
        family: str,
        method: str,
        content: bytes | None,
        content_type: str | None,
        token: str | None,
        params: Mapping[str, str] | None = None,
    ) -> None:
        headers = {"accept": "application/graphql-response+json, application/json"}
        if content_type is not None:
            headers["content-type"] = content_type
        if token is not None:
            headers["authorization"] = f"Bearer {token}"
        before = self.head()
        started = time.monotonic()
        described = f"{family}: {method} {content_type!r} {(content or b'')[:300]!r} {params}"
        try:
            response = self._http.request(
                method, self.graphql, content=content, headers=headers, params=params
            )
        except httpx.TimeoutException:
            self.findings.problems.append(f"hung for {TIMEOUT_SECONDS} s: {described}")
            raise AssertionError(self.findings.problems[-1]) from None
        seconds = time.monotonic() - started
        after = self.head()
        self.findings.tried[family] += 1
        self.findings.answers[response.status_code] += 1
        problem = _judge(response, before, after)
        if problem is not None:
            self.findings.problems.append(f"{problem} ({seconds:.2f} s) for {described}")
            raise AssertionError(self.findings.problems[-1])


def _judge(response: httpx.Response, before: tuple[int, int], after: tuple[int, int]) -> str | None:
    if response.status_code >= 500:
        return f"HTTP {response.status_code}: {response.text[:300]}"
    try:
        document = response.json()
    except ValueError:
        document = None
    errors = document.get("errors") if isinstance(document, dict) else None
    codes = [
        str((e.get("extensions") or {}).get("code")) for e in errors or () if isinstance(e, dict)
    ]
    if "INTERNAL" in codes:
        return f"INTERNAL: {errors}"
    refused = response.status_code != 200 or bool(errors) or document is None
    if refused and after != before:
        return f"a refused request wrote: head {before} -> {after}, answer {response.text[:300]}"
    return None


# -- the families -------------------------------------------------------------------------


def fuzz(target: Target, examples: int) -> Findings:
    """Run every family for ``examples`` inputs each against ``target``."""
    configured = settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )

    @configured
    @given(record_inputs(), st.sampled_from(["writer", "writer", "writer", "reader", "none"]))
    def record(value: dict[str, Any], who: str) -> None:
        body = {
            "query": "mutation ($i: RecordFactInput!) { recordFact(input: $i) { position } }",
            "variables": {"i": value},
        }
        target.post_json("record", body, target.tokens[who])

    @configured
    @given(
        st.sampled_from(sorted(COMMANDS)),
        ids,
        revisions,
        st.one_of(unicode_text, sized_text, wrong_type),
        record_inputs(),
        st.sampled_from(sorted(target.tokens)),
    )
    def commands(
        command: str, id_: object, revision: object, reason: object, value: dict[str, Any], who: str
    ) -> None:
        variables = {
            "id": id_,
            "r": revision,
            "why": reason,
            "s": value.get("source"),
            "f": value.get("figure"),
            "c": {"title": value.get("title"), "occurred": value.get("occurred")},
        }
        target.post_json(
            "commands", {"query": COMMANDS[command], "variables": variables}, target.tokens[who]
        )

    @configured
    @given(
        st.sampled_from(QUERIES),
        st.dictionaries(st.sampled_from(VARIABLE_NAMES), variable_values, max_size=6),
    )
    def queries(query: str, variables: dict[str, Any]) -> None:
        target.post_json("arguments", {"query": query, "variables": variables}, None)

    @configured
    @given(documents(), st.booleans())
    def shapes(document: str, by_get: bool) -> None:
        if by_get:
            target.send("documents", "GET", None, None, None, params={"query": document[:6000]})
        else:
            target.post_json("documents", {"query": document}, None)

    @configured
    @given(
        bodies(),
        st.sampled_from(["POST", "POST", "POST", "GET", "PUT"]),
        st.sampled_from(sorted(target.tokens)),
    )
    def raw(body: tuple[bytes, str | None], method: str, who: str) -> None:
        content, content_type = body
        if method == "GET":
            text = content.decode("utf-8", "replace")
            target.send(
                "bodies",
                "GET",
                None,
                None,
                target.tokens[who],
                params={"query": text, "variables": text},
            )
        else:
            target.send("bodies", method, content, content_type, target.tokens[who])

    for family in (record, commands, queries, shapes, raw):
        family()
    return target.findings


@contextmanager
def running_target(url: str, tokens: Mapping[str, str | None]) -> Iterator[Target]:
    with serving(url, workers=1) as server:
        target = Target(server.graphql, url, tokens)
        try:
            yield target
        finally:
            target.close()


async def tokens_for(url: str) -> dict[str, str | None]:
    return {
        "writer": await make_token(url, "fuzz-writer", Role.WRITER),
        "reader": await make_token(url, "fuzz-reader", Role.READER),
        "none": None,
        "malformed": "tl_nothing_like_a_token",
        "forged": "tl_000000000000_" + "A" * 43,
    }


def run(url: str, examples: int) -> Findings:
    """Fuzz a server on the migrated database at ``url`` (call outside an event loop)."""
    tokens = asyncio.run(tokens_for(url))
    with running_target(url, tokens) as target:
        return fuzz(target, examples)


def _main() -> None:
    options = arguments(__doc__ or "")
    load_before = os.getloadavg()
    examples = FULL_EXAMPLES if options.full else SHORT_EXAMPLES
    started = time.monotonic()

    async def database() -> None:
        async with throwaway_postgres("fuzzing") as url:
            findings = await asyncio.to_thread(run, url, examples)
            figures = {
                "examples_per_family": examples,
                "inputs_tried": sum(findings.tried.values()),
                "by_family": dict(findings.tried),
                "answers_by_status": {str(k): v for k, v in sorted(findings.answers.items())},
                "problems": findings.problems,
                "seconds": round(time.monotonic() - started, 1),
            }
            publish(figures, options.json, load_before)

    asyncio.run(database())


if __name__ == "__main__":
    _main()
