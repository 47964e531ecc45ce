"""The running totals' rows to and from the pure projections' values.

A reading is kept as one JSON text (``reading_text``: its figure and source as the codec
writes them, and where it came into the log), written once when its revision is projected
and copied as is into the amounts it stands in; reading it back trusts it as a replay
trusts the log (``codec``), since only the projection ever wrote it.
"""

from __future__ import annotations

import datetime as dt
import decimal
import operator
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, overload
from uuid import UUID

import msgspec
import orjson
from cachetools import LRUCache

from timeline.domain.projections.readings import PeriodKey, Reading, readings_of
from timeline.domain.projections.revisions import FactRevision
from timeline.domain.projections.selection import (
    Amount,
    ConflictSummary,
    Edge,
    PeriodState,
    Side,
)
from timeline.domain.projections.settled_periods import (
    KnownReading,
    Span,
    spans,
    units_of,
)
from timeline.domain.quantities import Basis, Bounds
from timeline.domain.trusted import trusted
from timeline.store import codec, payloads
from timeline.store.sql.rows import utc

Row = Mapping[Any, Any]
Period = tuple[str, dt.date, dt.date, str, int]
"""A period's key columns, in key order: measure, latest, earliest, basis, span."""
PERIOD_COLUMNS = ("measure", "period_latest", "period_earliest", "basis", "span")
PERIOD_READ = ("units",)
STATE_READ = (
    *("value", "lower", "lower_inclusive", "upper", "upper_inclusive", "contested"),
    *("superseded", "standing", "readings", "conflict", "edges"),
)
STATE_COLUMNS = (*PERIOD_READ, *STATE_READ, "middle")
"""What a total reads of each period (``queries.measure_states``), in this order: its units,
then its state in the unit asked for (its row's values, NULLs when none holds), then the
texts of the state's ``total_standing`` readings joined (``StoredReadings.middle``; NULL
when not read: ``queries.measure_states``). Not the period's key: every reading of the
state is of that period, so the key is its first reading's."""
UNITS_AT, STATE_AT = 0, len(PERIOD_READ)
"""Where a row of ``STATE_COLUMNS`` has the period's units, and its state's first column."""

_new_reading = trusted(Reading)
_new_bounds = trusted(Bounds)
_new_state = trusted(PeriodState)
_new_side = trusted(Side)
_new_conflict = trusted(ConflictSummary)


def period_of(reading: Reading) -> Period:
    basis, earliest, latest, span = reading.period_key
    return (reading.measure, latest, earliest, str(basis), span or 0)


def period_key(period: Period) -> PeriodKey:
    _, latest, earliest, basis, span = period
    return (Basis(basis), earliest, latest, span or None)


def period_row(period: Period) -> dict[str, Any]:
    return dict(zip(PERIOD_COLUMNS, period, strict=True))


def row_period(row: Row) -> Period:
    return (
        row["measure"],
        row["period_latest"],
        row["period_earliest"],
        row["basis"],
        row["span"],
    )


def reading_text(reading: Reading) -> str:
    return orjson.dumps(
        {
            "fact_id": str(reading.fact_id),
            "reading_index": reading.reading_index,
            "position": reading.position,
            "recorded_at": utc(reading.recorded_at).isoformat(),
            "reported_on": reading.reported_on.isoformat(),
            "figure": codec.encode_figure(reading.figure),
            "source": codec.encode_source(reading.source),
        }
    ).decode()


class _StoredReading(msgspec.Struct):
    """``reading_text``'s shape, decoded and checked by msgspec in one compiled pass."""

    fact_id: UUID
    reading_index: int
    position: int
    recorded_at: dt.datetime
    reported_on: dt.date
    figure: payloads.FigurePayload
    source: payloads.SourcePayload


class _StoredSide(msgspec.Struct):
    fact_id: UUID
    quantity: payloads.QuantityPayload
    publisher: str


class _StoredConflict(msgspec.Struct):
    readings: int
    pairs: int
    low: _StoredSide
    high: _StoredSide


_one_reading = msgspec.json.Decoder(_StoredReading)
_readings = msgspec.json.Decoder(list[_StoredReading])
_conflict = msgspec.json.Decoder(_StoredConflict)


def reading_from_text(text: str) -> Reading:
    return _reading(_one_reading.decode(text))


class DecodedTexts:
    """Readings decoded from their stored texts, each of which is written back as that very
    text rather than encoded again (``reading_text`` of a decoded reading is its text): a
    period's state holds all its standing readings, so a batch that works a much-read
    period out again would otherwise encode hundreds of readings it has just read. Keyed
    by the decoded objects themselves, which it keeps alive while it is in use."""

    def __init__(self) -> None:
        self._texts: dict[int, tuple[Reading, str]] = {}

    def decode(self, text: str) -> Reading:
        reading = reading_from_text(text)
        self._texts[id(reading)] = (reading, text)
        return reading

    def text_of(self, reading: Reading) -> str:
        found = self._texts.get(id(reading))
        return found[1] if found is not None and found[0] is reading else reading_text(reading)


def _reading(data: _StoredReading) -> Reading:
    return _new_reading(
        fact_id=data.fact_id,
        reading_index=data.reading_index,
        figure=codec.figure_of(data.figure),
        source=codec.source_of(data.source),
        reported_on=data.reported_on,
        position=data.position,
        recorded_at=data.recorded_at,
    )


RevisionReading = tuple[Reading, int, dt.date, dt.date | None]
"""A reading, the number of the revision holding it, and that revision's knowledge days."""


def revision_readings(revisions: Iterable[FactRevision]) -> list[RevisionReading]:
    return [
        (reading, revision.revision, revision.known_from, revision.known_until)
        for revision in revisions
        for reading in readings_of(revision)
    ]


def reading_row(known: RevisionReading) -> dict[str, Any]:
    """The ``total_readings`` row of one reading of one revision."""
    reading, revision, known_from, known_until = known
    return {
        **period_row(period_of(reading)),
        "fact_id": reading.fact_id,
        "revision": revision,
        "reading_index": reading.reading_index,
        "known_from": known_from,
        "known_until": known_until,
        "reading": reading_text(reading),
    }


def units_text(units: Iterable[str]) -> str:
    return " ".join(sorted(units))


TextOf = Callable[[Reading], str]
"""A reading's ``reading_text``: encoded, or the very text it was decoded from."""


def amount_row(
    period: Period, unit: str, span: Span, text_of: TextOf = reading_text
) -> dict[str, Any]:
    """The ``total_amounts`` row of ``span``; its middle readings are ``span_middle_rows``."""
    state = span.state
    amount, bounds = state.amount, state.amount.bounds
    readings = amount.readings
    if isinstance(readings, StoredReadings):
        ends = readings.text
    elif len(readings) == 1:
        ends = f"[{text_of(readings[0])}]"
    else:
        ends = f"[{text_of(readings[0])}{_SEPARATOR}{text_of(readings[-1])}]"
    return {
        **period_row(period),
        "unit": unit,
        "known_from": span.known_from,
        "known_until": span.known_until,
        "value": amount.value,
        "lower": bounds.lower,
        "lower_inclusive": bounds.lower_inclusive,
        "upper": bounds.upper,
        "upper_inclusive": bounds.upper_inclusive,
        "contested": amount.contested,
        "superseded": state.superseded,
        "standing": len(readings),
        "readings": ends,
        "conflict": None if state.conflict is None else _conflict_text(state.conflict),
        "edges": " ".join(_edge_text(edge) for edge in state.edges),
    }


def middle_rows(
    period: Period, unit: str, known_from: dt.date, texts: Iterable[str], seq: int = 1
) -> list[dict[str, Any]]:
    """``total_standing`` rows of the state of ``period`` in ``unit`` from ``known_from``:
    ``texts`` (middle readings, in recency order) from number ``seq`` on."""
    key = {**period_row(period), "unit": unit, "known_from": known_from}
    return [{**key, "seq": n, "reading": text} for n, text in enumerate(texts, seq)]


def span_middle_rows(
    period: Period, unit: str, span: Span, text_of: TextOf = reading_text
) -> list[dict[str, Any]]:
    """The ``total_standing`` rows of a state worked out from its readings."""
    readings = span.state.amount.readings
    middle = (text_of(reading) for reading in readings[1:-1]) if len(readings) > 2 else ()
    return middle_rows(period, unit, span.known_from, middle)


_EXACT = decimal.Context(prec=decimal.MAX_PREC)


def _edge_text(edge: Edge) -> str:
    # Normalised, so that equal edges are one text whichever of equal readings they came
    # from ("1.0" and "1" bound alike): a fold keeps the stored edge where a fold from
    # scratch may meet an equal one first.
    value, side = edge
    return f"{value.normalize(_EXACT)} {side}"


def _edges_of(text: str) -> tuple[Edge, Edge]:
    lower, lower_side, upper, upper_side = text.split()
    return (Decimal(lower), int(lower_side)), (Decimal(upper), int(upper_side))


def _conflict_text(conflict: ConflictSummary) -> str:
    return orjson.dumps(
        {
            "readings": conflict.readings,
            "pairs": conflict.pairs,
            "low": _side(conflict.low),
            "high": _side(conflict.high),
        }
    ).decode()


def _side(side: Side) -> dict[str, Any]:
    return {
        "fact_id": str(side.fact_id),
        "quantity": codec.encode_quantity(side.quantity),
        "publisher": side.publisher,
    }


def _read_side(data: _StoredSide) -> Side:
    return _new_side(
        fact_id=data.fact_id, quantity=codec.quantity_of(data.quantity), publisher=data.publisher
    )


STATE_TEXT_KEPT = 8 * 2**20
"""How much of their rows' JSON text the decoded states a store keeps may stand for: 8 MB,
some 40 MB of objects. At a million events a state's readings are about 1 KB of text, so
this keeps some 8,000 states; a total there reads ~260, at random K and measure, of some
62,000 states in all. Measured at a million events (SQLite, the bench's totals at random K):
p50 9-10 ms with none, 7.2 with 1 MB, 4.1-4.4 with 2 MB, 3.1-3.2 with 8 MB (bench items 35,
38 and 42); at 100,000 events 2.3 ms with 2 MB and 2.1-2.3 with 8 MB, so the more kept,
the less a total grows with the log. Counted by text, not by number: a period that keeps
gaining readings (the soak writes every fact into one) has a new state, as large as all its
readings, after each batch, and 4,096 states held by number grew each API worker by
70-120% in the soak's minute."""

STATE_TEXT_ALONE = 2**15
"""The most text one state kept whole may have: 32 KB. A larger state is a period that keeps
gaining readings, replaced by its next batch's, and keeping its successive states is what
grew the soak's workers (4 MB with a 64th of it, 64 KB, as the bound: 13-15%; 2 MB and 32
KB: 6%; 8 MB and 32 KB: 5%, as with none). Such a state is decoded afresh at each read,
which costs its first and last readings (``StoredReadings``), not all of them."""

DecodeState = Callable[[tuple[Any, ...]], PeriodState]

_SEPARATOR = ",\n"
"""Between a state row's reading texts: a reading's own text (orjson's, compact) never holds
a raw line feed, so the first and the last reading are found without reading the others."""


class StoredReadings(Sequence[Reading]):
    """A stored state's readings, in recency order: its row's ``readings`` text (the first
    and the last), ``standing`` of them in all, and the texts of the others (``middle``,
    from ``total_standing``, joined by ``_SEPARATOR``; None where not read, as by a batch,
    which never needs them). Decoded only when asked for more than the first and the last:
    what a total needs of an amount unless it describes it (a contested one) or lists its
    readings or facts, and what a fold of the state forward reads (``selection.folded``).
    A growing period's state holds thousands; the soak's reads and batches asked for two.

    A fold's readings (``extended``) are the stored state's ``stored`` readings, whose
    middle rows stand under that state, followed by the texts ``added`` (those to be
    written as middle rows after them) and a new last reading."""

    __slots__ = ("_all", "_count", "_first", "_last", "added", "middle", "stored", "text")

    def __init__(
        self,
        text: str,
        count: int,
        middle: str | None = None,
        *,
        first: Reading | None = None,
        last: Reading | None = None,
        stored: int | None = None,
        added: tuple[str, ...] = (),
    ) -> None:
        self.text = text
        self._count = count
        self.middle = middle
        self._first = first
        self._last = last
        self.stored = count if stored is None else stored
        self.added = added
        self._all: tuple[Reading, ...] | None = None

    def first(self) -> Reading:
        if self._first is None:
            self._first = reading_from_text(self._first_text())
        return self._first

    def last(self) -> Reading:
        if self._last is None:
            if self._count == 1:
                self._last = self.first()
            else:
                self._last = reading_from_text(self._last_text())
        return self._last

    def _first_text(self) -> str:
        end = self.text.find(_SEPARATOR)
        return self.text[1 : -1 if end < 0 else end]

    def _last_text(self) -> str:
        return self.text[self.text.rindex("\n") + 1 : -1]

    def all(self) -> tuple[Reading, ...]:
        if self._all is None:
            # The first and the last are decoded already (``Amount`` asks for both): most
            # states stand on one or two readings, which are then decoded once, not twice.
            if self._count <= 2:
                ends = (self.first(), self.last())
                self._all = ends[:1] if self._count == 1 else ends
            else:
                if self.middle is None:
                    raise LookupError("a state's middle readings were not read")
                middle = [_reading(data) for data in _readings.decode(f"[{self.middle}]")]
                # SQLite's group_concat joins them in no promised order; recency is total.
                middle.sort(key=Reading.recency)
                self._all = (self.first(), *middle, self.last())
        return self._all

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> Reading: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Reading]: ...
    def __getitem__(self, index: int | slice) -> Reading | Sequence[Reading]:
        if index == 0:
            return self.first()
        if index == -1 or index == self._count - 1:
            return self.last()
        return self.all()[index]

    def __iter__(self) -> Iterator[Reading]:
        return iter(self.all())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, StoredReadings) and self._count <= 2 and other._count <= 2:
            return self.text == other.text
        if isinstance(other, Sequence):
            return self.all() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.all())  # as the tuple of its readings, which it equals

    def __repr__(self) -> str:
        return f"StoredReadings({self._count} readings)"

    def extended(self, later: tuple[Reading, ...]) -> StoredReadings:
        """These readings, then ``later`` (later in recency): what the stored state's rows
        hold as they are, and the texts to be written after them."""
        texts = [reading_text(reading) for reading in later]
        # The last reading so far becomes a middle one (the first never does).
        now_middle = texts[:-1] if self._count == 1 else [self._last_text(), *texts[:-1]]
        middle = self.middle
        if middle is not None or self._count <= 2:
            middle = _SEPARATOR.join(filter(None, [middle or "", *now_middle])) or None
        return StoredReadings(
            f"[{self._first_text()}{_SEPARATOR}{texts[-1]}]",
            self._count + len(later),
            middle,
            first=self.first(),
            last=later[-1],
            stored=self.stored,
            added=(*self.added, *now_middle),
        )


def decoded_states(
    kept_text: int = STATE_TEXT_KEPT, kept_alone: int = STATE_TEXT_ALONE
) -> DecodeState:
    """``state_of``, remembering the states last decoded, by their values, for as long as
    their rows' JSON text adds up to at most ``kept_text`` characters; none over
    ``kept_alone`` (nor over ``kept_text``).

    A state is a pure function of its row's ``STATE_READ`` values (a state row is never
    changed: a batch deletes it and writes another), and a period that stopped changing
    is the same row for every later K, so most of a total's states were decoded already.
    The values are the key: they are the row's whole content, so no stale state can be
    found (the row's key columns would not do: a batch replaces a period's states from a
    day on, same keys, other content)."""
    kept: LRUCache[tuple[Any, ...], tuple[PeriodState, int]] = LRUCache(
        kept_text, getsizeof=operator.itemgetter(1)
    )
    largest = min(kept_alone, kept_text)

    def decoded(values: tuple[Any, ...]) -> PeriodState:
        text = _readings_text(values) + len(values[_CONFLICT_AT] or "")
        if text > largest:
            # Never kept, so not sought: hashing a growing period's megabytes to look for it
            # cost more than decoding its first and last reading.
            return state_of(values)
        found = kept.get(values)
        if found is not None:
            return found[0]
        state = state_of(values)
        kept[values] = (state, text)
        return state

    return decoded


_READINGS_AT = STATE_READ.index("readings")
_STANDING_AT = STATE_READ.index("standing")
_CONFLICT_AT = STATE_READ.index("conflict")
_MIDDLE_AT = len(STATE_READ)


def _readings_text(values: tuple[Any, ...]) -> int:
    """How much text all the readings of a state read (``values``) have, estimated from its
    first and last when the others were not read: a checkpoint of a period that keeps
    gaining readings, read without them, is no more worth keeping than it was whole (each
    batch replaces it; kept, its successive states grew the soak's workers by 8%)."""
    ends, middle = len(values[_READINGS_AT]), values[_MIDDLE_AT]
    if middle is not None:
        return ends + len(middle)
    standing = int(values[_STANDING_AT])
    return ends * standing // min(standing, 2)


def state_of(values: tuple[Any, ...]) -> PeriodState:
    """The ``PeriodState`` of a row's ``STATE_READ`` values, in that order, as the driver
    gives them (decimals and booleans as text and integers from SQLite), and if one more
    value follows, its middle readings' texts (``StoredReadings.middle``)."""
    middle = values[_MIDDLE_AT] if len(values) > _MIDDLE_AT else None
    (
        value,
        lower,
        lower_inclusive,
        upper,
        upper_inclusive,
        contested,
        superseded,
        standing,
        readings,
        conflict_text,
        edges,
    ) = values[:_MIDDLE_AT]
    amount = Amount(
        readings=StoredReadings(readings, standing, middle),
        value=_decimal(value),
        bounds=_new_bounds(
            lower=None if lower is None else _decimal(lower),
            lower_inclusive=bool(lower_inclusive),
            upper=None if upper is None else _decimal(upper),
            upper_inclusive=bool(upper_inclusive),
        ),
        contested=bool(contested),
    )
    period = amount.period
    conflict = None
    if conflict_text is not None:
        data = _conflict.decode(conflict_text)
        conflict = _new_conflict(
            period=period,
            basis=amount.basis,
            readings=data.readings,
            pairs=data.pairs,
            low=_read_side(data.low),
            high=_read_side(data.high),
            standing=amount,
        )
    return _new_state(
        # ``Reading.period_key`` of every reading of the period.
        key=(amount.basis, period.earliest, period.latest, amount.first.figure.span_days),
        amount=amount,
        superseded=superseded,
        conflict=conflict,
        edges=_edges_of(edges),
    )


def _decimal(value: Decimal | str) -> Decimal:
    # NUMERIC comes back a Decimal from PostgreSQL, the text of one from SQLite.
    return value if isinstance(value, Decimal) else Decimal(value)


def period_spans(
    known: Iterable[KnownReading],
) -> dict[Period, tuple[frozenset[str], dict[str, list[Span]]]]:
    """Every period of ``known``, its units and its spans in each: what the tables hold
    for those readings, worked out from scratch (a migration's fill, the tests' fold)."""
    return {period: _spans_of(period, rows) for period, rows in _by_period(known).items()}


def _by_period(known: Iterable[KnownReading]) -> dict[Period, list[KnownReading]]:
    by_period: defaultdict[Period, list[KnownReading]] = defaultdict(list)
    for row in known:
        by_period[period_of(row[0])].append(row)
    return by_period


def _spans_of(
    period: Period, rows: list[KnownReading]
) -> tuple[frozenset[str], dict[str, list[Span]]]:
    units = units_of(reading for reading, _, _ in rows)
    key = period_key(period)
    return units, {unit: spans(key, rows, unit) for unit in sorted(units)}


def settled_rows(
    period: Period, known: list[KnownReading]
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """The ``total_periods`` row, the ``total_amounts`` rows and the ``total_standing`` rows
    of one period, worked out from scratch from every reading of it (``known``, all of that
    period): periods are independent of each other, so a rebuild settles them one at a
    time."""
    units, by_unit = _spans_of(period, known)
    first_known = min(known_from for _, known_from, _ in known)
    spans_found = [(unit, span) for unit, found in by_unit.items() for span in found]
    return (
        {**period_row(period), "units": units_text(units), "first_known": first_known},
        [amount_row(period, unit, span) for unit, span in spans_found],
        [row for unit, span in spans_found for row in span_middle_rows(period, unit, span)],
    )


def total_rows(known: Iterable[RevisionReading]) -> dict[str, list[dict[str, Any]]]:
    """The rows of the totals' tables for ``known``, every reading of every revision."""
    known = list(known)
    periods: list[dict[str, Any]] = []
    amounts: list[dict[str, Any]] = []
    middles: list[dict[str, Any]] = []
    by_period = _by_period((reading, start, end) for reading, _, start, end in known)
    for period, rows in by_period.items():
        period_found, amounts_found, middles_found = settled_rows(period, rows)
        periods.append(period_found)
        amounts.extend(amounts_found)
        middles.extend(middles_found)
    return {
        "total_readings": [reading_row(row) for row in known],
        "total_periods": periods,
        "total_amounts": amounts,
        "total_standing": middles,
    }
