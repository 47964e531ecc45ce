"""The seed corpus in ``seeds/``: data checks that need no project code.

Every YAML file in ``seeds/`` curates one article of ``<repo>/../shared/articles/`` (see
``seeds/README.md``), or of the folder ``TIMELINE_ARTICLES_DIR`` names. Without the articles
the tests that read them skip and say so, unless ``CI`` or ``TIMELINE_REQUIRE_ARTICLES`` is
set: then they fail. These tests read the files with pyyaml only, so a broken seed is caught
even when the loader is broken too, and each one names every offending fact at once.
"""

from __future__ import annotations

import functools
import os
import re
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import edtf
import pycountry
import pytest
import yaml

from tests.conftest import required

REPO_ROOT = Path(__file__).resolve().parents[2]
SEEDS_DIR = REPO_ROOT / "seeds"
# CI clones the repository with shared/ beside it, never inside it. A relative setting is
# taken from the repository's root, as the default is.
ARTICLES_DIR = Path(
    os.path.normpath(REPO_ROOT / os.environ.get("TIMELINE_ARTICLES_DIR", "../shared/articles"))
)

CORPUS = (
    "000_8aac7eb8d5369df6.txt",
    "002_f3c8f77afb9e766a.txt",
    "003_121430edb0cfadd7.txt",
)
BALKANS_DEPLOYMENT = "western-balkans-deployment"
CONFLICTING_FIGURE = "western-balkans-smuggled-last-year"

CLAIMS = {
    BALKANS_DEPLOYMENT: r"border security officers (have been sent|are being deployed)",
    "western-balkans-permanent-deployment-explored": r"deployed permanently",
    "western-balkans-law-enforcement-instructed": r"instructed UK law enforcement",
    "western-balkans-drones-night-vision": r"drones and night vision goggles",
    "payments-to-france-since-2018": r"more than £650million .* since 2018",
    "small-boat-arrivals-since-crisis-start": r"past 175,000 since the start of the crisis",
    "small-boat-arrivals-2025-year-to-date": r"more than 36,000 so far this year",
    "small-boat-arrivals-2025-up-on-2024": r"up a third on the same point in 2024",
    "small-boat-arrivals-under-labour": r"59,607",
    "small-boat-arrivals-last-week": r"nearly 2,000 came last week",
    "small-boat-arrivals-under-labour-60000-forecast": r"pass the 60,000 milestone within days",
    "mega-dinghy-crossing-last-month": r"mega dinghy. last month",
    "rwanda-scheme-scrapped": r"scrapped the Tories. Rwanda asylum deal",
    "one-in-one-out-in-force": r"one in, one out.* since the scheme came into force",
    "one-in-one-out-returns": r"only 26 migrants sent back",
    "small-boat-arrivals-since-one-in-one-out": r"more than 10,500 .* since the scheme came",
    "western-balkans-visa-passport-fraud": r"visa and passport fraud",
    "london-western-balkans-interior-ministers-summit": r"interior ministers",
    "western-balkans-smuggled-last-year": r"22,000 .* last year",
    "western-balkans-major-smuggling-route": (
        r"major transit route|most popular smuggling routes|significant pathway"
    ),
    "nca-real-time-intelligence-sharing": r"National Crime Agency will begin providing",
    "schengen-expansion-january-1": r"Schengen Zone - on January 1",
    "bulgaria-romania-smuggling-route": r"through Bulgaria into Romania",
    "bulgaria-serbia-border-exploited": r"400-mile land border",
    "serbia-gangs-kidnap-migrants": r"kidnap and hold migrants to ransom",
    "sarajevo-border-police-chiefs-meeting": r"in Sarajevo on October 9",
    "mahmood-admits-borders-not-controlled": r"cannot control the UK's borders",
    "small-boats-under-labour": r"More than 1,000 boats",
    "uk-officers-in-northern-france": r"British officers stationed in northern France",
    "turkey-bulgaria-greece-enforcement-efforts": (
        r"years of intensive efforts to stop networks crossing from Turkey into Bulgaria"
    ),
    "labour-came-into-power": r"Labour came into power in July 2024",
}
"""The words each fact's claim rests on, curated once per fact: every article's quote for
the fact must say them (a regular expression, ignoring case)."""

FILE_KEYS = frozenset({"article", "publisher", "title", "url", "published", "facts"})
FACT_KEYS = frozenset(
    {
        "id",
        "kind",
        "title",
        "summary",
        "occurred",
        "occurred_phrase",
        "inferred",
        "date_note",
        "topics",
        "actors",
        "places",
        "quote",
    }
)
OPTIONAL_FACT_KEYS = frozenset({"figure"})
FIGURE_KEYS = frozenset({"measure", "label", "value", "unit", "qualifier", "basis", "period"})
OPTIONAL_FIGURE_KEYS = frozenset({"span_days"})

KINDS = frozenset(
    {
        "POLICY_ANNOUNCED",
        "POLICY_SCRAPPED",
        "POLICY_IN_FORCE",
        "POLICY_MILESTONE",
        "AGREEMENT_SIGNED",
        "FUNDING_COMMITTED",
        "MEETING_HELD",
        "SUMMIT_HELD",
        "DEPLOYMENT_ANNOUNCED",
        "RULE_CHANGED",
        "FIGURE_REPORTED",
        # Added by the curators; why is in seeds/README.md.
        "SITUATION_REPORTED",
        "GOVERNMENT_CHANGED",
    }
)
QUALIFIERS = frozenset(
    {"EXACT", "ABOUT", "AT_LEAST", "MORE_THAN", "AT_MOST", "LESS_THAN", "ALMOST"}
)
BASES = frozenset({"FLOW", "CUMULATIVE"})
COUNT_UNITS = frozenset({"people", "boats", "returns"})
RATIO_UNITS = frozenset({"percent"})
INFERABLE_PARTS = frozenset({"year", "month", "day", "start", "end"})

KEBAB = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_NOTE = 500

SEED_FILES = sorted(SEEDS_DIR.glob("*.yaml"))


@functools.cache
def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path.name}: the top level must be a mapping"
    return data


@functools.cache
def article_text(name: str) -> str:
    return (ARTICLES_DIR / name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def articles() -> Path:
    """The articles' folder; a clear skip (or, in CI, a failure) when it is not there."""
    if ARTICLES_DIR.is_dir():
        return ARTICLES_DIR
    message = (
        f"the corpus articles are not in {ARTICLES_DIR}: set TIMELINE_ARTICLES_DIR to the "
        f"folder holding {', '.join(CORPUS)}"
    )
    if required("TIMELINE_REQUIRE_ARTICLES"):
        pytest.fail(f"{message} (CI or TIMELINE_REQUIRE_ARTICLES is set)", pytrace=False)
    pytest.skip(message)


def facts_of(path: Path) -> list[dict[str, Any]]:
    facts = load(path).get("facts")
    assert isinstance(facts, list), f"{path.name}: facts must be a list"
    assert all(isinstance(fact, dict) for fact in facts), f"{path.name}: facts must be mappings"
    return facts


def all_facts() -> list[tuple[str, dict[str, Any]]]:
    """(file name, fact) for every fact in every seed file."""
    return [(path.name, fact) for path in SEED_FILES for fact in facts_of(path)]


def all_figures() -> list[tuple[str, str, dict[str, Any]]]:
    """(file name, fact id, figure) for every fact that states a figure."""
    return [
        (name, str(fact.get("id")), fact["figure"])
        for name, fact in all_facts()
        if isinstance(fact.get("figure"), dict)
    ]


def edtf_values() -> list[tuple[str, str, object]]:
    """(file name, where, value) for every published, occurred and figure period."""
    values: list[tuple[str, str, object]] = []
    for path in SEED_FILES:
        values.append((path.name, "published", load(path).get("published")))
        for fact in facts_of(path):
            values.append((path.name, f"{fact.get('id')}.occurred", fact.get("occurred")))
            if isinstance(fact.get("figure"), dict):
                period = fact["figure"].get("period")
                values.append((path.name, f"{fact.get('id')}.figure.period", period))
    return values


def is_single_line(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip()) and "\n" not in value


def test_there_is_one_seed_file_per_corpus_article() -> None:
    expected = {Path(name).stem + ".yaml" for name in CORPUS}
    assert {path.name for path in SEED_FILES} == expected


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda path: path.name)
def test_article_exists_and_matches_the_file_name(path: Path, articles: Path) -> None:
    article = load(path).get("article")
    assert article == path.stem + ".txt"
    assert (articles / article).is_file(), f"{article} is not in {articles}"


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda path: path.name)
def test_file_has_the_source_keys(path: Path) -> None:
    data = load(path)
    assert set(data) == FILE_KEYS
    assert is_single_line(data["publisher"])
    assert is_single_line(data["title"])
    assert data["url"] is None or (
        isinstance(data["url"], str) and data["url"].startswith(("http://", "https://"))
    )
    assert facts_of(path), "a seed file without facts curates nothing"


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda path: path.name)
def test_published_has_known_ends(path: Path) -> None:
    # A source is known from the last day it could have appeared, so an open or unknown end
    # ("2025-10/..", "2025-10/") would make it unknowable.
    published = load(path).get("published")
    assert isinstance(published, str)
    assert all(part not in ("", "..") for part in published.split("/")), published


def test_every_fact_has_the_required_keys() -> None:
    problems = []
    for name, fact in all_facts():
        keys = set(fact)
        missing = FACT_KEYS - keys
        unknown = keys - FACT_KEYS - OPTIONAL_FACT_KEYS
        if missing or unknown:
            problems.append(f"{name} {fact.get('id')}: missing {missing}, unknown {unknown}")
    assert not problems


def test_fact_fields_have_the_right_shapes() -> None:
    problems = []
    for name, fact in all_facts():
        where = f"{name} {fact.get('id')}"
        for key in ("id", "kind", "title", "occurred"):
            if not is_single_line(fact.get(key)):
                problems.append(f"{where}: {key} must be a non-empty single line")
        if not isinstance(fact.get("summary"), str) or not fact["summary"].strip():
            problems.append(f"{where}: summary must be non-empty text")
        for key in ("occurred_phrase", "date_note"):
            value = fact.get(key)
            if value is not None and not (is_single_line(value) and len(value) <= MAX_NOTE):
                problems.append(f"{where}: {key} must be null or one line of <= {MAX_NOTE}")
        inferred = fact.get("inferred")
        if (
            not isinstance(inferred, list)
            or not set(inferred) <= INFERABLE_PARTS
            or len(set(inferred)) != len(inferred)
        ):
            problems.append(f"{where}: inferred must list distinct parts of {INFERABLE_PARTS}")
        for key in ("topics", "actors", "places"):
            labels = fact.get(key)
            if (
                not isinstance(labels, list)
                or not all(is_single_line(label) for label in labels)
                or len(set(labels)) != len(labels)
            ):
                problems.append(f"{where}: {key} must be a list of distinct one-line labels")
    assert not problems


@pytest.mark.usefixtures("articles")
def test_quotes_occur_verbatim_in_their_article() -> None:
    # Exact substring, no whitespace or quote-mark normalisation: a quote is provenance, and
    # a tidied quote no longer proves the article said it.
    problems = []
    for path in SEED_FILES:
        text = article_text(str(load(path)["article"]))
        for fact in facts_of(path):
            quote = fact.get("quote")
            if not isinstance(quote, str) or not quote.strip():
                problems.append(f"{path.name} {fact.get('id')}: empty quote")
            elif quote not in text:
                problems.append(f"{path.name} {fact.get('id')}: not in the article: {quote!r}")
    assert not problems


def test_ids_and_topics_are_kebab_case() -> None:
    problems = []
    for name, fact in all_facts():
        labels = [fact.get("id"), *(fact.get("topics") or [])]
        problems += [
            f"{name}: {label!r}"
            for label in labels
            if not isinstance(label, str) or not KEBAB.fullmatch(label)
        ]
    assert not problems


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda path: path.name)
def test_ids_are_unique_within_a_file(path: Path) -> None:
    ids = [str(fact.get("id")) for fact in facts_of(path)]
    assert len(ids) == len(set(ids)), sorted(i for i in set(ids) if ids.count(i) > 1)


def test_kinds_are_known() -> None:
    unknown = [
        (name, fact.get("id"), fact.get("kind"))
        for name, fact in all_facts()
        if fact.get("kind") not in KINDS
    ]
    assert not unknown


def test_a_fact_in_several_files_has_one_kind_and_one_measure() -> None:
    kinds: defaultdict[str, set[str]] = defaultdict(set)
    measures: defaultdict[str, set[str | None]] = defaultdict(set)
    for _, fact in all_facts():
        kinds[fact["id"]].add(fact["kind"])
        figure = fact.get("figure")
        measures[fact["id"]].add(figure.get("measure") if isinstance(figure, dict) else None)
    assert {i: k for i, k in kinds.items() if len(k) > 1} == {}
    assert {i: m for i, m in measures.items() if len(m) > 1} == {}


def test_figure_reported_facts_state_a_figure() -> None:
    missing = [
        (name, fact.get("id"))
        for name, fact in all_facts()
        if fact.get("kind") == "FIGURE_REPORTED" and not isinstance(fact.get("figure"), dict)
    ]
    assert not missing


def test_figures_have_the_figure_keys() -> None:
    problems = [
        f"{name} {fact_id}: {sorted(set(figure) ^ FIGURE_KEYS)}"
        for name, fact_id, figure in all_figures()
        if not FIGURE_KEYS <= set(figure) <= FIGURE_KEYS | OPTIONAL_FIGURE_KEYS
    ]
    assert not problems


def test_figure_values_are_non_negative_decimal_strings() -> None:
    problems = []
    for name, fact_id, figure in all_figures():
        value = figure.get("value")
        if not isinstance(value, str):  # a YAML float would already have lost digits
            problems.append(f"{name} {fact_id}: value {value!r} is not a string")
            continue
        try:
            number = Decimal(value)
        except InvalidOperation:
            problems.append(f"{name} {fact_id}: value {value!r} is not a decimal")
            continue
        if not number.is_finite() or number < 0:
            problems.append(f"{name} {fact_id}: value {value!r} is not a non-negative amount")
        elif figure.get("unit") in COUNT_UNITS and number != number.to_integral_value():
            problems.append(f"{name} {fact_id}: a count of {figure['unit']} must be whole")
    assert not problems


def test_figure_qualifiers_bases_and_units_are_allowed() -> None:
    problems = []
    for name, fact_id, figure in all_figures():
        if figure.get("qualifier") not in QUALIFIERS:
            problems.append(f"{name} {fact_id}: qualifier {figure.get('qualifier')!r}")
        if figure.get("basis") not in BASES:
            problems.append(f"{name} {fact_id}: basis {figure.get('basis')!r}")
        unit = figure.get("unit")
        is_currency = (
            isinstance(unit, str)
            and re.fullmatch(r"[A-Z]{3}", unit) is not None
            and pycountry.currencies.get(alpha_3=unit) is not None
        )
        if not is_currency and unit not in COUNT_UNITS | RATIO_UNITS:
            problems.append(f"{name} {fact_id}: unit {unit!r}")
        measure = figure.get("measure")
        if not isinstance(measure, str) or not KEBAB.fullmatch(measure):
            problems.append(f"{name} {fact_id}: measure {measure!r} is not kebab-case")
        if not is_single_line(figure.get("label")):
            problems.append(f"{name} {fact_id}: label must be a non-empty single line")
    assert not problems


def test_each_measure_has_one_unit_and_one_label() -> None:
    units: defaultdict[str, set[str]] = defaultdict(set)
    labels: defaultdict[str, set[str]] = defaultdict(set)
    for _, _, figure in all_figures():
        units[figure["measure"]].add(figure["unit"])
        labels[figure["measure"]].add(figure["label"])
    assert {m: u for m, u in units.items() if len(u) > 1} == {}
    assert {m: label for m, label in labels.items() if len(label) > 1} == {}


def test_the_corpus_has_between_25_and_45_facts() -> None:
    ids = {fact.get("id") for _, fact in all_facts()}
    assert 25 <= len(ids) <= 45, len(ids)


def test_the_balkans_deployment_cites_only_the_articles_that_say_officers_were_sent() -> None:
    # 002 reports the same announcement as technology ("we will deploy the most sophisticated
    # technology ... drones and night vision goggles") and never says officers were sent:
    # that sentence supports the drones fact, not this one.
    reporting = {
        str(load(path)["article"])
        for path in SEED_FILES
        if any(fact.get("id") == BALKANS_DEPLOYMENT for fact in facts_of(path))
    }
    assert reporting == {"000_8aac7eb8d5369df6.txt", "003_121430edb0cfadd7.txt"}


def test_every_fact_names_the_words_its_claim_rests_on() -> None:
    ids = {str(fact.get("id")) for _, fact in all_facts()}
    assert sorted(ids - CLAIMS.keys()) == [], "add the new facts to CLAIMS"
    assert sorted(CLAIMS.keys() - ids) == [], "CLAIMS names facts the corpus no longer has"


def test_every_quote_says_what_its_fact_claims() -> None:
    # A quote is attached to a fact as its evidence, so it must carry the words the fact's
    # claim rests on; a true sentence about something else (a neighbouring fact of the same
    # article) is not evidence for it.
    problems = [
        f"{name} {fact.get('id')}: {fact.get('quote')!r} does not say {CLAIMS[fact['id']]!r}"
        for name, fact in all_facts()
        if fact.get("id") in CLAIMS
        and not re.search(CLAIMS[fact["id"]], str(fact.get("quote")), re.IGNORECASE)
    ]
    assert not problems


def test_a_sentence_that_supports_one_fact_is_not_another_facts_evidence() -> None:
    # The mismatch the claims caught once: 002's drones sentence quoted for the officers.
    drones = re.compile(CLAIMS["western-balkans-drones-night-vision"], re.IGNORECASE)
    officers = re.compile(CLAIMS[BALKANS_DEPLOYMENT], re.IGNORECASE)
    for name, fact in all_facts():
        if fact.get("id") == BALKANS_DEPLOYMENT:
            assert officers.search(fact["quote"]), name
            assert not drones.search(fact["quote"]), name


def test_conflicting_readings_are_kept_apart_not_averaged() -> None:
    # "Almost 22,000" (000) and "at least 22,000" (002): one fact, two readings.
    readings = {
        name: (figure["value"], figure["qualifier"])
        for name, fact_id, figure in all_figures()
        if fact_id == CONFLICTING_FIGURE
    }
    assert readings == {
        "000_8aac7eb8d5369df6.yaml": ("22000", "ALMOST"),
        "002_f3c8f77afb9e766a.yaml": ("22000", "AT_LEAST"),
    }


def test_the_one_in_one_out_entry_into_force_is_uncertain_between_5_and_6_august() -> None:
    # Reports disagree on the day; the record keeps both days and says it is unsure.
    (fact,) = [fact for _, fact in all_facts() if fact["id"] == "one-in-one-out-in-force"]
    assert fact["occurred"] == "2025-08-05?/2025-08-06?"
    assert "5 or 6 August 2025" in fact["date_note"]
    since = [
        fact
        for _, fact in all_facts()
        if "since the scheme came into force" in str(fact.get("occurred_phrase"))
    ]
    assert {fact["occurred"].split("/")[0] for fact in since} == {"2025-08-05?"}


def test_the_facts_once_left_out_are_recorded_from_002() -> None:
    added = {
        fact["id"]: fact
        for name, fact in all_facts()
        if name == "002_f3c8f77afb9e766a.yaml"
        and fact["id"] in ("turkey-bulgaria-greece-enforcement-efforts", "labour-came-into-power")
    }
    assert added["labour-came-into-power"]["occurred"] == "2024-07"
    assert added["turkey-bulgaria-greece-enforcement-efforts"]["occurred"].endswith("/2025-10")


def test_last_weeks_figure_covers_seven_days_inside_its_window_not_the_window() -> None:
    # "after nearly 2,000 came last week alone": one week, somewhere before publication.
    [(_, _, figure)] = [
        item for item in all_figures() if item[1] == "small-boat-arrivals-last-week"
    ]
    assert (figure["basis"], figure["span_days"]) == ("FLOW", 7)
    assert figure["period"] == "2025-09-22/2025-10-30"
    spans = [figure.get("span_days") for _, _, figure in all_figures()]
    assert all(span is None or (type(span) is int and span >= 1) for span in spans)


def test_dates_and_periods_are_edtf() -> None:
    problems = []
    for name, where, value in edtf_values():
        if not isinstance(value, str) or not value:
            problems.append(f"{name} {where}: {value!r} is not EDTF text")
            continue
        try:
            edtf.parse_edtf(value)
        except Exception as exc:  # edtf raises several unrelated types for bad input
            problems.append(f"{name} {where}: {value!r}: {exc}")
    assert not problems
