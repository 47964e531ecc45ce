// A measure's running total as an SVG chart: the total as a line, the lower-upper band around
// it, the cumulative checkpoints as diamonds with their bounds and periods, and, in grey, the
// same measure as known now, so figures visibly arrive and move as the slider replays.
import {
  dayNumber,
  describeFuzzy,
  formatDay,
  formatMonth,
  fromDayNumber,
  fuzzyStart,
} from "./dates.js";
import { fill, h, svg } from "./dom.js";
import { describeBounds, describeFigure, formatAmount, plural } from "./numbers.js";
import { sourceList } from "./sources.js";

/** The marks of a running total: totals and checkpoints, each with a key and its data. */
export function marksOf(series) {
  const totals = series.points.map((point) => ({
    kind: "total",
    key: `total:${point.date}`,
    ...point,
  }));
  const checkpoints = series.checkpoints.map((checkpoint, index) => ({
    kind: "checkpoint",
    key: `checkpoint:${checkpoint.date}:${index}`,
    ...checkpoint,
  }));
  return [...totals, ...checkpoints];
}

/**
 * Draw `known` (the running total as known at knownAt) into `figure`, with `now` (as known
 * today) in grey behind it when the slider is in the past. onSelect(mark) hears clicks and
 * Enter on a mark.
 */
export function renderChart(figure, { known, now, unit, title, knownAt, selectedKey, onSelect }) {
  const width = Math.max(280, Math.round(figure.clientWidth || 600));
  const narrow = width < 480;
  const height = narrow ? 240 : 300;
  const margin = { top: 24, right: 18, bottom: 30, left: narrow ? 56 : 76 };
  const layers = [known, now].filter(Boolean);
  const scale = scales(layers, { width, height, margin }, unit);
  const marks = marksOf(known);

  const chart = svg(
    "svg",
    {
      class: "chart",
      viewBox: `0 0 ${width} ${height}`,
      width,
      height,
      role: "group",
      "aria-label": `${title}: running total ${knownAt ? `as known on ${formatDay(knownAt)}` : "as known now"}`,
    },
    axes(scale, unit),
    now &&
      svg(
        "g",
        { class: "ghost", "aria-hidden": "true" },
        series(now, scale, unit, { covered: checkpointsOf(known) }),
      ),
    knownAt && knownAtRule(scale, knownAt),
    svg("g", { class: "known" }, series(known, scale, unit, { select: { selectedKey, onSelect } })),
    marks.length === 0 &&
      svg(
        "text",
        { class: "empty", x: width / 2, y: height / 2, "text-anchor": "middle" },
        now && marksOf(now).length
          ? "Nothing known yet: grey marks are known later"
          : "No figures for this measure",
      ),
  );
  fill(figure, chart, legend(Boolean(now)), table(marks, unit, onSelect));
  return marks;
}

function scales(layers, { width, height, margin }, unit) {
  const days = [];
  const values = [0];
  for (const layer of layers) {
    for (const point of layer.points) {
      days.push(dayNumber(point.date));
      values.push(...[point.total, point.lower, point.upper].filter(isSet).map(Number));
    }
    for (const checkpoint of layer.checkpoints) {
      const start = fuzzyStart(checkpoint.reading.figure.period);
      days.push(dayNumber(checkpoint.date), ...(start ? [dayNumber(start)] : []));
      const { lower, upper } = checkpoint.reading.figure;
      values.push(Number(checkpoint.value), ...[lower, upper].filter(isSet).map(Number));
    }
  }
  let first = Math.min(...days);
  let last = Math.max(...days);
  if (!Number.isFinite(first)) first = last = dayNumber(new Date().toISOString().slice(0, 10));
  const pad = first === last ? 180 : Math.max(15, (last - first) * 0.04);
  first -= pad;
  last += pad;
  const yTicks = niceTicks(Math.max(...values) * 1.08 || 1);
  const top = yTicks.at(-1);
  const plot = {
    left: margin.left,
    right: width - margin.right,
    top: margin.top,
    bottom: height - margin.bottom,
  };
  return {
    plot,
    unit,
    yTicks,
    xTicks: timeTicks(first, last, Math.max(2, Math.floor((plot.right - plot.left) / 90))),
    x: (day) => plot.left + ((day - first) / (last - first)) * (plot.right - plot.left),
    y: (value) => plot.bottom - (Number(value) / top) * (plot.bottom - plot.top),
    inside: (day) => day >= first && day <= last,
  };
}

const isSet = (value) => value !== null && value !== undefined;

function niceTicks(max, count = 4) {
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw);
  const ticks = [];
  for (let value = 0; value < max + step; value += step) ticks.push(value);
  return ticks;
}

// Month starts every 1, 3, 6, 12, 24 or 60 months: the finest that fits `most` labels.
function timeTicks(first, last, most) {
  const start = fromDayNumber(Math.ceil(first));
  const months = (last - first) / 30.44;
  const every = [1, 3, 6, 12, 24, 60, 120].find((n) => months / n <= most) ?? 120;
  const ticks = [];
  let year = Number(start.slice(0, 4));
  let month = Number(start.slice(5, 7)) - 1;
  for (;;) {
    const total = year * 12 + month;
    if (total % every === 0) {
      const iso = `${year}-${String(month + 1).padStart(2, "0")}-01`;
      const day = dayNumber(iso);
      if (day > last) break;
      if (day >= first) ticks.push({ day, label: every >= 12 ? String(year) : formatMonth(iso) });
    }
    month += 1;
    if (month === 12) [year, month] = [year + 1, 0];
  }
  return ticks;
}

function axes(scale, unit) {
  const { plot } = scale;
  return svg(
    "g",
    { class: "axes", "aria-hidden": "true" },
    scale.yTicks.map((value) =>
      svg(
        "g",
        {},
        svg("line", {
          class: "grid",
          x1: plot.left,
          x2: plot.right,
          y1: scale.y(value),
          y2: scale.y(value),
        }),
        svg(
          "text",
          { x: plot.left - 8, y: scale.y(value) + 4, "text-anchor": "end" },
          formatAmount(value, unit, { compact: true }),
        ),
      ),
    ),
    svg("line", {
      class: "baseline",
      x1: plot.left,
      x2: plot.right,
      y1: plot.bottom,
      y2: plot.bottom,
    }),
    scale.xTicks.map(({ day, label }) =>
      svg(
        "g",
        {},
        svg("line", {
          class: "tick",
          x1: scale.x(day),
          x2: scale.x(day),
          y1: plot.bottom,
          y2: plot.bottom + 5,
        }),
        svg("text", { x: scale.x(day), y: plot.bottom + 20, "text-anchor": "middle" }, label),
      ),
    ),
  );
}

const checkpointsOf = (layer) => new Set(layer.checkpoints.map((c) => `${c.date} ${c.value}`));

// The band, line and marks of one series; interactive when `select` is given. Checkpoints in
// `covered` are drawn by another layer on top, so they get no second label.
function series(layer, scale, unit, { select = null, covered = new Set() }) {
  const { plot } = scale;
  const points = layer.points.map((p) => ({ ...p, px: scale.x(dayNumber(p.date)) }));
  const upperY = (p) => (isSet(p.upper) ? scale.y(p.upper) : plot.top);
  const lowerY = (p) => scale.y(isSet(p.lower) ? p.lower : 0);
  const parts = [];
  if (points.length > 1) {
    const outline = [
      ...points.map((p) => `${p.px},${upperY(p)}`),
      ...points.reverse().map((p) => `${p.px},${lowerY(p)}`),
    ];
    points.reverse();
    parts.push(svg("polygon", { class: "band", points: outline.join(" ") }));
    parts.push(
      svg("polyline", {
        class: "line",
        points: points.map((p) => `${p.px},${scale.y(p.total)}`).join(" "),
      }),
    );
  }
  for (const point of points) {
    parts.push(
      whisker(point.px, lowerY(point), upperY(point), !isSet(point.upper)),
      markGroup(
        select,
        `total:${point.date}`,
        totalLabel(point, unit),
        { x: point.px, y: scale.y(point.total) },
        svg("circle", { class: "dot", cx: point.px, cy: scale.y(point.total), r: 5 }),
      ),
    );
  }
  layer.checkpoints.forEach((checkpoint, index) => {
    const cx = scale.x(dayNumber(checkpoint.date));
    const cy = scale.y(checkpoint.value);
    const figure = checkpoint.reading.figure;
    const start = fuzzyStart(figure.period);
    if (start && scale.inside(dayNumber(start))) {
      parts.push(
        svg("line", { class: "period", x1: scale.x(dayNumber(start)), x2: cx, y1: cy, y2: cy }),
      );
      parts.push(
        svg("line", {
          class: "period-end",
          x1: scale.x(dayNumber(start)),
          x2: scale.x(dayNumber(start)),
          y1: cy - 5,
          y2: cy + 5,
        }),
      );
    }
    const high = isSet(figure.upper) ? scale.y(figure.upper) : plot.top;
    if (layer.checkpoints.length <= 4 && !covered.has(`${checkpoint.date} ${checkpoint.value}`)) {
      parts.push(valueLabel(checkpoint, cx, cy, scale, select));
    }
    parts.push(
      whisker(cx, scale.y(isSet(figure.lower) ? figure.lower : 0), high, !isSet(figure.upper)),
      markGroup(
        select,
        `checkpoint:${checkpoint.date}:${index}`,
        select ? checkpointLabel(checkpoint, unit) : "",
        { x: cx, y: cy },
        svg("path", { class: "diamond", d: `M${cx},${cy - 7} l7,7 l-7,7 l-7,-7 z` }),
      ),
    );
  });
  return parts;
}

// "more than £650M" beside a checkpoint; in grey, also when it became known.
function valueLabel(checkpoint, cx, cy, scale, select) {
  const { figure } = checkpoint.reading;
  const words = describeFigure(figure, { compact: true });
  const text = select ? words : `${words}, known from ${formatDay(checkpoint.reading.reported)}`;
  const leftHalf = cx < (scale.plot.left + scale.plot.right) / 2;
  return svg(
    "text",
    {
      class: "value",
      x: leftHalf ? cx + 12 : cx - 12,
      y: cy + 18,
      "text-anchor": leftHalf ? "start" : "end",
    },
    text,
  );
}

function whisker(x, y1, y2, open) {
  return svg(
    "g",
    { class: "whisker", "aria-hidden": "true" },
    svg("line", { x1: x, x2: x, y1, y2 }),
    open
      ? svg("path", { class: "arrow", d: `M${x - 4},${y2 + 6} L${x},${y2} L${x + 4},${y2 + 6}` })
      : null,
  );
}

function markGroup(select, key, label, centre, shape) {
  if (!select) return shape;
  const activate = () => select.onSelect(key);
  return svg(
    "g",
    {
      class: `mark${key === select.selectedKey ? " selected" : ""}`,
      role: "button",
      tabindex: "0",
      "aria-label": label,
      "aria-pressed": String(key === select.selectedKey),
      dataset: { mark: key },
      onclick: activate,
      onkeydown: (event) => {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          activate();
        }
      },
    },
    shape,
    svg("circle", { class: "hit", cx: centre.x, cy: centre.y, r: 14 }),
  );
}

function knownAtRule(scale, knownAt) {
  const day = dayNumber(knownAt);
  if (!scale.inside(day)) return null;
  const x = scale.x(day);
  return svg(
    "g",
    { class: "known-at-rule", "aria-hidden": "true" },
    svg("line", { x1: x, x2: x, y1: scale.plot.top - 8, y2: scale.plot.bottom }),
    svg(
      "text",
      { x: x - 4, y: scale.plot.top - 12, "text-anchor": "end" },
      `known at ${formatDay(knownAt)}`,
    ),
  );
}

const totalLabel = (point, unit) =>
  `Running total at ${formatDay(point.date)}: ${formatAmount(point.total, unit)} (bounds: ${describeBounds(point, unit)}); ${plural(point.facts?.length ?? 0, "fact")}`;

const checkpointLabel = (checkpoint, unit) =>
  `Checkpoint at ${formatDay(checkpoint.date)}: ${describeFigure(checkpoint.reading.figure)} for ${describeFuzzy(checkpoint.reading.figure.period)} (bounds: ${describeBounds(checkpoint.reading.figure, unit)})`;

function legend(withNow) {
  const item = (swatch, text) =>
    h("li", {}, h("span", { class: `swatch ${swatch}`, "aria-hidden": "true" }), text);
  return h(
    "ul",
    { class: "legend" },
    item("line", "Running total (the amounts reported for periods ending by then)"),
    item("band", "Lower to upper bound; an arrow means no upper bound"),
    item("diamond", "Cumulative checkpoint: a total a source reported, with the period it covers"),
    withNow && item("ghost", "Grey: as known now, not yet known on the chosen day"),
  );
}

function table(marks, unit, onSelect) {
  return h(
    "details",
    { class: "chart-table" },
    h("summary", {}, "The figures as a table"),
    marks.length === 0
      ? h("p", {}, "No figures known on this day.")
      : h(
          "div",
          { class: "table-scroll" },
          h(
            "table",
            {},
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                ["Date", "What", "Amount", "Bounds", "Behind it"].map((t) =>
                  h("th", { scope: "col" }, t),
                ),
              ),
            ),
            h(
              "tbody",
              {},
              marks.map((mark) =>
                h(
                  "tr",
                  {},
                  h("td", {}, formatDay(mark.date)),
                  h("td", {}, mark.kind === "total" ? "Running total" : "Checkpoint"),
                  h(
                    "td",
                    {},
                    mark.kind === "total"
                      ? formatAmount(mark.total, unit)
                      : describeFigure(mark.reading.figure),
                  ),
                  h(
                    "td",
                    {},
                    describeBounds(mark.kind === "total" ? mark : mark.reading.figure, unit),
                  ),
                  h(
                    "td",
                    {},
                    h(
                      "button",
                      { type: "button", onclick: () => onSelect(mark.key) },
                      "Facts and sources",
                    ),
                  ),
                ),
              ),
            ),
          ),
        ),
  );
}

/** What lies behind a mark: the facts a total sums, or the reading a checkpoint reports. */
export function renderMarkDetail(container, mark, unit, onOpen) {
  if (!mark) {
    fill(
      container,
      h(
        "p",
        { class: "hint" },
        "Choose a point on the chart to see the facts and sources behind it.",
      ),
    );
    return;
  }
  const openButton = (fact) =>
    h(
      "button",
      {
        type: "button",
        class: "link",
        "aria-controls": "fact-panel",
        onclick: () => onOpen(fact.id),
      },
      fact.title,
    );
  if (mark.kind === "total") {
    fill(
      container,
      h("h3", { tabindex: "-1" }, `Running total at ${formatDay(mark.date)}`),
      h(
        "p",
        {},
        `${formatAmount(mark.total, unit)}. Bounds: ${describeBounds(mark, unit)}. It sums ${plural(mark.facts.length, "fact")}:`,
      ),
      h(
        "ul",
        { class: "behind" },
        mark.facts.map((fact) => h("li", {}, openButton(fact), sourceList(fact.sources))),
      ),
    );
    return;
  }
  const { reading } = mark;
  const computed = Number(mark.value) - Number(mark.discrepancy);
  fill(
    container,
    h("h3", { tabindex: "-1" }, `Checkpoint at ${formatDay(mark.date)}`),
    h(
      "p",
      {},
      `${describeFigure(reading.figure)} for ${describeFuzzy(reading.figure.period)}. Bounds: ${describeBounds(reading.figure, unit)}.`,
    ),
    computed !== 0 &&
      h(
        "p",
        {},
        `The amounts counted over the same period add up to ${formatAmount(computed, unit)}${mark.consistent ? ", which agrees with it." : ", which cannot agree with it."}`,
      ),
    h(
      "ul",
      { class: "behind" },
      h("li", {}, reading.fact ? openButton(reading.fact) : null, sourceList([reading.source])),
    ),
  );
}
