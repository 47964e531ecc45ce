"""Figures in a clause: the value, its unit and the qualifier its cue word gives.

``£650million``, ``£3.25 million``, ``€50m``, ``59,607``, ``1,000 boats``, ``12%``, ``a
third``. Lengths, ages, times, years and days of the month are not figures here ("a 40ft
dinghy", "the 400-mile border", "in 2024", "on 9 October"): the figure vocabulary has no
unit for them, and a year is a date. A count takes its unit from the noun that follows it,
else from the nearest counted noun before it in the sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from timeline.domain.proposals.spans import Span
from timeline.domain.quantities import Qualifier

_CURRENCY_SIGNS = {"£": "GBP", "$": "USD", "€": "EUR", "¥": "JPY"}
_CURRENCY_WORDS = {"pounds": "GBP", "sterling": "GBP", "euros": "EUR", "dollars": "USD"}
_MULTIPLIERS = {
    "thousand": Decimal(1000),
    "k": Decimal(1000),
    "million": Decimal(10) ** 6,
    "m": Decimal(10) ** 6,
    "mn": Decimal(10) ** 6,
    "billion": Decimal(10) ** 9,
    "bn": Decimal(10) ** 9,
    "b": Decimal(10) ** 9,
    "trillion": Decimal(10) ** 12,
    "tn": Decimal(10) ** 12,
}
_FRACTIONS = {
    "a third": Decimal("33.3"),
    "one third": Decimal("33.3"),
    "two-thirds": Decimal("66.7"),
    "two thirds": Decimal("66.7"),
    "a quarter": Decimal(25),
    "one quarter": Decimal(25),
    "three-quarters": Decimal(75),
    "three quarters": Decimal(75),
    "half": Decimal(50),
    "a fifth": Decimal(20),
    "a tenth": Decimal(10),
}
_NUMBER = re.compile(
    r"(?<![\w.,:/-])(?P<code>(?:GBP|USD|EUR) ?)?(?P<sign>[£$€¥])?"
    r"(?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s?(?P<mult>thousand|million|billion|trillion|mn|bn|tn|m|k|b)\b)?"
    r"(?P<percent>\s?(?:%|per ?cent\b))?"
)
_FRACTION = re.compile(
    r"\b(?:up|down|rose|fell|rise|fall|increase|decrease|cut|by|almost|nearly|about|over)"
    r" (?:by )?(?P<fraction>" + "|".join(_FRACTIONS) + r")\b",
    re.IGNORECASE,
)
# What follows a number that is a measurement, an age, a time or a rank, not a figure.
_NOT_A_FIGURE_AFTER = re.compile(
    r"^(?:-|\s)?(?:(?:miles?|ft|foot|feet|km|kilometres?|kilometers?|metres?|meters?|mph|kg"
    r"|kilos?|tonnes?|tons?|inch(?:es)?|cm|mm|year-old|years?|months?|weeks?|days?|hours?"
    r"|minutes?|seconds?|am|pm|st|nd|rd|th|degrees?)\b|[ap]\.m\.|°"
    r"|in (?:\d|one|two|three|four|five|ten)\b)",
    re.IGNORECASE,
)
_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_MONTH_BEFORE = re.compile(rf"\b(?:{_MONTHS})\.? $", re.IGNORECASE)
_MONTH_AFTER = re.compile(rf"^(?:st|nd|rd|th)? (?:of )?(?:{_MONTHS})\b", re.IGNORECASE)
_QUALIFIER_CUES: tuple[tuple[Qualifier, str], ...] = (
    (
        Qualifier.MORE_THAN,
        r"more than|over|above|in excess of|upwards of|(?:soared|surged|risen|rose|gone|went)"
        r" past|past|passed|pass|surpassed|surpass|exceeding|exceeded|exceed|topped|top|beyond",
    ),
    (Qualifier.AT_LEAST, r"at least|no fewer than|no less than|a minimum of|at a minimum"),
    (Qualifier.ALMOST, r"almost|nearly|just under|just shy of|close to|approaching|not quite"),
    (Qualifier.AT_MOST, r"up to|at most|no more than|a maximum of|as many as|as much as"),
    (Qualifier.LESS_THAN, r"less than|fewer than|under|below"),
    (
        Qualifier.ABOUT,
        r"around|about|approximately|roughly|some|an estimated|estimated|circa|c\.|an average of"
        r"|more or less|or so",
    ),
)
_CUE = re.compile(
    r"\b(?P<cue>"
    + "|".join(f"(?P<{q.value}>{words})" for q, words in _QUALIFIER_CUES)
    + r")(?: the| a| an)?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class FoundNumber:
    """A value in the text and how it was put: ``unit`` is None for a bare count whose
    unit the caller works out from the sentence (see ``count_unit``)."""

    span: Span
    value: Decimal
    unit: str | None
    qualifier: Qualifier
    qualifier_reason: str
    unit_reason: str


def numbers(article: str, clause: Span) -> list[FoundNumber]:
    """Every figure-like number of ``clause``, in text order."""
    found: list[FoundNumber] = []
    for match in _NUMBER.finditer(clause.text):
        number = _number(article, clause, match)
        if number is not None:
            found.append(number)
    for match in _FRACTION.finditer(clause.text):
        start = clause.start + match.start("fraction")
        end = clause.start + match.end("fraction")
        qualifier, reason = _qualifier(clause.text[: match.start("fraction")])
        if qualifier is Qualifier.EXACT:
            qualifier, reason = Qualifier.ABOUT, "a share in words is a rounded figure"
        found.append(
            FoundNumber(
                span=Span(start, end, article[start:end]),
                value=_FRACTIONS[match.group("fraction").lower()],
                unit="percent",
                qualifier=qualifier,
                qualifier_reason=reason,
                unit_reason=f"{match.group('fraction')!r} is a share, kept in percent",
            )
        )
    return sorted(found, key=lambda number: number.span.start)


def _number(article: str, clause: Span, match: re.Match[str]) -> FoundNumber | None:
    before = clause.text[: match.start()]
    after = clause.text[match.end() :]
    digits = match.group("digits")
    code = (match.group("code") or "").strip()
    sign = match.group("sign")
    currency = code or (_CURRENCY_SIGNS[sign] if sign else None)
    multiplier_word = (match.group("mult") or "").lower()
    if multiplier_word in ("m", "k", "b", "mn", "bn", "tn") and currency is None:
        return None  # "40m" alone is as likely metres as millions
    if currency is None and not multiplier_word:
        if _NOT_A_FIGURE_AFTER.match(after) or _MONTH_BEFORE.search(before):
            return None
        if _MONTH_AFTER.match(after):
            return None
        if re.fullmatch(r"1[89]\d\d|20\d\d", digits) and not match.group("percent"):
            return None  # a year
    value = Decimal(digits.replace(",", "")) * _MULTIPLIERS.get(multiplier_word, Decimal(1))
    unit: str | None
    if match.group("percent"):
        unit, unit_reason = "percent", "per cent sign"
    elif currency is not None:
        unit, unit_reason = currency, f"currency sign {sign or code!r}"
    else:
        word = re.match(r"\s*([a-z]+)", after, re.IGNORECASE)
        named = _CURRENCY_WORDS.get(word.group(1).lower()) if word else None
        unit, unit_reason = (named, f"{word.group(1)!r}") if named and word else (None, "")
    qualifier, reason = _qualifier(before)
    start, end = clause.start + match.start(), clause.start + match.end()
    return FoundNumber(
        span=Span(start, end, article[start:end]),
        value=Decimal(int(value)) if value == value.to_integral_value() else value,
        unit=unit,
        qualifier=qualifier,
        qualifier_reason=reason,
        unit_reason=unit_reason,
    )


def _qualifier(before: str) -> tuple[Qualifier, str]:
    cue = _CUE.search(before)
    if cue is None:
        return Qualifier.EXACT, "no qualifying word before the number"
    for qualifier in Qualifier:
        if cue.groupdict().get(qualifier.value):
            return qualifier, f"cue word {cue.group('cue')!r}"
    return Qualifier.EXACT, "no qualifying word before the number"  # pragma: no cover
