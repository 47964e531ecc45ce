"""schema.graphql is the schema the code serves, and it keeps the published contract."""

from __future__ import annotations

from pathlib import Path

from graphql import GraphQLInputObjectType, GraphQLObjectType, build_schema

from timeline.api.graphql.schema import schema_sdl

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_schema_graphql_is_the_schema_the_code_serves() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_sdl(), (
        "schema.graphql is stale: re-export it with `timeline schema > schema.graphql`"
    )


def test_the_schema_keeps_the_contract() -> None:
    sdl = schema_sdl()
    for fragment in (
        "scalar Date\n",
        "scalar DateTime\n",
        "scalar FuzzyDate",
        "scalar Decimal\n",
        "enum Qualifier {\n  EXACT\n  ABOUT\n  AT_LEAST\n  MORE_THAN\n  AT_MOST\n  LESS_THAN\n"
        "  ALMOST\n}",
        "enum FactStatus {\n  ACTIVE\n  RETRACTED\n}",
        "enum Granularity {\n  DAY\n  MONTH\n  YEAR\n}",
        "qualifier: Qualifier = EXACT",
        "includeRetracted: Boolean = false",
        "timeline(filter: TimelineFilter = null, knownAt: Date = null, recordedBefore: "
        "DateTime = null, first: Int = 50, after: String = null, minPosition: Int = null): "
        "FactConnection!",
        "fact(id: ID!, knownAt: Date = null, recordedBefore: DateTime = null, minPosition: Int "
        "= null): Fact",
        "measures: [Measure!]!",
        "granularity: Granularity = YEAR, minPosition: Int = null): RunningTotal!",
        "figureHistory(measure: String!, period: FuzzyDate = null, minPosition: Int = null): "
        "[FigureReading!]!",
        "changes(fromKnownAt: Date!, toKnownAt: Date!, minPosition: Int = null): ChangeSet!",
        "events(afterPosition: Int = 0, first: Int = 100",
        "recordFact(input: RecordFactInput!): FactPayload!",
        "corroborateFact(id: ID!, source: SourceInput!, figure: FigureInput = null): FactPayload!",
        "reviseFact(id: ID!, expectedRevision: Int!, changes: FactPatchInput!, reason: String!, "
        "source: SourceInput = null): FactPayload!",
        "retractFact(id: ID!, expectedRevision: Int!, reason: String!, source: SourceInput = null)"
        ": FactPayload!",
        "factChanged(filter: TimelineFilter = null): FactChange!",
    ):
        assert fragment in sdl, fragment


def test_the_schema_says_what_the_server_requires_of_its_inputs() -> None:
    schema = build_schema(schema_sdl())
    source = schema.get_type("SourceInput")
    assert isinstance(source, GraphQLInputObjectType)
    assert str(source.fields["url"].type) == "String!"
    key_format = "lowercase letters and digits in words joined by single hyphens"
    figure, measure, query = (schema.get_type(name) for name in ("FigureInput", "Measure", "Query"))
    assert isinstance(figure, GraphQLInputObjectType)
    assert isinstance(measure, GraphQLObjectType)
    assert isinstance(query, GraphQLObjectType)
    for described in (
        figure.fields["measure"],
        measure.fields["key"],
        query.fields["runningTotal"],
        query.fields["figureHistory"],
    ):
        assert key_format in (described.description or ""), described
