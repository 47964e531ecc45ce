// Calendar days (ISO "YYYY-MM-DD", always UTC) and fuzzy EDTF dates put into words.
const DAY_MS = 86_400_000;
const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;
const utc = (iso) => new Date(`${iso}T00:00:00Z`);

export const isIsoDay = (text) => ISO_DAY.test(text) && !Number.isNaN(utc(text).getTime());
export const dayNumber = (iso) => utc(iso).getTime() / DAY_MS;
export const fromDayNumber = (number) => new Date(number * DAY_MS).toISOString().slice(0, 10);
export const todayIso = () => new Date().toISOString().slice(0, 10);

/** The first day of the month `months` before or after the month of `iso`. */
export function monthStart(iso, months = 0) {
  const date = utc(iso);
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, 1))
    .toISOString()
    .slice(0, 10);
}

/** The same day of the month `months` away, clamped to that month's last day. */
export function addMonths(iso, months) {
  const date = utc(iso);
  const target = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0));
  target.setUTCDate(Math.min(date.getUTCDate(), lastDay.getUTCDate()));
  return target.toISOString().slice(0, 10);
}

const formats = {
  day: new Intl.DateTimeFormat("en-GB", {
    day: "numeric",
    month: "short",
    year: "numeric",
    timeZone: "UTC",
  }),
  longDay: new Intl.DateTimeFormat("en-GB", {
    day: "numeric",
    month: "long",
    year: "numeric",
    timeZone: "UTC",
  }),
  month: new Intl.DateTimeFormat("en-GB", { month: "short", year: "numeric", timeZone: "UTC" }),
};

export const formatDay = (iso) => formats.day.format(utc(iso));
export const formatLongDay = (iso) => formats.longDay.format(utc(iso));
export const formatMonth = (iso) => formats.month.format(utc(iso));

// One end of an EDTF date: a year, month or day, optionally ? (uncertain), ~ (approximate)
// or % (both).
const PART = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?[?~%]?$/;

function describePart(part) {
  const match = PART.exec(part);
  if (!match) return null;
  const [, year, month, day] = match;
  if (day) return formatDay(`${year}-${month}-${day}`);
  if (month) return formatMonth(`${year}-${month}-01`);
  return year;
}

/** Whether an EDTF date is marked approximate (~, %) or uncertain (?, %). */
export function fuzzyFlags(edtf) {
  return { approximate: /[~%]/.test(edtf), uncertain: /[?%]/.test(edtf) };
}

/** "2018/2025-10" -> "2018 – Oct 2025", "../2025-10" -> "up to Oct 2025"; anything this
 * does not read is told by its earliest and latest days instead. */
export function describeFuzzy(edtf, earliest = null, latest = null) {
  const parts = edtf.split("/");
  if (parts.length === 1) {
    const single = describePart(parts[0]);
    if (single) return single;
  } else if (parts.length === 2) {
    const [start, end] = parts;
    const from = start === ".." || start === "" ? null : describePart(start);
    const to = end === ".." || end === "" ? null : describePart(end);
    if (start === ".." && to) return `up to ${to}`;
    if (end === ".." && from) return `${from} onwards`;
    if (start === "" && to) return `unknown start – ${to}`;
    if (end === "" && from) return `${from} – unknown end`;
    if (from && to) return `${from} – ${to}`;
  }
  if (earliest && latest) {
    return earliest === latest
      ? formatDay(earliest)
      : `${formatDay(earliest)} – ${formatDay(latest)}`;
  }
  if (latest) return `up to ${formatDay(latest)}`;
  if (earliest) return `${formatDay(earliest)} onwards`;
  return edtf;
}

/** The first day an EDTF date can mean, when it has one ("2018/2025-10" -> "2018-01-01"). */
export function fuzzyStart(edtf) {
  const match = PART.exec(edtf.split("/")[0]);
  if (!match) return null;
  const [, year, month = "01", day = "01"] = match;
  return `${year}-${month}-${day}`;
}

/** The days a figure covers: its period, or "7 days within 22 Sep – 30 Oct 2025" when the
 * amount covers a span of known length somewhere inside the period. */
export function describeCovered(figure) {
  const window = describeFuzzy(figure.period);
  return figure.spanDays ? `${figure.spanDays} days within ${window}` : window;
}
