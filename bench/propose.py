"""``python -m bench propose``: the proposer on the corpus articles, scored by the seeds.

The curated corpus (``seeds/``) is the answer key. Articles are proposed in the order the
seed loader records them, each against a record that holds the curated facts of the
articles before it, so that corroborations can be checked against the facts they should
point at. Scores:

* figures: a curated figure is recalled when a proposal has its value, unit and qualifier
  and a period containing the curated one;
* events (curated facts without a figure): recalled when a proposal quoting an overlapping
  span has the kind and an occurred date equal to the curated one or containing it (an
  open-ended proposal only matches an open-ended date: "../2025-10" must not match all);
  "dated" events are those whose date the article words (``occurred_phrase``);
* precision: proposals that match some curated entry of their article by those rules;
* corroborations: proposals matched to a fact on record that quote the same passage as a
  curated entry of that fact;
* every quote is checked verbatim against the article at its offsets.

The articles directory is ``TIMELINE_ARTICLES_DIR``, else ``../shared/articles`` from the
repository root. The publication dates, publishers and titles come from the seed files,
as a curator would give them with ``--published`` and ``--publisher``.
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from timeline.application.proposing import propose_facts
from timeline.bootstrap import open_services
from timeline.config import Settings
from timeline.corpus import SEED_FACT_IDS, SeedEntry, load_corpus, seed
from timeline.domain.dates import FuzzyDate
from timeline.domain.proposals.articles import Article
from timeline.domain.proposals.proposals import MatchStatus, Proposal
from timeline.domain.proposals.spans import sentences
from timeline.store import migrations

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True, slots=True, kw_only=True)
class Score:
    hits: int
    total: int

    @property
    def ratio(self) -> float:
        return self.hits / self.total if self.total else 1.0

    def __str__(self) -> str:
        return f"{self.ratio:.0%} ({self.hits}/{self.total})"


@dataclass(frozen=True, slots=True, kw_only=True)
class ArticleScore:
    article: str
    figures: Score
    events: Score
    dated_events: Score
    precision: Score
    corroborations: Score
    verbatim: Score


@dataclass(frozen=True, slots=True, kw_only=True)
class ProposeReport:
    articles: tuple[ArticleScore, ...]
    seconds: float
    """Proposing and matching the articles, the sentence pipeline already loaded."""
    start_up: float
    """Loading the sentence pipeline (spaCy), once per process."""

    def total(self, name: str) -> Score:
        scores: list[Score] = [getattr(article, name) for article in self.articles]
        return Score(hits=sum(s.hits for s in scores), total=sum(s.total for s in scores))

    @property
    def articles_per_second(self) -> float:
        return len(self.articles) / self.seconds if self.seconds else float("inf")


def articles_dir() -> Path:
    configured = os.environ.get("TIMELINE_ARTICLES_DIR")
    return Path(configured) if configured else ROOT.parent / "shared" / "articles"


async def run(directory: Path, seeds: Path = ROOT / "seeds") -> ProposeReport:
    entries = load_corpus(seeds)
    order = list(dict.fromkeys(entry.article for entry in entries if entry.article))
    scores: list[ArticleScore] = []
    seconds = 0.0
    started = time.perf_counter()
    sentences("Loads the pipeline once, as a long-running server has it.")
    start_up = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{scratch}/propose.db"
        await migrations.upgrade(url)
        async with open_services(Settings(database_url=url)) as services:
            for name in order:
                curated = [entry for entry in entries if entry.article == name]
                text = (directory / name).read_text(encoding="utf-8")
                source = curated[0].source
                article = Article(
                    text=text,
                    published=source.published,
                    publisher=source.publisher,
                    title=source.title,
                    url=source.url,
                    document=name,
                )
                started = time.perf_counter()
                draft = await propose_facts(services.queries, article)
                seconds += time.perf_counter() - started
                scores.append(score(name, text, curated, draft.proposals))
                await seed(services.service, curated)
    return ProposeReport(articles=tuple(scores), seconds=seconds, start_up=start_up)


def score(
    name: str, text: str, curated: Sequence[SeedEntry], proposals: Sequence[Proposal]
) -> ArticleScore:
    figures = [entry for entry in curated if entry.content.figure is not None]
    events = [entry for entry in curated if entry.content.figure is None]
    dated = [entry for entry in events if entry.content.occurred_phrase]
    matched = [p for p in proposals if any(_matches(text, p, entry) for entry in curated)]
    linked = [p for p in proposals if p.match.status is not MatchStatus.NEW]
    right = [
        p
        for p in linked
        if any(
            uuid.uuid5(SEED_FACT_IDS, entry.slug) == p.match.fact_id and _overlap(text, p, entry)
            for entry in curated
        )
    ]
    return ArticleScore(
        article=name,
        figures=_recall(text, figures, proposals),
        events=_recall(text, events, proposals),
        dated_events=_recall(text, dated, proposals),
        precision=Score(hits=len(matched), total=len(proposals)),
        corroborations=Score(hits=len(right), total=len(linked)),
        verbatim=Score(
            hits=sum(text[p.quote.start : p.quote.end] == p.quote.text for p in proposals),
            total=len(proposals),
        ),
    )


def _recall(text: str, curated: Sequence[SeedEntry], proposals: Sequence[Proposal]) -> Score:
    hits = sum(any(_matches(text, p, entry) for p in proposals) for entry in curated)
    return Score(hits=hits, total=len(curated))


def _matches(text: str, proposal: Proposal, entry: SeedEntry) -> bool:
    wanted = entry.content.figure
    if wanted is not None:
        got = proposal.figure
        return (
            got is not None
            and got.value == wanted.quantity.value
            and got.unit == wanted.quantity.unit
            and got.qualifier is wanted.quantity.qualifier
            and got.period.contains(wanted.period)
        )
    return (
        proposal.figure is None
        and proposal.kind == entry.content.kind
        and _date_matches(proposal.occurred, entry.content.occurred)
        and _overlap(text, proposal, entry)
    )


def _date_matches(proposed: FuzzyDate, curated: FuzzyDate) -> bool:
    if proposed == curated:
        return True
    if proposed.open_start and not curated.open_start:
        return False
    return proposed.contains(curated)


_QUOTE_MARKS = str.maketrans("\u2018\u2019\u201c\u201d", "''\"\"")


def _overlap(text: str, proposal: Proposal, entry: SeedEntry) -> bool:
    """The proposal's quote overlaps the curated one, or a copy of it that differs only in
    its quote marks (captions printed twice, once straight and once curly)."""
    plain = text.translate(_QUOTE_MARKS)  # one character for one: offsets stay
    quote = entry.source.quote.translate(_QUOTE_MARKS)
    start = plain.find(quote)
    while start >= 0:
        end = start + len(quote)
        if proposal.quote.start < end and start < proposal.quote.end:
            return True
        start = plain.find(quote, start + 1)
    return False


def markdown(report: ProposeReport) -> str:
    names = ("figures", "events", "dated_events", "precision", "corroborations", "verbatim")
    header = "| article | figures | events | dated events | precision | corroborations | verbatim |"
    lines = [header, "|---" * 7 + "|"]
    for article in report.articles:
        cells = [str(getattr(article, name)) for name in names]
        lines.append(f"| `{article.article}` | " + " | ".join(cells) + " |")
    totals = [str(report.total(name)) for name in names]
    lines.append("| **all three** | " + " | ".join(totals) + " |")
    lines.append("")
    lines.append(
        f"{len(report.articles)} articles in {report.seconds:.2f} s:"
        f" {report.articles_per_second:.1f} articles/second (proposing and matching against"
        f" the record), after {report.start_up:.2f} s loading the sentence pipeline once"
    )
    return "\n".join(lines)
