"""proposeFacts: a writer's query that proposes facts from a text and writes nothing."""

from __future__ import annotations

from pathlib import Path

from tests.api.conftest import Api

ARTICLE = (Path(__file__).parents[1] / "fixtures" / "article.txt").read_text(encoding="utf-8")
PROPOSE = """
query ($text: String!, $publishedOn: FuzzyDate, $url: String) {
  proposeFacts(text: $text, publishedOn: $publishedOn, publisher: "Example News", url: $url) {
    publishedOn publisher url
    facts {
      key kind quote quoteStart quoteEnd occurred occurredPhrase inferred status confidence
      figure { value unit qualifier basis period written }
      reasons { field confidence reason }
    }
  }
}
"""
VARIABLES = {"text": ARTICLE, "publishedOn": "2025-03-10", "url": "https://example.com/a"}


async def code(api: Api, token: str | None) -> str:
    errors = await api.errors(PROPOSE, VARIABLES, token=token)
    value: str = errors[0]["extensions"]["code"]
    return value


async def test_proposing_needs_a_writer_token(api: Api, reader: str) -> None:
    assert await code(api, None) == "UNAUTHENTICATED"
    assert await code(api, reader) == "FORBIDDEN"


async def test_a_writer_gets_verbatim_proposals_and_nothing_is_written(
    api: Api, writer: str, admin: str
) -> None:
    data = await api.data(PROPOSE, VARIABLES, token=writer)
    proposals = data["proposeFacts"]
    facts = proposals["facts"]
    assert proposals["publisher"] == "Example News"
    for fact in facts:
        assert ARTICLE[fact["quoteStart"] : fact["quoteEnd"]] == fact["quote"]
        assert fact["status"] == "NEW"
        assert 0 < fact["confidence"] <= 1
    money = next(f for f in facts if f["figure"] and f["figure"]["unit"] == "GBP")
    assert money["figure"] == {
        "value": "480000000",
        "unit": "GBP",
        "qualifier": "MORE_THAN",
        "basis": "CUMULATIVE",
        "period": "2018/2025-03-10",
        "written": "£480m",
    }
    share = next(f for f in facts if f["figure"] and f["figure"]["unit"] == "percent")
    assert share["figure"]["period"] == "2025-01-01/2025-03-10"
    meeting = next(f for f in facts if f["kind"] == "MEETING_HELD")
    assert meeting["occurred"] == "2025-03-03"
    assert meeting["inferred"] == ["year"]
    assert (await api.data("{ events { totalCount } }", token=admin))["events"]["totalCount"] == 0


async def test_an_empty_text_is_refused_with_its_field(api: Api, writer: str) -> None:
    errors = await api.errors(PROPOSE, {**VARIABLES, "text": "   "}, token=writer)
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "text" in errors[0]["message"]
