"""Sources: where a fact was read, with the verbatim words it rests on."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from timeline.domain.dates import FuzzyDate
from timeline.domain.errors import InvalidSource
from timeline.domain.texts import (
    MAX_DOCUMENT,
    MAX_LABEL,
    MAX_QUOTE,
    MAX_TITLE,
    MAX_URL,
    check_text,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Source:
    """A publication a fact rests on.

    ``quote`` is the passage verbatim (never trimmed or tidied). ``document`` names the local
    copy it was read from, e.g. an article file in the corpus, so a reviewer can find it. A
    syndicated copy may have no known URL; then the document is how it is found again, so a
    source needs at least one of the two.
    """

    publisher: str
    title: str
    url: str | None
    published: FuzzyDate
    quote: str
    document: str | None = None

    def __post_init__(self) -> None:
        check_text("source.publisher", self.publisher, MAX_LABEL)
        check_text("source.title", self.title, MAX_TITLE)
        check_text("source.quote", self.quote, MAX_QUOTE, multiline=True)
        if self.document is not None:
            check_text("source.document", self.document, MAX_DOCUMENT)
        if self.url is not None:
            check_text("source.url", self.url, MAX_URL)
            _check_url(self.url)
        elif self.document is None:
            raise InvalidSource("source.url", "a source needs a url or a document to be found")
        if not isinstance(self.published, FuzzyDate):
            raise InvalidSource("source.published", "must be a FuzzyDate")
        if self.published.open_start or self.published.open_end:
            # Knowledge time is the last day it could have appeared; that needs a real day.
            raise InvalidSource("source.published", f"{self.published} must have known ends")

    @property
    def identity(self) -> str:
        """What makes two sources the same publication: its URL, else its document."""
        return self.url if self.url is not None else f"document:{self.document}"

    @property
    def known_from(self) -> dt.date:
        """The day from which what this source says counts as known (latest publication day)."""
        return self.published.knowledge_day


# Nearly every URL is plain printable ASCII: http(s), a host of letters, digits and the
# usual punctuation (no brackets, so no IPv6 literal to check), then a path, query or
# fragment with no space. urlsplit reads every such text as scheme http(s) with that host as
# its netloc, and none holds whitespace, so it passes the general check below; anything
# else takes the general check itself. A property test holds the two equal on any text.
_PLAIN_URL = re.compile(r"https?://[A-Za-z0-9._~%!$&'()*+,;=:@-]+(?:[/?#][!-~]*)?")


def _check_url(url: str) -> None:
    if _PLAIN_URL.fullmatch(url) is None:
        _check_any_url(url)


def _check_any_url(url: str) -> None:
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # a bad IPv6 literal, or a host that NFKC turns into syntax
        raise InvalidSource("source.url", f"{url!r} is not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidSource("source.url", f"{url!r} is not an absolute http(s) URL")
    if any(character.isspace() for character in url):
        raise InvalidSource("source.url", "must not contain whitespace")
