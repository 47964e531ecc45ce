"""Reading an article for the proposer: a local text or HTML file, or a web page.

From HTML, trafilatura (a maintained extractor) takes the main text without menus and
footers, and the title, site name and publication date the page declares. What the caller
passes (``--published``, ``--publisher``, ``--url``) overrides what the page says.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from timeline.domain.dates import FuzzyDate
from timeline.domain.errors import DomainError
from timeline.domain.proposals.articles import Article
from timeline.domain.texts import MAX_TITLE

UNKNOWN_PUBLISHER = "Unknown"
_URL = re.compile(r"https?://", re.IGNORECASE)
_HTML = re.compile(r"^\s*(?:<!doctype html|<html|<head|<body|<article|<p[\s>])", re.IGNORECASE)


class ArticleError(Exception):
    """An article that cannot be read, or lacks what a source needs; says which and why."""

    def __init__(self, location: str, reason: str) -> None:
        super().__init__(f"{location}: {reason}")
        self.location = location
        self.reason = reason


@dataclass(frozen=True, slots=True, kw_only=True)
class Overrides:
    published: str | None = None
    publisher: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class _Page:
    text: str
    title: str | None = None
    publisher: str | None = None
    published: str | None = None
    url: str | None = None


def read_article(location: str, overrides: Overrides) -> Article:
    """The article at ``location`` (a path, or an http(s) URL when the network allows)."""
    if _URL.match(location):
        page = _extract(location, _fetch(location))
        page = dataclasses.replace(page, url=page.url or location)
        document = None
    else:
        path = Path(location)
        try:
            raw = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ArticleError(location, f"cannot be read: {exc}") from exc
        is_html = path.suffix.lower() in (".html", ".htm") or _HTML.match(raw) is not None
        page = _extract(location, raw) if is_html else _plain(raw)
        document = path.name
    published = overrides.published or page.published
    if published is None:
        raise ArticleError(location, "no publication date found; give --published (EDTF)")
    title = page.title or f"[{document or location}]"
    try:
        return Article(
            text=page.text,
            published=FuzzyDate.parse(published, field="published"),
            publisher=overrides.publisher or page.publisher or UNKNOWN_PUBLISHER,
            title=title if len(title) <= MAX_TITLE else title[: MAX_TITLE - 1] + "\u2026",
            url=overrides.url or page.url,
            document=document,
        )
    except DomainError as exc:
        raise ArticleError(location, f"{exc.field}: {exc.reason}") from exc


def _plain(raw: str) -> _Page:
    # A headline is a short first line; news text files start with one.
    first = next((line.strip() for line in raw.splitlines() if line.strip()), "")
    title = first if 0 < len(first) <= MAX_TITLE and not first.endswith(".") else None
    return _Page(text=raw, title=title)


def _fetch(url: str) -> str:
    import trafilatura  # imported here: only proposing needs it

    downloaded = trafilatura.fetch_url(url)
    if downloaded is None:
        raise ArticleError(url, "could not be fetched (no network, or the page refused)")
    return str(downloaded)


def _extract(location: str, html: str) -> _Page:
    import trafilatura

    found = trafilatura.bare_extraction(html, with_metadata=True, favor_recall=True)
    if found is None:
        raise ArticleError(location, "no article text found in the page")
    document: dict[str, Any] = found if isinstance(found, dict) else found.as_dict()
    if not document.get("text"):
        raise ArticleError(location, "no article text found in the page")
    return _Page(
        text=str(document["text"]),
        title=document.get("title") or None,
        publisher=document.get("sitename") or None,
        published=document.get("date") or None,
        url=document.get("url") or None,
    )
