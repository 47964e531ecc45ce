"""The curated corpus in ``seeds/``: read its YAML files and load them through the service.

One file per article; a fact id that appears in several files is one fact with several
sources. Files load in the order the record learnt them (the last day each article can
have been published, then its earliest, then its name): the first to report a fact records
it, the others corroborate it, each with its own reading of the figure. Loading an article
known only later first would hold back what earlier articles say, because a fact's later
events count as known no earlier than the ones before them. Loading is idempotent: a fact
already recorded, or a source it already has, is counted as present and not written again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from timeline.application.service import Actor, TimelineService
from timeline.domain.dates import FuzzyDate
from timeline.domain.errors import DomainError
from timeline.domain.facts import FactContent
from timeline.domain.figures import Figure
from timeline.domain.quantities import Basis, Qualifier, Quantity
from timeline.domain.sources import Source

SEED_FACT_IDS = uuid.UUID("0b6c8f55-2f61-5d0e-8d55-1f3a3c7f2b11")
"""Namespace of the fact ids derived from seed slugs: the same slug is the same fact on
every machine, which is what makes seeding idempotent."""

SEED_ACTOR = Actor(name="seed-loader", reason="curated corpus in seeds/")


class CorpusError(Exception):
    """A seed file that cannot be read as facts; names the file, the entry and the field."""

    def __init__(self, path: Path, where: str, reason: str) -> None:
        super().__init__(f"{path.name}: {where}: {reason}")
        self.path = path
        self.where = where
        self.reason = reason


@dataclass(frozen=True, kw_only=True, slots=True)
class SeedEntry:
    """One article's report of one fact."""

    slug: str
    article: str
    """The article's file name, or for a draft of a web page its URL."""
    content: FactContent
    source: Source
    measure_label: str | None
    corroborates: uuid.UUID | None = None
    """A fact already on record that this entry adds a source to (a reviewed proposal)."""

    @property
    def fact_id(self) -> uuid.UUID:
        return self.corroborates or uuid.uuid5(SEED_FACT_IDS, self.slug)


class Outcome(StrEnum):
    RECORDED = "recorded"
    CORROBORATED = "corroborated"
    PRESENT = "already present"


@dataclass(frozen=True, kw_only=True, slots=True)
class SeedReport:
    recorded: int
    corroborated: int
    present: int

    @property
    def written(self) -> int:
        return self.recorded + self.corroborated


def load_corpus(directory: Path) -> list[SeedEntry]:
    """Every entry of every ``*.yaml`` file, in the order they must be loaded."""
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise CorpusError(directory, "directory", "holds no *.yaml seed files")
    articles = [(_published(path), path) for path in files]
    articles.sort(key=lambda item: (item[0].knowledge_day, item[0].sort_key(), item[1].name))
    return [entry for _, path in articles for entry in _entries(path)]


def load_draft(path: Path) -> list[SeedEntry]:
    """The entries of a file in the seed format, whatever its name: a reviewed draft of
    ``timeline propose``, one YAML document per article. An ``article`` may be null when
    its ``url`` is given (a draft of a web page has no file; its URL names it)."""
    try:
        documents = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
    except yaml.YAMLError as exc:
        raise CorpusError(path, "file", f"is not YAML: {exc}") from exc
    entries: list[SeedEntry] = []
    for data in documents:
        if not isinstance(data, dict):
            raise CorpusError(path, "file", "each document must hold a mapping")
        article = data.get("article")
        entries.extend(_file_entries(path, data, None if article is None else str(article)))
    if not entries:
        raise CorpusError(path, "facts", "holds no facts")
    return entries


async def seed(
    service: TimelineService,
    entries: list[SeedEntry],
    on_entry: Callable[[SeedEntry, Outcome], None] | None = None,
    *,
    actor: Actor = SEED_ACTOR,
) -> SeedReport:
    """Load ``entries`` through the service, skipping what the log already holds."""
    counts = dict.fromkeys(Outcome, 0)
    for entry in entries:
        outcome = await _seed_entry(service, entry, actor)
        counts[outcome] += 1
        if on_entry is not None:
            on_entry(entry, outcome)
    return SeedReport(
        recorded=counts[Outcome.RECORDED],
        corroborated=counts[Outcome.CORROBORATED],
        present=counts[Outcome.PRESENT],
    )


async def missing_facts(service: TimelineService, entries: list[SeedEntry]) -> list[SeedEntry]:
    """The entries that corroborate a fact the record does not hold: accepting them would
    record a new fact under another fact's id, so they are refused before anything is
    written."""
    return [
        entry
        for entry in entries
        if entry.corroborates is not None and await service.find_fact(entry.corroborates) is None
    ]


async def _seed_entry(service: TimelineService, entry: SeedEntry, actor: Actor) -> Outcome:
    key = f"seed:{entry.slug}:{entry.article}"
    fact = await service.find_fact(entry.fact_id)
    if fact is None:
        await service.record_fact(
            entry.content,
            entry.source,
            actor=actor,
            idempotency_key=key,
            fact_id=entry.fact_id,
            measure_label=entry.measure_label,
        )
        return Outcome.RECORDED
    if any(source.identity == entry.source.identity for source in fact.sources):
        return Outcome.PRESENT
    await service.corroborate_fact(
        entry.fact_id,
        entry.source,
        entry.content.figure,
        actor=actor,
        idempotency_key=key,
        measure_label=entry.measure_label,
    )
    return Outcome.CORROBORATED


def _read(path: Path) -> Mapping[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CorpusError(path, "file", f"is not YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise CorpusError(path, "file", "must hold a mapping")
    return data


def _published(path: Path) -> FuzzyDate:
    data = _read(path)
    try:
        return FuzzyDate.parse(str(data.get("published")), field="published")
    except DomainError as exc:
        raise CorpusError(path, exc.field, exc.reason) from exc


def _entries(path: Path) -> Iterator[SeedEntry]:
    data = _read(path)
    article = str(data.get("article"))
    if article != f"{path.stem}.txt":
        raise CorpusError(path, "article", f"{article!r} does not match the file name")
    return _file_entries(path, data, article)


def _file_entries(path: Path, data: Mapping[str, Any], article: str | None) -> Iterator[SeedEntry]:
    for index, fact in enumerate(data.get("facts") or []):
        where = f"facts[{index}] ({fact.get('id', '?')})"
        try:
            yield _entry(data, fact, article)
        except DomainError as exc:
            raise CorpusError(path, f"{where}.{exc.field}", exc.reason) from exc
        except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
            raise CorpusError(path, where, f"malformed entry: {exc!r}") from exc


def _entry(
    article_data: Mapping[str, Any], fact: Mapping[str, Any], article: str | None
) -> SeedEntry:
    figure_data = fact.get("figure")
    content = FactContent(
        kind=fact["kind"],
        title=fact["title"],
        summary=fact["summary"],
        occurred=FuzzyDate.parse(str(fact["occurred"]), field="occurred"),
        occurred_phrase=fact.get("occurred_phrase"),
        inferred=tuple(fact.get("inferred") or ()),
        date_note=fact.get("date_note"),
        topics=tuple(fact.get("topics") or ()),
        actors=tuple(fact.get("actors") or ()),
        places=tuple(fact.get("places") or ()),
        figure=_figure(figure_data) if figure_data else None,
    )
    source = Source(
        publisher=article_data["publisher"],
        title=article_data["title"],
        url=article_data.get("url"),
        published=FuzzyDate.parse(str(article_data["published"]), field="published"),
        quote=fact["quote"],
        document=article,
    )
    corroborates = fact.get("corroborates")
    return SeedEntry(
        slug=fact["id"],
        article=article or source.identity,
        content=content,
        source=source,
        measure_label=figure_data.get("label") if figure_data else None,
        corroborates=None if corroborates is None else uuid.UUID(str(corroborates)),
    )


def _figure(data: Mapping[str, Any]) -> Figure:
    return Figure(
        measure=data["measure"],
        quantity=Quantity(
            value=Decimal(str(data["value"])),
            unit=data["unit"],
            qualifier=Qualifier.parse(data.get("qualifier", "EXACT"), field="figure.qualifier"),
        ),
        basis=Basis(data["basis"]),
        period=FuzzyDate.parse(str(data["period"]), field="figure.period"),
        span_days=data.get("span_days"),
    )
