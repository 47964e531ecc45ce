"""Operations and inputs the API tests share."""

from __future__ import annotations

from typing import Any

FACT_FIELDS = """
  id kind title summary occurred occurredEarliest occurredLatest topics actors places
  status revision firstReported recordedAt
  figure { measure value unit qualifier basis period spanDays lower upper }
  sources { publisher title url publishedOn quote }
"""

FRAGMENT = "\nfragment FactFields on Fact {" + FACT_FIELDS + "}\n"

RECORD = (
    """
mutation Record($input: RecordFactInput!) {
  recordFact(input: $input) { revision position replayed fact { ...FactFields } }
}
"""
    + FRAGMENT
)

CORROBORATE = (
    """
mutation Corroborate($id: ID!, $source: SourceInput!, $figure: FigureInput) {
  corroborateFact(id: $id, source: $source, figure: $figure) {
    revision position fact { ...FactFields }
  }
}
"""
    + FRAGMENT
)

REVISE = (
    """
mutation Revise($id: ID!, $rev: Int!, $changes: FactPatchInput!, $reason: String!,
                $source: SourceInput) {
  reviseFact(id: $id, expectedRevision: $rev, changes: $changes, reason: $reason,
             source: $source) {
    revision position fact { ...FactFields }
  }
}
"""
    + FRAGMENT
)

RETRACT = (
    """
mutation Retract($id: ID!, $rev: Int!, $reason: String!) {
  retractFact(id: $id, expectedRevision: $rev, reason: $reason) {
    revision position fact { ...FactFields }
  }
}
"""
    + FRAGMENT
)

FACT = (
    """
query Fact($id: ID!, $knownAt: Date, $recordedBefore: DateTime) {
  fact(id: $id, knownAt: $knownAt, recordedBefore: $recordedBefore) {
    ...FactFields
    history { revision position type changedFields reason reported knownFrom recordedAt
              source { url } }
  }
}
"""
    + FRAGMENT
)

EVENTS = """
query Events($after: String, $afterPosition: Int, $first: Int) {
  events(after: $after, afterPosition: $afterPosition, first: $first) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { position type streamId actor idempotencyKey recordedAt payload } }
  }
}
"""


def source(n: int = 1, published: str = "2025-10-09", **changes: Any) -> dict[str, Any]:
    value: dict[str, Any] = {
        "publisher": "Example News",
        "title": f"Article {n}",
        "url": f"https://news.example/articles/{n}",
        "publishedOn": published,
        "quote": f"Quote number {n}.",
    }
    value.update(changes)
    return value


def figure(value: str | int = "650000000", **changes: Any) -> dict[str, Any]:
    result: dict[str, Any] = {
        "measure": "uk-payments-to-france",
        "value": value,
        "unit": "GBP",
        "qualifier": "MORE_THAN",
        "basis": "CUMULATIVE",
        "period": "2018/2025-10",
    }
    result.update(changes)
    return result


def fact_input(n: int = 1, **changes: Any) -> dict[str, Any]:
    value: dict[str, Any] = {
        "kind": "FUNDING_COMMITTED",
        "title": f"Fact number {n}",
        "summary": f"Summary of fact {n}.",
        "occurred": "2025-10",
        "topics": ["funding"],
        "actors": ["UK", "France"],
        "places": ["Channel"],
        "figure": figure(),
        "source": source(n),
    }
    value.update(changes)
    return value
