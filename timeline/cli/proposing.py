"""``timeline propose`` and ``timeline accept``: from an article to reviewed facts.

``propose`` reads the record and never writes: it prints a draft in the seed format for a
curator to edit. ``accept`` records a reviewed draft through the service, with idempotency
keys, so accepting the same draft twice adds nothing.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from timeline.cli.answers import answer, note

if TYPE_CHECKING:
    from timeline.domain.proposals.articles import Article, Draft


class DraftFormat(StrEnum):
    YAML = "yaml"
    JSON = "json"


def propose(
    locations: Annotated[
        list[str],
        typer.Argument(
            metavar="FILE_OR_URL...", help="Article files (text or HTML) or http(s) URLs."
        ),
    ],
    published: Annotated[
        str | None,
        typer.Option(help="Publication date as EDTF (2025-10-14, 2025-10); overrides the page."),
    ] = None,
    publisher: Annotated[str | None, typer.Option(help="Publisher; overrides the page.")] = None,
    url: Annotated[str | None, typer.Option(help="The article's URL; overrides the page.")] = None,
    output: Annotated[DraftFormat, typer.Option("--format", help="yaml or json.")] = (
        DraftFormat.YAML
    ),
    record: Annotated[
        bool,
        typer.Option(
            help="Match against the record (TIMELINE_DATABASE_URL) for corroborations and "
            "conflicts; --no-record proposes from the text alone."
        ),
    ] = True,
) -> None:
    """Propose facts from news articles, in the format of seeds/*.yaml. Writes nothing.

    Review the draft (keep, edit or delete each fact; each carries its confidence and the
    reason for every field it inferred), then record it with `timeline accept DRAFT.yaml`.
    Several articles give one YAML document each, all matched against the record as it is:
    accept one before proposing the next to have the next corroborate it.
    """
    from timeline.article_reader import ArticleError, Overrides, read_article

    overrides = Overrides(published=published, publisher=publisher, url=url)
    try:
        articles = [read_article(location, overrides) for location in locations]
    except ArticleError as error:
        note(f"[red]cannot propose:[/red] {escape(str(error))}")
        raise typer.Exit(2) from error
    drafts = answer(_propose(articles, record))
    from timeline.domain.proposals.documents import draft_document

    documents = [draft_document(draft) for draft in drafts]
    if output is DraftFormat.JSON:
        body: Any = documents[0] if len(documents) == 1 else documents
        sys.stdout.write(json.dumps(body, ensure_ascii=False, indent=2) + "\n")
    else:
        import yaml

        yaml.safe_dump_all(documents, sys.stdout, allow_unicode=True, sort_keys=False, width=100)
    for draft in drafts:
        counts = _counts(draft)
        note(f"{escape(draft.article.title)}: {counts}")


async def _propose(articles: list[Article], record: bool) -> list[Draft]:
    from timeline.application.proposing import propose_facts, propose_from_text
    from timeline.bootstrap import open_services

    if not record:
        return [propose_from_text(article) for article in articles]
    async with open_services() as services:
        return [await propose_facts(services.queries, article) for article in articles]


def _counts(draft: Draft) -> str:
    statuses = [proposal.match.status.value for proposal in draft.proposals]
    parts = [f"{statuses.count(s)} {s}" for s in ("new", "corroboration", "conflict")]
    return f"{len(statuses)} proposed facts ({', '.join(parts)})"


def accept(
    draft: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, help="A reviewed draft from `timeline propose`."
        ),
    ],
) -> None:
    """Record a reviewed draft: new facts, and sources added to the facts it corroborates.
    Accepting the same draft again adds nothing."""
    from timeline.corpus import CorpusError, load_draft

    try:
        entries = load_draft(draft)
    except CorpusError as error:
        note(f"[red]bad draft[/red] {escape(str(error))}")
        raise typer.Exit(2) from error
    recorded, corroborated, present = answer(_accept(draft, entries))
    note(
        f"recorded {recorded} facts and {corroborated} corroborations"
        f" ({present} entries were already in the log)"
    )


async def _accept(path: Path, entries: list[Any]) -> tuple[int, int, int]:
    from timeline.application.errors import NotFound
    from timeline.application.service import Actor
    from timeline.bootstrap import open_services
    from timeline.corpus import missing_facts, seed

    actor = Actor(name="accept", reason=f"reviewed draft {path.name}")
    async with open_services() as services:
        missing = await missing_facts(services.service, entries)
        if missing:
            names = ", ".join(f"{e.slug} -> {e.corroborates}" for e in missing)
            raise NotFound(f"the draft corroborates facts the record does not hold: {names}")
        report = await seed(services.service, entries, actor=actor)
        await services.runner.catch_up()
        return report.recorded, report.corroborated, report.present
