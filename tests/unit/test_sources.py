from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timeline.domain import sources
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


# -- the plain-URL fast path must accept and refuse exactly what the general check does ---

_PLAIN = "abcxyzABZ0189._~%!$&'()*+,;=:@-"
_ODD = " \t\x1c\x01\x7f\u00a0\u3000[]/?#é\uff03\u2100"


@st.composite
def url_like_texts(draw: st.DrawFn) -> str:
    """Texts shaped like ``scheme://host/rest``, each part mostly of the characters a plain
    URL may hold with now and then one a URL check turns on (spaces of every kind, control
    characters, brackets, separators, non-ASCII look-alikes), so that texts on both sides of
    the fast path's edge are drawn often."""

    def plain(max_size: int) -> str:
        return draw(st.text(alphabet=_PLAIN, max_size=max_size))

    scheme = draw(
        st.sampled_from(("http://", "https://") * 4 + ("HTTPS://", "ftp://", "h:/", "//"))
    )
    parts = [scheme, plain(16), draw(st.sampled_from(("", "/", "?", "#"))), plain(16)]
    odd = draw(st.sampled_from((None, 1, 3, 3)))
    if odd is not None:
        at = draw(st.integers(0, len(parts[odd])))
        parts[odd] = parts[odd][:at] + draw(st.sampled_from(_ODD)) + parts[odd][at:]
    return "".join(parts)


def _url_verdict(check: Callable[[str], None], url: str) -> tuple[str, str] | None:
    try:
        check(url)
    except Exception as exc:  # any refusal, compared by type and words
        return type(exc).__name__, str(exc)
    return None


@settings(max_examples=1_000)
@given(st.one_of(url_like_texts(), st.text()))
def test_the_plain_url_fast_path_agrees_with_the_general_check(url: str) -> None:
    assert _url_verdict(sources._check_url, url) == _url_verdict(sources._check_any_url, url)


@pytest.mark.parametrize(
    "url",
    [
        "https://www.bbc.co.uk/news/articles/c0000000",
        "http://example.org",
        "https://user:pw@example.org:8443/a/b?c=d&e=f#g",
        "https://example.org/a%20b/(x)/[y]",
    ],
)
def test_plain_urls_take_the_fast_path(url: str) -> None:
    assert sources._PLAIN_URL.fullmatch(url) is not None
    assert _url_verdict(sources._check_any_url, url) is None
