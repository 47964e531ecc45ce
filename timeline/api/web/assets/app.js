// The timeline page: the URL's state, the "known at" slider, the filters, the facts, the
// running-total chart, the fact panel and the live subscription, all over the public API.
import { formatDay, formatLongDay } from "./dates.js";
import { fill, h, humanise } from "./dom.js";
import { occurredAxis, renderFacts } from "./facts.js";
import { renderChart } from "./chart.js";
import { request, requestAll, sawPosition, subscribe } from "./graphql.js";
import { contestLabel, renderMarkDetail } from "./marks.js";
import { plural } from "./numbers.js";
import { renderFact } from "./panel.js";
import { CATALOGUE, FACT, FACTS, LIVE, TOTALS } from "./queries.js";
import { KnownAtSlider } from "./slider.js";
import { readState, timelineFilter, writeState } from "./state.js";
import { startWriters } from "./writers.js";

const $ = (id) => document.getElementById(id);
const els = {
  form: $("filters"),
  summary: $("summary"),
  facts: $("facts"),
  groups: $("fact-groups"),
  measure: $("measure"),
  chart: $("chart"),
  chartNote: $("chart-note"),
  detail: $("mark-detail"),
  panel: $("fact-panel"),
  panelBody: $("fact-body"),
  closePanel: $("close-fact"),
  announcer: $("announcer"),
  liveStatus: $("live-status"),
  error: $("error"),
};
const FILTERS = ["q", "topic", "actor", "place", "kind"];

const state = readState();
let catalogue = { facts: [], measures: [], days: [], axis: occurredAxis([]) };
let shown = null; // the list on screen: { knownAt, filterKey, revisions: Map(id -> revision) }
let freshIds = new Set(); // facts that arrived live, highlighted in the next list
let chartData = null;
let chartMarks = [];
let selectedMark = "";
const tickets = { facts: 0, chart: 0, fact: 0 };

const slider = new KnownAtSlider(
  {
    input: $("known-at"),
    output: $("known-at-value"),
    ticks: $("knowledge-days"),
    previous: $("previous-change"),
    next: $("next-change"),
    now: $("now"),
  },
  (day) => {
    state.known = day;
    writeState(state);
    scheduleRefresh();
  },
);

// ---- loading -------------------------------------------------------------------------------

async function loadCatalogue() {
  const { data, nodes } = await requestAll(CATALOGUE, {}, (d) => d.timeline);
  const days = new Set();
  for (const fact of nodes) {
    days.add(fact.firstReported);
    for (const entry of fact.history) days.add(entry.knownFrom);
  }
  catalogue = {
    facts: nodes,
    measures: data.measures,
    days: [...days].sort(),
    axis: occurredAxis(nodes),
  };
}

let refreshTimer = 0;
function scheduleRefresh() {
  clearTimeout(refreshTimer);
  els.facts.setAttribute("aria-busy", "true");
  refreshTimer = setTimeout(refresh, 60);
}

async function refresh() {
  const results = await Promise.allSettled([loadFacts(), loadChart(), loadPanel()]);
  const failed = results.find((r) => r.status === "rejected");
  els.error.textContent = failed ? `Could not load from the API: ${failed.reason.message}` : "";
  els.error.hidden = !failed;
}

async function loadFacts() {
  const ticket = ++tickets.facts;
  els.facts.setAttribute("aria-busy", "true");
  const knownAt = state.known || null;
  const filter = timelineFilter(state);
  const { nodes } = await requestAll(FACTS, { knownAt, filter }, (d) => d.timeline);
  if (ticket !== tickets.facts) return;
  const filterKey = JSON.stringify(filter);
  const changes = { added: new Set(freshIds), revised: new Set() };
  let gone = 0;
  if (shown && shown.filterKey === filterKey && shown.knownAt !== knownAt) {
    for (const fact of nodes) {
      const before = shown.revisions.get(fact.id);
      if (before === undefined) changes.added.add(fact.id);
      else if (before !== fact.revision) changes.revised.add(fact.id);
    }
    const ids = new Set(nodes.map((f) => f.id));
    gone = [...shown.revisions.keys()].filter((id) => !ids.has(id)).length;
  }
  renderFacts(els.groups, nodes, {
    axis: catalogue.axis,
    groupTopic: state.topic,
    changes,
    openId: state.fact,
    onOpen: openFact,
  });
  if (nodes.length === 0) {
    const filtered = Object.keys(filter).length > 0;
    els.groups.append(
      h(
        "p",
        { class: "empty" },
        filtered ? "No facts match the filters." : "The record knew no facts yet.",
      ),
    );
  }
  shown = { knownAt, filterKey, revisions: new Map(nodes.map((f) => [f.id, f.revision])) };
  freshIds = new Set();
  els.summary.textContent = summary(nodes.length, changes, gone);
  els.facts.dataset.knownAt = state.known || "now";
  els.facts.setAttribute("aria-busy", "false");
}

function summary(count, changes, gone) {
  const filtered = Object.keys(timelineFilter(state)).length > 0;
  const noun = filtered ? `${plural(count, "fact")} matching the filters` : plural(count, "fact");
  const now = catalogue.facts.filter((f) => f.status === "ACTIVE").length;
  const first = catalogue.days[0];
  let text;
  if (!state.known) text = `Now the record shows ${noun}.`;
  else if (count === 0 && !filtered && first && state.known < first) {
    text = `On ${formatLongDay(state.known)} the record showed nothing yet: its first facts became known on ${formatLongDay(first)}.`;
  } else
    text = `On ${formatLongDay(state.known)} the record showed ${noun}${filtered ? "" : ` (${now} now)`}.`;
  const moved = [
    changes.added.size && `${changes.added.size} new`,
    changes.revised.size && `${changes.revised.size} changed`,
    gone && `${gone} gone`,
  ].filter(Boolean);
  return moved.length ? `${text} Since the previous position: ${moved.join(", ")}.` : text;
}

async function loadChart() {
  const measure = catalogue.measures.find((m) => m.key === state.measure);
  if (!measure) {
    fill(els.chart, h("p", { class: "empty" }, "No measures in the record yet."));
    return;
  }
  const ticket = ++tickets.chart;
  els.chart.setAttribute("aria-busy", "true");
  const data = await request(TOTALS, {
    measure: measure.key,
    knownAt: state.known || null,
    withNow: Boolean(state.known),
  });
  if (ticket !== tickets.chart) return;
  chartData = { ...data, measure };
  drawChart();
  els.chart.dataset.knownAt = state.known || "now";
  els.chart.setAttribute("aria-busy", "false");
}

function drawChart() {
  if (!chartData) return;
  const focused = document.activeElement?.closest?.("[data-mark]")?.dataset.mark;
  const { known, now, measure } = chartData;
  chartMarks = renderChart(els.chart, {
    known,
    now: now ?? null,
    unit: known.unit,
    title: measure.label,
    knownAt: state.known,
    selectedKey: selectedMark,
    onSelect: selectMark,
  });
  if (focused) els.chart.querySelector(`[data-mark="${CSS.escape(focused)}"]`)?.focus();
  const mark = chartMarks.find((m) => m.key === selectedMark) ?? null;
  renderMarkDetail(els.detail, mark, known.unit, openFact);
  els.chartNote.textContent = [
    ...known.contested.map((contest) => contestLabel(contest, known.unit)),
    ...known.warnings,
  ].join(" ");
}

function selectMark(key) {
  selectedMark = key;
  drawChart();
}

async function loadPanel() {
  if (!state.fact) {
    els.panel.hidden = true;
    return;
  }
  const ticket = ++tickets.fact;
  const data = await request(FACT, { id: state.fact, knownAt: state.known || null });
  if (ticket !== tickets.fact) return;
  const entry = catalogue.facts.find((f) => f.id === state.fact);
  renderFact(els.panelBody, data.fact, {
    knownAt: state.known,
    firstReported: entry?.firstReported,
  });
  els.panel.hidden = false;
  els.panel.dataset.knownAt = state.known || "now";
}

// ---- actions -------------------------------------------------------------------------------

async function openFact(id) {
  state.fact = id;
  writeState(state);
  for (const button of els.groups.querySelectorAll(".fact-open")) {
    button.setAttribute(
      "aria-expanded",
      String(button.closest("[data-fact-id]").dataset.factId === id),
    );
  }
  try {
    await loadPanel();
  } catch (error) {
    els.error.textContent = `Could not load the fact: ${error.message}`;
    els.error.hidden = false;
    return;
  }
  $("fact-title")?.focus({ preventScroll: true });
  els.panel.scrollIntoView({ block: "nearest" });
}

function closeFact() {
  const id = state.fact;
  state.fact = "";
  writeState(state);
  els.panel.hidden = true;
  const item = els.groups.querySelector(`[data-fact-id="${CSS.escape(id)}"] .fact-open`);
  item?.setAttribute("aria-expanded", "false");
  item?.focus();
}

function fillSelect(select, values, label, everything) {
  const current = state[select.name];
  const options = values.includes(current) || !current ? values : [current, ...values];
  fill(
    select,
    h("option", { value: "" }, everything),
    ...options.map((value) => h("option", { value }, label(value))),
  );
  select.value = current;
}

function fillFilters() {
  const vocabulary = (pick) =>
    [...new Set(catalogue.facts.flatMap(pick))].sort((a, b) => a.localeCompare(b));
  const { elements } = els.form;
  fillSelect(
    elements.topic,
    vocabulary((f) => f.topics),
    humanise,
    "All topics",
  );
  fillSelect(
    elements.actor,
    vocabulary((f) => f.actors),
    String,
    "All actors",
  );
  fillSelect(
    elements.place,
    vocabulary((f) => f.places),
    String,
    "All places",
  );
  fillSelect(
    elements.kind,
    vocabulary((f) => [f.kind]),
    humanise,
    "All kinds",
  );
  elements.q.value = state.q;
  // Percentages are never added up, so they have no running total to draw.
  const additive = catalogue.measures.filter((m) => m.unit !== "percent");
  if (!additive.some((m) => m.key === state.measure)) {
    state.measure = (additive.find((m) => /^[A-Z]{3}$/.test(m.unit)) ?? additive[0])?.key ?? "";
  }
  fill(els.measure, ...additive.map((m) => h("option", { value: m.key }, m.label)));
  els.measure.value = state.measure;
}

function announce(text) {
  els.announcer.textContent = "";
  // A fresh node each time, so that the same words are announced twice.
  requestAnimationFrame(() => els.announcer.append(h("p", {}, text)));
}

async function arrived({ factChanged: change }) {
  sawPosition(change.position); // the reads below must reflect this change
  await loadCatalogue();
  fillFilters();
  slider.setRange(catalogue.days, state.known);
  const { fact } = change;
  if (change.type === "RECORDED") freshIds.add(fact.id);
  const visible = !state.known || state.known >= fact.firstReported;
  const what = {
    RECORDED: "New fact",
    CORROBORATED: "New source for",
    REVISED: "Revised",
    RETRACTED: "Retracted",
  };
  announce(
    `${what[change.type] ?? "Changed"}: “${fact.title}”.` +
      (visible
        ? ""
        : ` It is known from ${formatDay(fact.firstReported)}; slide to Now to see it.`),
  );
  await refresh();
}

// ---- wiring --------------------------------------------------------------------------------

els.form.addEventListener("submit", (event) => event.preventDefault());
els.form.addEventListener("change", (event) => {
  if (event.target.name === "q" || !FILTERS.includes(event.target.name)) return;
  state[event.target.name] = event.target.value;
  writeState(state);
  loadFacts().catch(showError);
});
let searchTimer = 0;
els.form.elements.q.addEventListener("input", (event) => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => {
    state.q = event.target.value.trim();
    writeState(state);
    loadFacts().catch(showError);
  }, 250);
});
els.form.addEventListener("reset", () => {
  for (const key of FILTERS) state[key] = "";
  writeState(state);
  loadFacts().catch(showError);
});
els.measure.addEventListener("change", () => {
  state.measure = els.measure.value;
  selectedMark = "";
  writeState(state);
  loadChart().catch(showError);
});
els.closePanel.addEventListener("click", closeFact);
els.panel.addEventListener("keydown", (event) => {
  if (event.key === "Escape") closeFact();
});
// What sticks to the top of the window has to be kept clear of, whatever its height.
new ResizeObserver(([entry]) => {
  const height = entry.target.getBoundingClientRect().height;
  document.documentElement.style.setProperty("--replay-height", `${Math.ceil(height)}px`);
}).observe(document.querySelector(".replay"));
let chartWidth = 0;
new ResizeObserver(([entry]) => {
  const width = Math.round(entry.contentRect.width);
  if (width !== chartWidth) {
    chartWidth = width;
    drawChart();
  }
}).observe(els.chart);

function showError(error) {
  els.error.textContent = `Could not load from the API: ${error.message}`;
  els.error.hidden = false;
}

async function start() {
  try {
    await loadCatalogue();
  } catch (error) {
    showError(error);
    return;
  }
  fillFilters();
  slider.setRange(catalogue.days, state.known);
  writeState(state);
  await refresh();
  let offline = false;
  subscribe(LIVE, {
    onNext: (data) => arrived(data).catch(showError),
    onStatus: (status) => {
      els.liveStatus.dataset.status = status;
      els.liveStatus.textContent = status === "live" ? "Live" : "Reconnecting…";
      // Whatever happened while the socket was down is in the record: read it again.
      if (status === "live" && offline) loadCatalogue().then(refresh).catch(showError);
      offline = status !== "live";
    },
  });
}

start();
startWriters();
