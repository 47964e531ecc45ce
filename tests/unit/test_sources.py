from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from timeline.domain.dates import FuzzyDate
from timeline.domain.errors import DomainError, InvalidSource, InvalidText
from timeline.domain.sources import Source
from timeline.domain.texts import MAX_DOCUMENT, MAX_QUOTE, MAX_TITLE

BBC = Source(
    publisher="BBC News",
    title="Channel crossings pass 50,000 under Labour",
    url="https://www.bbc.co.uk/news/articles/c0000000",
    published=FuzzyDate("2025-10"),
    quote="More than 50,000 people have crossed the Channel since Labour took office.",
    document="002_f3c8f77afb9e766a.txt",
)


def test_a_source_is_known_from_the_latest_day_it_could_have_appeared() -> None:
    assert BBC.known_from == dt.date(2025, 10, 31)
    day = dataclasses.replace(BBC, published=FuzzyDate("2025-10-09"))
    assert day.known_from == dt.date(2025, 10, 9)
    window = dataclasses.replace(BBC, published=FuzzyDate("2025-10-09/2025-10-31"))
    assert window.known_from == dt.date(2025, 10, 31)


def test_a_quote_is_kept_verbatim() -> None:
    quote = '  "We will smash the gangs,"\nthe Prime Minister said.  '
    assert dataclasses.replace(BBC, quote=quote).quote == quote


def test_the_document_is_optional() -> None:
    assert dataclasses.replace(BBC, document=None).document is None


def test_a_syndicated_copy_without_a_url_is_found_by_its_document() -> None:
    copy = dataclasses.replace(BBC, url=None)
    assert copy.identity == "document:002_f3c8f77afb9e766a.txt"
    assert BBC.identity == BBC.url
    with pytest.raises(InvalidSource, match="needs a url or a document") as caught:
        dataclasses.replace(BBC, url=None, document=None)
    assert caught.value.field == "source.url"


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"quote": ""}, "source.quote", "must not be empty"),
        ({"quote": " \n\t"}, "source.quote", "must not be empty"),
        ({"quote": "x" * (MAX_QUOTE + 1)}, "source.quote", "the limit is 5000"),
        ({"publisher": ""}, "source.publisher", "must not be empty"),
        ({"title": "a\nb"}, "source.title", "single line"),
        ({"title": "t" * (MAX_TITLE + 1)}, "source.title", "the limit is 500"),
        ({"document": ""}, "source.document", "must not be empty"),
        ({"document": "d" * (MAX_DOCUMENT + 1)}, "source.document", "the limit is 255"),
        ({"url": "www.bbc.co.uk/news"}, "source.url", "absolute http(s) URL"),
        ({"url": "ftp://bbc.co.uk/news"}, "source.url", "absolute http(s) URL"),
        ({"url": "https://bbc.co.uk/a b"}, "source.url", "whitespace"),
        ({"url": "https://[::1/news"}, "source.url", "not a valid URL"),
        ({"url": "https://[127.0.0.1]/news"}, "source.url", "not a valid URL"),
        ({"url": "https://\uff03x.co.uk/news"}, "source.url", "not a valid URL"),
        ({"url": ""}, "source.url", "must not be empty"),
        ({"published": FuzzyDate("2025/..")}, "source.published", "must have known ends"),
        ({"published": FuzzyDate("/2025")}, "source.published", "must have known ends"),
        ({"published": "2025-10"}, "source.published", "must be a FuzzyDate"),
        ({"quote": None}, "source.quote", "must be a string"),
    ],
)
def test_bad_sources_are_refused_naming_the_field(
    changes: dict[str, object], field: str, reason: str
) -> None:
    with pytest.raises((InvalidSource, InvalidText)) as caught:
        dataclasses.replace(BBC, **changes)  # type: ignore[arg-type]
    assert isinstance(caught.value, DomainError)
    assert caught.value.field == field
    assert reason in caught.value.reason
