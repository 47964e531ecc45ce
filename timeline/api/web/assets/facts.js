// The facts as a timeline: grouped by topic, each with its date in words and drawn as a span
// on one axis of when things happened, approximate and uncertain dates marked.
import { dayNumber, describeFuzzy, fuzzyFlags } from "./dates.js";
import { fill, h, humanise } from "./dom.js";
import { describeFigure, plural } from "./numbers.js";

/** The axis every span is drawn on: whole years around every bounded day in the record. */
export function occurredAxis(facts) {
  const days = facts
    .flatMap((f) => [f.occurredEarliest, f.occurredLatest])
    .filter(Boolean)
    .sort();
  const first = days[0] ?? "2000-01-01";
  const last = days.at(-1) ?? first;
  const start = dayNumber(`${first.slice(0, 4)}-01-01`);
  const end = dayNumber(`${Number(last.slice(0, 4)) + 1}-01-01`);
  return { start, end, years: range(Number(first.slice(0, 4)), Number(last.slice(0, 4)) + 1) };
}

const range = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/**
 * Render `facts` into `container`. groupTopic: the topic to group everything under (the topic
 * filter), or "" to group each fact under its first topic. changes: { added, revised } sets
 * of ids to highlight. onOpen(id) opens a fact.
 */
export function renderFacts(container, facts, { axis, groupTopic, changes, openId, onOpen }) {
  const groups = new Map();
  for (const fact of facts) {
    const topic = groupTopic || fact.topics[0] || "";
    if (!groups.has(topic)) groups.set(topic, []);
    groups.get(topic).push(fact);
  }
  const topics = [...groups.keys()].sort((a, b) => (a === "") - (b === "") || a.localeCompare(b));
  fill(
    container,
    axisRuler(axis),
    ...topics.map((topic, index) => {
      const members = groups.get(topic);
      const headingId = `topic-${index}`;
      return h(
        "section",
        { class: "topic", "aria-labelledby": headingId },
        h(
          "h3",
          { id: headingId },
          topic ? humanise(topic) : "No topic",
          " ",
          h("span", { class: "count" }, `(${members.length})`),
        ),
        h(
          "ol",
          { class: "facts" },
          members.map((fact) => factItem(fact, axis, changes, openId, onOpen)),
        ),
      );
    }),
  );
}

function axisRuler(axis) {
  const step = axis.years.length > 12 ? 5 : 1;
  return h(
    "div",
    { class: "axis", "aria-hidden": "true" },
    axis.years
      .filter((year) => year % step === 0)
      .map((year) => ({ year, left: percent(axis, dayNumber(`${year}-01-01`)) }))
      // A label needs room to the right of its tick.
      .filter(({ left }) => left < 96)
      .map(({ year, left }) => {
        const tick = h("span", { class: "tick" }, String(year));
        tick.style.left = `${left}%`;
        return tick;
      }),
  );
}

const percent = (axis, day) => ((day - axis.start) / (axis.end - axis.start)) * 100;

function factItem(fact, axis, changes, openId, onOpen) {
  const flags = fuzzyFlags(fact.occurred);
  const state = changes.added.has(fact.id)
    ? "added"
    : changes.revised.has(fact.id)
      ? "revised"
      : null;
  return h(
    "li",
    {
      class: ["fact", state, fact.status === "RETRACTED" && "retracted"].filter(Boolean).join(" "),
      dataset: { factId: fact.id },
    },
    h(
      "button",
      {
        type: "button",
        class: "fact-open",
        "aria-controls": "fact-panel",
        "aria-expanded": String(fact.id === openId),
        onclick: () => onOpen(fact.id),
      },
      fact.title,
    ),
    h(
      "p",
      { class: "meta" },
      h(
        "time",
        { class: "when", title: `EDTF ${fact.occurred}` },
        describeFuzzy(fact.occurred, fact.occurredEarliest, fact.occurredLatest),
      ),
      flags.approximate && h("span", { class: "flag approximate" }, "approximate"),
      flags.uncertain && h("span", { class: "flag uncertain" }, "uncertain"),
      h("span", { class: "kind" }, humanise(fact.kind)),
      fact.figure && h("span", { class: "figure" }, describeFigure(fact.figure)),
      h("span", { class: "sources" }, plural(fact.sources.length, "source")),
      fact.revision > 1 && h("span", { class: "revision" }, `revision ${fact.revision}`),
      state && h("span", { class: "change" }, state === "added" ? "new here" : "changed here"),
    ),
    span(fact, axis, flags),
  );
}

function span(fact, axis, flags) {
  const start = fact.occurredEarliest ? dayNumber(fact.occurredEarliest) : axis.start;
  const end = fact.occurredLatest ? dayNumber(fact.occurredLatest) + 1 : axis.end;
  const classes = [
    "span",
    fact.occurredEarliest === fact.occurredLatest && "day",
    !fact.occurredEarliest && "open-start",
    !fact.occurredLatest && "open-end",
    flags.approximate && "approximate",
    flags.uncertain && "uncertain",
  ];
  const bar = h("span", { class: classes.filter(Boolean).join(" ") });
  // Clamped so that the narrowest span still ends inside the track.
  bar.style.left = `min(${percent(axis, start)}%, 100% - 0.5rem)`;
  bar.style.width = `max(0.5rem, ${percent(axis, end) - percent(axis, start)}%)`;
  return h("div", { class: "track", "aria-hidden": "true" }, bar);
}
