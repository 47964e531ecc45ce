"""The seed loader: the corpus reads into domain objects in a loadable order."""

from __future__ import annotations

from pathlib import Path

import pytest

from timeline.cli.seeding import DEFAULT_SEEDS
from timeline.corpus import CorpusError, SeedEntry, load_corpus
from timeline.domain.errors import UnknownPhrase
from timeline.domain.phrases import resolve_phrase

# The forecast's phrase ("within days") dates the milestone it predicts, which is its
# figure's period; the fact itself occurred when the forecast was made.
PHRASE_DATES_SOMETHING_ELSE = {"small-boat-arrivals-under-labour-60000-forecast"}


@pytest.fixture(scope="module")
def entries() -> list[SeedEntry]:
    return load_corpus(DEFAULT_SEEDS)


def test_articles_load_in_the_order_the_record_learnt_them(entries: list[SeedEntry]) -> None:
    # A fact's later events count as known no earlier than the ones before them, so an
    # article known only in 2026 loaded before one known in 2025 would hold the 2025
    # article's corroborations back until 2026.
    known = [entry.source.known_from for entry in entries]
    first_article: dict[str, str] = {}
    for entry in entries:
        first_article.setdefault(entry.slug, entry.article)

    assert known == sorted(known)
    assert next(e.article[:3] for e in entries if e.article[:3] != entries[0].article[:3]) == "002"
    assert len(first_article) == 31


def test_resolvable_phrases_give_the_dates_the_curators_wrote(entries: list[SeedEntry]) -> None:
    checked = 0
    for entry in entries:
        phrase = entry.content.occurred_phrase
        if phrase is None or entry.slug in PHRASE_DATES_SOMETHING_ELSE:
            continue
        try:
            resolved = resolve_phrase(phrase, entry.source.published)
        except UnknownPhrase:
            continue
        occurred = entry.content.occurred
        assert (resolved.occurred.earliest, resolved.occurred.latest) == (
            occurred.earliest,
            occurred.latest,
        ), f"{entry.article} {entry.slug}: {phrase!r}"
        checked += 1
    assert checked >= 10


def test_an_unknown_qualifier_names_the_file_and_the_field(tmp_path: Path) -> None:
    source = (DEFAULT_SEEDS / "002_f3c8f77afb9e766a.yaml").read_text(encoding="utf-8")
    (tmp_path / "002_f3c8f77afb9e766a.yaml").write_text(
        source.replace("qualifier: AT_LEAST", "qualifier: SOME"), encoding="utf-8"
    )

    with pytest.raises(CorpusError) as caught:
        load_corpus(tmp_path)

    assert caught.value.path.name == "002_f3c8f77afb9e766a.yaml"
    assert caught.value.where.endswith("figure.qualifier")
    assert "SOME" in caught.value.reason


def test_an_empty_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match=r"no \*\.yaml seed files"):
        load_corpus(tmp_path)


def test_last_weeks_figure_loads_as_seven_days_inside_its_window(entries: list[SeedEntry]) -> None:
    [entry] = [e for e in entries if e.slug == "small-boat-arrivals-last-week"]
    figure = entry.content.figure
    assert figure is not None
    assert figure.span_days == 7
    assert (figure.period.earliest.isoformat(), figure.period.latest.isoformat()) == (
        "2025-09-22",
        "2025-10-30",
    )


def test_a_span_longer_than_its_window_names_the_file_and_the_field(tmp_path: Path) -> None:
    source = (DEFAULT_SEEDS / "000_8aac7eb8d5369df6.yaml").read_text(encoding="utf-8")
    (tmp_path / "000_8aac7eb8d5369df6.yaml").write_text(
        source.replace("span_days: 7", "span_days: 70"), encoding="utf-8"
    )
    with pytest.raises(CorpusError, match="span_days") as caught:
        load_corpus(tmp_path)
    assert "small-boat-arrivals-last-week" in str(caught.value)
