// The fact panel: one fact as known on the chosen day, with its sources' quotes and links and
// the history of its revisions.
import { describeCovered, describeFuzzy, formatDay, fuzzyFlags } from "./dates.js";
import { fill, h, humanise } from "./dom.js";
import { describeBounds, describeFigure } from "./numbers.js";
import { sourceList } from "./sources.js";

const EVENT_WORDS = {
  RECORDED: "Recorded",
  CORROBORATED: "Corroborated by another source",
  REVISED: "Revised",
  RETRACTED: "Retracted",
};

/** Fill `body` with `fact`; when it was not known yet, say from when it is (firstReported). */
export function renderFact(body, fact, { knownAt, firstReported }) {
  if (!fact) {
    fill(
      body,
      h("h2", { id: "fact-title", tabindex: "-1" }, "Not known yet"),
      h(
        "p",
        {},
        `The record did not know this fact on ${formatDay(knownAt)}.`,
        firstReported ? ` It is known from ${formatDay(firstReported)}.` : "",
      ),
    );
    return;
  }
  const flags = fuzzyFlags(fact.occurred);
  const when = [
    describeFuzzy(fact.occurred, fact.occurredEarliest, fact.occurredLatest),
    flags.approximate && "approximate",
    flags.uncertain && "uncertain",
  ].filter(Boolean);
  fill(
    body,
    h("p", { class: "kind" }, humanise(fact.kind)),
    h("h2", { id: "fact-title", tabindex: "-1" }, fact.title),
    fact.status === "RETRACTED" &&
      h(
        "p",
        { class: "retracted-note" },
        "Retracted: it stays in the log and in every earlier answer.",
      ),
    h("p", { class: "summary" }, fact.summary),
    h(
      "dl",
      { class: "details" },
      term("When", [
        h("time", {}, when.join(", ")),
        " ",
        h("code", { title: "The date as EDTF" }, fact.occurred),
        fact.occurredPhrase && [" — the source said “", fact.occurredPhrase, "”"],
      ]),
      fact.dateNote && term("How it was dated", fact.dateNote),
      term("Known from", formatDay(fact.firstReported)),
      fact.topics.length > 0 && term("Topics", fact.topics.map(humanise).join(", ")),
      fact.actors.length > 0 && term("Actors", fact.actors.join(", ")),
      fact.places.length > 0 && term("Places", fact.places.join(", ")),
      fact.figure &&
        term(
          "Figure",
          `${describeFigure(fact.figure)} for ${describeCovered(fact.figure)} (${describeBounds(fact.figure, fact.figure.unit)})`,
        ),
      fact.readings.length > 1 &&
        term(
          "Readings",
          h(
            "ul",
            {},
            fact.readings.map((r) =>
              h("li", {}, `${describeFigure(r.figure)}, says ${r.source.publisher}`),
            ),
          ),
        ),
    ),
    h("h3", {}, `Sources (${fact.sources.length})`),
    sourceList(fact.sources),
    h("h3", {}, "Revision history"),
    h(
      "ol",
      { class: "history" },
      fact.history.map((entry) =>
        h(
          "li",
          {},
          h(
            "strong",
            {},
            `Revision ${entry.revision}: ${EVENT_WORDS[entry.type] ?? humanise(entry.type)}`,
          ),
          h(
            "span",
            { class: "history-meta" },
            ` — known from ${formatDay(entry.knownFrom)}`,
            entry.source &&
              `, ${entry.source.publisher} (${describeFuzzy(entry.source.publishedOn)})`,
            `; recorded ${formatDay(entry.recordedAt.slice(0, 10))}`,
          ),
          entry.changedFields.length > 0 &&
            h("p", {}, `Changed: ${entry.changedFields.join(", ")}`),
          entry.reason && h("p", {}, `Why: ${entry.reason}`),
        ),
      ),
    ),
  );
}

const term = (name, ...definition) => [h("dt", {}, name), h("dd", {}, ...definition)];
