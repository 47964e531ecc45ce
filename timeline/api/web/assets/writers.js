// The writers' panel: paste an article, review the facts the proposer finds (proposeFacts),
// keep some, and record them (recordFact, or corroborateFact for a fact already on record).
import { fill, h, humanise } from "./dom.js";
import { request, sawPosition } from "./graphql.js";

const PROPOSE = `query ($text: String!, $publishedOn: FuzzyDate, $publisher: String, $url: String) {
  proposeFacts(text: $text, publishedOn: $publishedOn, publisher: $publisher, url: $url) {
    publishedOn publisher url
    facts {
      key kind title summary quote occurred occurredPhrase inferred dateNote actors places
      confidence status factId factTitle recordReading
      figure { measure label value unit qualifier basis period written }
      reasons { field confidence reason }
    }
  }
}`;
const RECORD = `mutation ($input: RecordFactInput!) {
  recordFact(input: $input) { position fact { id } replayed }
}`;
const CORROBORATE = `mutation ($id: ID!, $source: SourceInput!, $figure: FigureInput) {
  corroborateFact(id: $id, source: $source, figure: $figure) { position fact { id } }
}`;
// Proposals at least this sure are kept unless the writer unticks them.
const KEEP_FROM = 0.5;

const $ = (id) => document.getElementById(id);

export function startWriters() {
  const els = {
    form: $("propose-form"),
    token: $("propose-token"),
    published: $("propose-published"),
    publisher: $("propose-publisher"),
    url: $("propose-url"),
    text: $("propose-text"),
    status: $("propose-status"),
    proposals: $("proposals"),
    list: $("proposal-list"),
  };
  let draft = null;

  els.form.addEventListener("submit", async (event) => {
    event.preventDefault();
    els.status.textContent = "Proposing…";
    els.proposals.hidden = true;
    try {
      const data = await request(
        PROPOSE,
        {
          text: els.text.value,
          publishedOn: els.published.value.trim() || null,
          publisher: els.publisher.value.trim() || null,
          url: els.url.value.trim() || null,
        },
        { token: els.token.value.trim() },
      );
      draft = data.proposeFacts;
    } catch (error) {
      els.status.textContent = `Could not propose: ${error.message}`;
      return;
    }
    fill(els.list, draft.facts.map(proposalItem));
    els.proposals.hidden = draft.facts.length === 0;
    els.status.textContent =
      `${draft.facts.length} proposed facts from ${draft.publisher}, published ${draft.publishedOn}.` +
      (draft.facts.length ? " Untick what you would not keep, then record." : "");
  });

  els.proposals.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!draft.url) {
      els.status.textContent = "Give the article's URL to record its facts: a source needs one.";
      return;
    }
    const kept = draft.facts.filter((fact) => $(`keep-${fact.key}`).checked);
    let recorded = 0;
    let corroborated = 0;
    try {
      for (const fact of kept) {
        const token = els.token.value.trim();
        if (fact.status === "NEW") {
          const data = await request(RECORD, { input: recordInput(fact, draft) }, { token });
          // Whatever this page reads next (the timeline, the next proposals matched against
          // the record) reflects what it has just written.
          sawPosition(data.recordFact.position);
          recorded += 1;
        } else {
          const variables = { id: fact.factId, source: source(fact, draft), figure: figure(fact) };
          const data = await request(CORROBORATE, variables, { token });
          sawPosition(data.corroborateFact.position);
          corroborated += 1;
        }
        $(`keep-${fact.key}`).closest("li").dataset.recorded = "true";
      }
    } catch (error) {
      els.status.textContent = `Recorded ${recorded} facts and ${corroborated} corroborations, then: ${error.message}`;
      return;
    }
    els.status.textContent = `Recorded ${recorded} facts and ${corroborated} corroborations.`;
  });
}

function proposalItem(fact) {
  const id = `keep-${fact.key}`;
  return h(
    "li",
    { class: "proposal", dataset: { status: fact.status.toLowerCase() } },
    h(
      "div",
      { class: "proposal-head" },
      h("input", { id, type: "checkbox", checked: fact.confidence >= KEEP_FROM }),
      h("label", { for: id }, `Keep: ${fact.title}`),
    ),
    h(
      "p",
      { class: "proposal-meta" },
      `${humanise(fact.kind)} · ${fact.occurred}`,
      fact.occurredPhrase && ` (“${fact.occurredPhrase}”)`,
      fact.figure && ` · ${fact.figure.qualifier} ${fact.figure.value} ${fact.figure.unit}, ${fact.figure.basis.toLowerCase()} over ${fact.figure.period}`,
      ` · confidence ${Math.round(fact.confidence * 100)}%`,
    ),
    matchNote(fact),
    h("blockquote", { class: "proposal-quote" }, fact.quote),
    h(
      "details",
      { class: "proposal-reasons" },
      h("summary", {}, "Why"),
      h(
        "ul",
        {},
        fact.reasons.map((r) =>
          h("li", {}, `${r.field}: ${r.reason} (${Math.round(r.confidence * 100)}%)`),
        ),
        h("li", {}, `date: ${fact.dateNote}`),
      ),
    ),
  );
}

function matchNote(fact) {
  if (fact.status === "CORROBORATION") {
    return h("p", { class: "proposal-match" }, `Corroborates “${fact.factTitle}”`);
  }
  if (fact.status === "CONFLICT") {
    return h(
      "p",
      { class: "proposal-match conflict" },
      `Conflicts with “${fact.factTitle}”: the record reads ${fact.recordReading}; both readings will stand`,
    );
  }
  return h("p", { class: "proposal-match" }, "New to the record");
}

function source(fact, draft) {
  return {
    publisher: draft.publisher,
    url: draft.url,
    publishedOn: draft.publishedOn,
    quote: fact.quote,
  };
}

function figure(fact) {
  if (!fact.figure) return null;
  const { measure, value, unit, qualifier, basis, period } = fact.figure;
  return { measure, value, unit, qualifier, basis, period };
}

function recordInput(fact, draft) {
  return {
    idempotencyKey: `propose:${fact.key}`,
    kind: fact.kind,
    title: fact.title,
    summary: fact.summary,
    occurred: fact.occurred,
    occurredPhrase: fact.occurredPhrase,
    inferred: fact.inferred,
    dateNote: fact.dateNote,
    actors: fact.actors,
    places: fact.places,
    figure: figure(fact),
    source: source(fact, draft),
  };
}
