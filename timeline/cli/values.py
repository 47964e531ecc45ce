"""How the analyst commands write domain values: as text for tables, as JSON for programs.

Amounts stay decimal strings in JSON (never floats, as in the log). Bounds show whether
each end is inclusive: "> 650,000,000" and "(650,000,000, ∞)" for "more than £650m", and an
unbounded end is blank in a table and null in JSON, never a made-up number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from timeline.domain.dates import FuzzyDate
from timeline.domain.facts import Fact
from timeline.domain.figures import Figure
from timeline.domain.projections.readings import Reading
from timeline.domain.projections.revisions import FactRevision
from timeline.domain.quantities import Bounds, Qualifier, Quantity
from timeline.domain.sources import Source

JSON = dict[str, object]

_QUALIFIER_WORDS = {
    Qualifier.EXACT: "",
    Qualifier.ABOUT: "about ",
    Qualifier.AT_LEAST: "at least ",
    Qualifier.MORE_THAN: "more than ",
    Qualifier.AT_MOST: "at most ",
    Qualifier.LESS_THAN: "less than ",
    Qualifier.ALMOST: "almost ",
}


def plain(value: Decimal) -> str:
    """The decimal without exponent or trailing zeros: ``19800``, ``33.3``."""
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return format(value.normalize(), "f")


def amount(value: Decimal) -> str:
    """``plain`` with thousands separators, for people."""
    sign = "-" if value < 0 else ""
    whole, _, fraction = plain(abs(value)).partition(".")
    return f"{sign}{int(whole):,}" + (f".{fraction}" if fraction else "")


def quantity_text(quantity: Quantity) -> str:
    return f"{_QUALIFIER_WORDS[quantity.qualifier]}{amount(quantity.value)} {quantity.unit}"


def figure_text(figure: Figure) -> str:
    """``more than 650,000,000 GBP for 2018/2025-10``, with any reported equivalent; a
    figure over a span inside its period says so: ``for 7 days within 2025-09-22/…``."""
    text = f"{quantity_text(figure.quantity)} for {figure.describe_period()}"
    if figure.equivalent is not None:
        text += f" (reported as {quantity_text(figure.equivalent)})"
    return text


def readings_text(fact: Fact) -> str:
    """A fact's figure for a table: its one reading, or, when its sources' readings differ,
    each of them with its publisher, so that no side is hidden behind the first."""
    figures = dict.fromkeys(reading.figure for reading in fact.readings)
    if len(figures) <= 1:
        return "" if fact.content.figure is None else figure_text(fact.content.figure)
    sides = [f"{figure_text(r.figure)} ({r.source.publisher})" for r in fact.readings]
    return "\n".join(["readings differ:", *sides])


def lower_text(bounds: Bounds) -> str:
    if bounds.lower is None:
        return ""
    return f"{'≥' if bounds.lower_inclusive else '>'} {amount(bounds.lower)}"


def upper_text(bounds: Bounds) -> str:
    if bounds.upper is None:
        return ""
    return f"{'≤' if bounds.upper_inclusive else '<'} {amount(bounds.upper)}"


def interval_text(bounds: Bounds) -> str:
    """Interval notation: ``[19,800, 22,000)``, ``(650,000,000, ∞)``."""
    lower = "-∞" if bounds.lower is None else amount(bounds.lower)
    upper = "∞" if bounds.upper is None else amount(bounds.upper)
    opening = "[" if bounds.lower is not None and bounds.lower_inclusive else "("
    closing = "]" if bounds.upper is not None and bounds.upper_inclusive else ")"
    return f"{opening}{lower}, {upper}{closing}"


def publishers(sources: Iterable[Source]) -> str:
    return "; ".join(dict.fromkeys(source.publisher for source in sources))


def listed(values: Iterable[str]) -> str:
    """Several values in one CSV cell."""
    return "; ".join(values)


# -- JSON ------------------------------------------------------------------------------


def bounds_json(bounds: Bounds) -> JSON:
    return {
        "lower": None if bounds.lower is None else plain(bounds.lower),
        "lower_inclusive": bounds.lower is not None and bounds.lower_inclusive,
        "upper": None if bounds.upper is None else plain(bounds.upper),
        "upper_inclusive": bounds.upper is not None and bounds.upper_inclusive,
    }


def quantity_json(quantity: Quantity) -> JSON:
    return {
        "value": plain(quantity.value),
        "unit": quantity.unit,
        "qualifier": str(quantity.qualifier),
        "bounds": bounds_json(quantity.bounds),
    }


def date_json(date: FuzzyDate) -> JSON:
    return {
        "edtf": date.text,
        "earliest": date.earliest.isoformat(),
        "latest": date.latest.isoformat(),
    }


def figure_json(figure: Figure) -> JSON:
    return {
        "measure": figure.measure,
        "quantity": quantity_json(figure.quantity),
        "basis": str(figure.basis),
        "period": date_json(figure.period),
        "span_days": figure.span_days,
        "equivalent": None if figure.equivalent is None else quantity_json(figure.equivalent),
    }


def source_json(source: Source) -> JSON:
    return {
        "publisher": source.publisher,
        "title": source.title,
        "url": source.url,
        "document": source.document,
        "published": source.published.text,
        "known_from": source.known_from.isoformat(),
        "quote": source.quote,
    }


def reading_json(reading: Reading) -> JSON:
    return {
        "fact_id": str(reading.fact_id),
        "figure": figure_json(reading.figure),
        "source": source_json(reading.source),
        "reported_on": reading.reported_on.isoformat(),
        "position": reading.position,
    }


def revision_json(revision: FactRevision) -> JSON:
    """A fact as one revision left it, with when that revision became known."""
    fact, content = revision.fact, revision.fact.content
    return {
        "fact_id": str(fact.fact_id),
        "revision": revision.revision,
        "status": str(fact.status),
        "kind": content.kind,
        "title": content.title,
        "summary": content.summary,
        "occurred": date_json(content.occurred),
        "occurred_phrase": content.occurred_phrase,
        "topics": list(content.topics),
        "actors": list(content.actors),
        "places": list(content.places),
        "figure": None if content.figure is None else figure_json(content.figure),
        "readings": [
            {"figure": figure_json(reading.figure), "source": source_json(reading.source)}
            for reading in fact.readings
        ],
        "sources": [source_json(source) for source in fact.sources],
        "known_from": revision.known_from.isoformat(),
        "recorded_from": instant_json(revision.recorded_from),
        "position": revision.position,
    }


def instant_json(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(dt.UTC).isoformat()
