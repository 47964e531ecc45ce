"""python -m bench propose: the scoring rules, and the run itself on the corpus articles."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from bench import propose
from bench.__main__ import app
from timeline.corpus import SEED_FACT_IDS, load_draft
from timeline.domain.dates import FuzzyDate
from timeline.domain.proposals.articles import Article
from timeline.domain.proposals.drafting import propose as propose_facts
from timeline.domain.proposals.names import RecordKnowledge

TEXT = (
    "More than 12,000 migrants have crossed so far this year. "
    "Officials met in Athens on 3 March. "
    "Critics called it a stunt on 4 March."
)
CURATED = {
    "article": "a.txt",
    "publisher": "Example",
    "title": "Example",
    "url": None,
    "published": "2025-03-10",
    "facts": [
        {
            "id": "arrivals",
            "kind": "FIGURE_REPORTED",
            "title": "Arrivals",
            "summary": "Arrivals.",
            "occurred": "2025-01-01/2025-03-10",
            "quote": "More than 12,000 migrants have crossed so far this year.",
            "figure": {
                "measure": "arrivals",
                "value": "12000",
                "unit": "people",
                "qualifier": "MORE_THAN",
                "basis": "CUMULATIVE",
                "period": "2025-01-01/2025-03-10",
            },
        },
        {
            "id": "athens-meeting",
            "kind": "MEETING_HELD",
            "title": "Athens meeting",
            "summary": "They met.",
            "occurred": "2025-03-03",
            "occurred_phrase": "on 3 March",
            "quote": "Officials met in Athens on 3 March.",
        },
        {
            "id": "missed",
            "kind": "POLICY_SCRAPPED",
            "title": "Not in the text as such",
            "summary": "Missed.",
            "occurred": "2025-03",
            "quote": "Critics called it a stunt on 4 March.",
        },
    ],
}


def test_recall_precision_and_verbatim_follow_the_answer_key(tmp_path: Path) -> None:
    seed_file = tmp_path / "a.yaml"
    seed_file.write_text(yaml.safe_dump(CURATED), encoding="utf-8")
    curated = load_draft(seed_file)
    article = Article(
        text=TEXT,
        published=FuzzyDate("2025-03-10"),
        publisher="Example",
        title="Example",
        document="a.txt",
    )
    proposals = propose_facts(article, known=RecordKnowledge())

    score = propose.score("a.txt", TEXT, curated, proposals)

    assert (score.figures.hits, score.figures.total) == (1, 1)
    assert (score.events.hits, score.events.total) == (1, 2)
    assert (score.dated_events.hits, score.dated_events.total) == (1, 1)
    assert score.precision.total == len(proposals)
    assert score.precision.hits == 2  # the stunt is proposed as a situation, not curated so
    assert score.verbatim.ratio == 1.0
    assert uuid.uuid5(SEED_FACT_IDS, "arrivals") == curated[0].fact_id


@pytest.mark.skipif(
    not propose.articles_dir().is_dir(), reason="the corpus articles are not beside the repository"
)
def test_the_benchmark_runs_on_the_corpus_and_prints_its_table() -> None:
    result = CliRunner().invoke(app, ["propose"])
    assert result.exit_code == 0, result.output
    assert "| **all three** |" in result.output
    assert "articles/second" in result.output
