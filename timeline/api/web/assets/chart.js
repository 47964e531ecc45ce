// A measure's running total as an SVG chart: the total as a line, the lower-upper band around
// it, the cumulative checkpoints as diamonds with their bounds and periods, and, in grey, the
// same measure as known now, so figures visibly arrive and move as the slider replays.
import { dayNumber, formatDay, formatMonth, fromDayNumber, fuzzyStart } from "./dates.js";
import { fill, h, svg } from "./dom.js";
import { checkpointLabel, marksOf, table, totalLabel } from "./marks.js";
import { describeFigure, formatAmount } from "./numbers.js";

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
      const { lower, upper } = boundsOf(checkpoint);
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
    const bounds = boundsOf(checkpoint);
    const high = isSet(bounds.upper) ? scale.y(bounds.upper) : plot.top;
    if (layer.checkpoints.length <= 4 && !covered.has(`${checkpoint.date} ${checkpoint.value}`)) {
      parts.push(valueLabel(checkpoint, cx, cy, scale, select));
    }
    parts.push(
      whisker(cx, scale.y(isSet(bounds.lower) ? bounds.lower : 0), high, !isSet(bounds.upper)),
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

// A checkpoint's own bounds (covering every side when contested); the layer of what is
// known now asks only for its reading's.
const boundsOf = (checkpoint) => ("lower" in checkpoint ? checkpoint : checkpoint.reading.figure);

// "more than £650M" beside a checkpoint; in grey, also when it became known.
function valueLabel(checkpoint, cx, cy, scale, select) {
  const { figure } = checkpoint.reading;
  const words = checkpoint.contested
    ? `contested: ${checkpoint.readings.map((r) => describeFigure(r.figure, { compact: true })).join(" or ")}`
    : describeFigure(figure, { compact: true });
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
