// The "known at" slider: one step a day, from the month before the record's first knowledge
// day to now, with the days the record changed as ticks and as stops for the buttons.
import {
  addMonths,
  dayNumber,
  formatDay,
  formatLongDay,
  fromDayNumber,
  monthStart,
  todayIso,
} from "./dates.js";

export class KnownAtSlider {
  /** elements: { input, output, ticks, previous, next, now }; onChange(isoDayOrEmpty). */
  constructor(elements, onChange) {
    Object.assign(this, elements);
    this.onChange = onChange;
    this.days = [];
    this.first = this.last = todayIso();
    this.input.addEventListener("input", () => this.#moved());
    this.input.addEventListener("keydown", (event) => this.#pageKeys(event));
    this.previous.addEventListener("click", () => this.#jump(-1));
    this.next.addEventListener("click", () => this.#jump(1));
    this.now.addEventListener("click", () => this.set("", true));
  }

  /** The days the record changed (sorted ISO days) and the day to show ("" for now). */
  setRange(knowledgeDays, selected) {
    this.days = knowledgeDays;
    const today = todayIso();
    const firstKnown = knowledgeDays[0] ?? today;
    const lastKnown = knowledgeDays.at(-1) ?? today;
    // A month of lead-in, so the empty record before its first source can be seen.
    this.first = [monthStart(firstKnown, -1), selected].filter(Boolean).sort()[0];
    this.last = [today, lastKnown, selected].filter(Boolean).sort().at(-1);
    this.input.min = "0";
    this.input.max = String(dayNumber(this.last) - dayNumber(this.first));
    this.ticks.replaceChildren(
      ...knowledgeDays.map((day) => {
        const option = document.createElement("option");
        option.value = String(dayNumber(day) - dayNumber(this.first));
        option.label = formatDay(day);
        return option;
      }),
    );
    this.set(selected, false);
  }

  /** The day shown, or "" when the slider is at now. */
  get value() {
    const position = Number(this.input.value);
    return position >= Number(this.input.max)
      ? ""
      : fromDayNumber(dayNumber(this.first) + position);
  }

  set(day, notify) {
    const position = day ? dayNumber(day) - dayNumber(this.first) : Number(this.input.max);
    this.input.value = String(position);
    this.#label();
    if (notify) this.onChange(this.value);
  }

  #moved() {
    this.#label();
    this.onChange(this.value);
  }

  #label() {
    const day = this.value;
    const text = day ? formatLongDay(day) : `now (${formatLongDay(this.last)})`;
    this.output.value = day ? formatLongDay(day) : "Now";
    this.input.setAttribute("aria-valuetext", text);
    const current = day || this.last;
    this.previous.disabled = !this.days.some((d) => d < current) && current <= this.first;
    this.next.disabled = !day;
    this.now.disabled = !day;
  }

  // Page Up / Page Down move a month (arrows move a day, Home and End go to the ends).
  #pageKeys(event) {
    if (event.key !== "PageUp" && event.key !== "PageDown") return;
    event.preventDefault();
    const day = this.value || this.last;
    const moved = addMonths(day, event.key === "PageUp" ? 1 : -1);
    this.set(moved > this.last ? "" : moved < this.first ? this.first : moved, true);
  }

  // To the previous or next day the record changed; past the first, to the empty start.
  #jump(direction) {
    const day = this.value || this.last;
    if (direction < 0) {
      const earlier = this.days.filter((d) => d < day).at(-1);
      this.set(earlier ?? this.first, true);
    } else {
      const later = this.days.find((d) => d > day);
      this.set(later && later < this.last ? later : "", true);
    }
  }
}
