"""``python -m bench NAME``: run one benchmark (or ``all``), print the table, write JSON."""

from __future__ import annotations

import asyncio
import cProfile
import pstats
from pathlib import Path
from typing import Annotated

import typer

from bench import conditions
from bench.databases import BACKENDS, DEFAULT_POSTGRES_URL, Databases
from bench.report import Comparison, document, print_table, write_json
from bench.report import markdown as report_markdown
from bench.suite import ALL, Settings, benchmarks
from timeline.collector import tune_collector

app = typer.Typer(add_completion=False, no_args_is_help=True)


@app.command()
def main(
    names: Annotated[list[str], typer.Argument(help="benchmark names, or all")],
    backend: Annotated[str, typer.Option(help="sqlite, postgres or both")] = "both",
    events: Annotated[int | None, typer.Option(help="events per repeat")] = None,
    peer: Annotated[bool, typer.Option(help="run eventsourcing beside ours")] = True,
    repeats: Annotated[int, typer.Option(min=1, help="repeats; medians are reported")] = 3,
    seconds: Annotated[
        float | None, typer.Option(min=0.1, help="seconds of load per repeat (graphql-http)")
    ] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="where to write JSON")] = None,
    postgres_url: Annotated[
        str, typer.Option(envvar="TIMELINE_BENCH_POSTGRES_URL", help="a maintenance database")
    ] = DEFAULT_POSTGRES_URL,
    markdown: Annotated[bool, typer.Option(help="also print the table as Markdown")] = False,
    profile: Annotated[
        bool, typer.Option(help="cProfile our side; slows it; writes .pstats beside the JSON")
    ] = False,
) -> None:
    """Run benchmarks by name: append-single, append-batch, read-all (these three are
    all), limits, rebuild, time-travel, graphql-http, graphql-cpu. Print the table and write
    the JSON.
    `propose` scores the fact proposer on the corpus articles against the seeds instead."""
    if names == ["propose"]:
        from bench import propose

        typer.echo(propose.markdown(asyncio.run(propose.run(propose.articles_dir()))))
        return
    known = benchmarks()
    chosen = [found for name in names for found in (ALL if name == "all" else [name])]
    for name in chosen:
        if name not in known:
            raise typer.BadParameter(f"{name!r}: use one of {', '.join(known)} or all")
    if backend not in (*BACKENDS, "both"):
        raise typer.BadParameter(f"{backend!r}: use sqlite, postgres or both")
    settings = Settings(
        backends=BACKENDS if backend == "both" else (backend,),
        events=events,
        peer=peer,
        repeats=repeats,
        seconds=seconds,
        postgres_url=postgres_url,
        profiler=cProfile.Profile() if profile else None,
    )
    # As every timeline process has it; the peer runs in this process and shares it.
    tune_collector()
    report = asyncio.run(_run("+".join(names), chosen, settings))
    print_table(report)
    if markdown:
        typer.echo(report_markdown(report))
    written = write_json(report, json_path)
    typer.echo(f"wrote {written}")
    if settings.profiler is not None:
        stats = pstats.Stats(settings.profiler)
        stats.dump_stats(written.with_suffix(".pstats"))
        typer.echo("our side, by own time (figures above are slowed by the profiler):")
        stats.sort_stats("tottime").print_stats(25)


async def _run(name: str, chosen: list[str], settings: Settings) -> dict[str, object]:
    known = benchmarks()
    load_before = conditions.load()
    results: list[Comparison] = []
    async with Databases(postgres_url=settings.postgres_url) as databases:
        for benchmark in chosen:
            results.extend(await known[benchmark].run(settings, databases))
        found = await conditions.collect(settings, databases, load_before)
    return document(name, found, results)


if __name__ == "__main__":
    app()
