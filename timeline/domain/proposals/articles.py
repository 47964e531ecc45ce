"""An article to propose facts from, and the draft the proposer makes of it."""

from __future__ import annotations

from dataclasses import dataclass

from timeline.domain.dates import FuzzyDate
from timeline.domain.errors import InvalidSource
from timeline.domain.proposals.proposals import Proposal
from timeline.domain.sources import Source
from timeline.domain.texts import MAX_TITLE


@dataclass(frozen=True, slots=True, kw_only=True)
class Article:
    """The article's main text and what is known of where and when it appeared.

    ``document`` is the local copy's name (a file name), ``url`` where it was published;
    one of them identifies the source, as for any ``Source``.
    """

    text: str
    published: FuzzyDate
    publisher: str
    title: str
    url: str | None = None
    document: str | None = None

    def __post_init__(self) -> None:
        if not self.text.strip():
            raise InvalidSource("text", "the article has no text to propose facts from")
        if len(self.text) > MAX_ARTICLE:
            raise InvalidSource("text", f"is longer than {MAX_ARTICLE} characters")
        # The checks every source of it will pass, made once, before anything is proposed.
        self.source_for("-")

    @property
    def identity(self) -> str:
        return self.source_for("-").identity

    def source_for(self, quote: str) -> Source:
        return Source(
            publisher=self.publisher,
            title=self.title,
            url=self.url,
            published=self.published,
            quote=quote,
            document=self.document,
        )


PASTED = "pasted text"
"""The document name of a text pasted without a URL: it identifies no published source, so
accepting its proposals needs the URL."""
UNKNOWN_PUBLISHER = "Unknown"
MAX_ARTICLE = 200_000
"""Characters: a long feature is some 50,000; more is not one article."""


def pasted_article(
    text: str, published: FuzzyDate, *, publisher: str | None, url: str | None
) -> Article:
    """An article from pasted text: its headline is its first line when that is short."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    title = first if 0 < len(first) <= MAX_TITLE and first[-1] not in ".!?" else None
    return Article(
        text=text,
        published=published,
        publisher=publisher or UNKNOWN_PUBLISHER,
        title=title or f"[{publisher or PASTED}]",
        url=url,
        document=None if url else PASTED,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Draft:
    """The proposals for one article, for a curator to review and accept."""

    article: Article
    proposals: tuple[Proposal, ...]
