// Figures in words: amounts in their unit, qualifiers, and the honest bounds around them.
const QUALIFIERS = {
  EXACT: "",
  ABOUT: "about",
  AT_LEAST: "at least",
  MORE_THAN: "more than",
  AT_MOST: "at most",
  LESS_THAN: "less than",
  ALMOST: "almost",
};

/** 1, "fact" -> "1 fact"; 3, "fact" -> "3 facts". */
export const plural = (count, noun) => `${count} ${noun}${count === 1 ? "" : "s"}`;

const isCurrency = (unit) => /^[A-Z]{3}$/.test(unit);

/** "650000000", "GBP" -> "£650,000,000"; compact: "£650M". Decimals arrive as strings. */
export function formatAmount(value, unit, { compact = false } = {}) {
  const number = Number(value);
  const notation = compact ? "compact" : "standard";
  if (isCurrency(unit)) {
    try {
      return new Intl.NumberFormat("en-GB", {
        style: "currency",
        currency: unit,
        notation,
        minimumFractionDigits: 0,
        maximumFractionDigits: compact ? 1 : 2,
      }).format(number);
    } catch {
      // Not a currency Intl knows: fall through to a plain number and the code.
    }
  }
  const plain = new Intl.NumberFormat("en-GB", {
    notation,
    maximumFractionDigits: compact ? 1 : 2,
  }).format(number);
  if (unit === "percent") return `${plain}%`;
  return compact ? plain : `${plain} ${unit}`;
}

/** { value, unit, qualifier } -> "more than £650,000,000" (compact: "more than £650M"). */
export function describeFigure(figure, { compact = false } = {}) {
  const words = QUALIFIERS[figure.qualifier] ?? figure.qualifier.toLowerCase();
  const amount = formatAmount(figure.value, figure.unit, { compact });
  return words ? `${words} ${amount}` : amount;
}

/** The range the true amount lies in: "between 1,800 and 2,000 people", "more than £650M". */
export function describeBounds(
  { lower, upper, lowerInclusive = true, upperInclusive = true },
  unit,
) {
  const low = lower === null || lower === undefined ? null : formatAmount(lower, unit);
  const high = upper === null || upper === undefined ? null : formatAmount(upper, unit);
  if (low !== null && high !== null) {
    if (low === high) return `exactly ${low}`;
    return `from ${low}${lowerInclusive ? "" : " (exclusive)"} to ${high}${upperInclusive ? "" : " (exclusive)"}`;
  }
  if (low !== null) return `${lowerInclusive ? "at least" : "more than"} ${low}, no upper bound`;
  if (high !== null) return `${upperInclusive ? "at most" : "less than"} ${high}`;
  return "no bounds";
}
