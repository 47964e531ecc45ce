// The marks of a running total (its points and its checkpoints) in words: labels for screen
// readers, the chart's figures as a table, and the facts and sources behind a chosen mark.
import { describeCovered, describeFuzzy, formatDay } from "./dates.js";
import { fill, h } from "./dom.js";
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

export const totalLabel = (point, unit) =>
  `Running total at ${formatDay(point.date)}: ${formatAmount(point.total, unit)}${point.contested ? ", contested" : ""} (bounds: ${describeBounds(point, unit)}); ${plural(point.facts?.length ?? 0, "fact")}`;

/** What a checkpoint's sources reported: the agreed figure, or each side of a contest. */
export function reported(checkpoint) {
  if (!checkpoint.contested) return describeFigure(checkpoint.reading.figure);
  const sides = checkpoint.readings.map(
    (reading) => `${describeFigure(reading.figure)} (${reading.source.publisher})`,
  );
  return `contested: ${sides.join(" or ")}`;
}

/** Who reported a checkpoint: every source, when several reported it alike. */
export const publishers = (checkpoint) =>
  [...new Set(checkpoint.readings.map((reading) => reading.source.publisher))].join("; ");

/** A contested amount in words, for the note under the chart. */
export const contestLabel = (contest, unit) =>
  `Contested for ${describeFuzzy(contest.period)}: ${contest.readings
    .map((r) => `${describeFigure(r.figure)} (${r.source.publisher})`)
    .join(" and ")}; none was published later, so neither stands alone (bounds: ${describeBounds(contest, unit)}).`;

export const checkpointLabel = (checkpoint, unit) =>
  `Checkpoint at ${formatDay(checkpoint.date)}: ${reported(checkpoint)} for ${describeCovered(checkpoint.reading.figure)}, reported by ${publishers(checkpoint)} (bounds: ${describeBounds(checkpoint, unit)})`;

/** The figures as a table, each row with a button that chooses its mark. */
export function table(marks, unit, onSelect) {
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
                      ? `${formatAmount(mark.total, unit)}${mark.contested ? " (contested)" : ""}`
                      : `${reported(mark)}, reported by ${publishers(mark)}`,
                  ),
                  h("td", {}, describeBounds(mark, unit)),
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
      mark.contested &&
        h(
          "p",
          { class: "contested" },
          "Contested: sources published on the same day differ on an amount it sums, so the bounds cover every side.",
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
      { class: mark.contested ? "contested" : null },
      `${reported(mark)} for ${describeCovered(reading.figure)}, reported by ${publishers(mark)}. Bounds: ${describeBounds(mark, unit)}.`,
      mark.contested ? " None was published later, so neither stands alone." : "",
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
      mark.readings.map((each) =>
        h("li", {}, each.fact ? openButton(each.fact) : null, sourceList([each.source])),
      ),
    ),
  );
}
