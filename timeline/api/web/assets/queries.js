// The GraphQL documents the page sends: all of them public queries and one subscription.
const FIGURE =
  "value unit qualifier basis period spanDays lower upper lowerInclusive upperInclusive";
const SOURCE = "publisher title url document publishedOn quote";

/** Everything in the record now, for the filters' choices, the axes and the slider's days. */
export const CATALOGUE = `query Catalogue($after: String) {
  measures { key label unit }
  timeline(first: 500, after: $after, filter: { includeRetracted: true }) {
    pageInfo { hasNextPage endCursor }
    edges { node {
      id kind status topics actors places occurredEarliest occurredLatest firstReported
      history { knownFrom }
    } }
  }
}`;

/** The facts as known at a day, filtered. */
export const FACTS = `query Facts($knownAt: Date, $filter: TimelineFilter, $after: String) {
  timeline(knownAt: $knownAt, filter: $filter, first: 500, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      id kind title occurred occurredEarliest occurredLatest topics actors places
      status revision firstReported
      figure { value unit qualifier }
      sources { publisher }
    } }
  }
}`;

/** One measure's running total as known at a day and, for comparison, as known now. */
export const TOTALS = `query Totals($measure: String!, $knownAt: Date, $withNow: Boolean!) {
  known: runningTotal(measure: $measure, knownAt: $knownAt, granularity: MONTH) {
    unit warnings
    points { date total lower upper contested facts { id title sources { ${SOURCE} } } }
    checkpoints {
      date value discrepancy consistent contested lower upper lowerInclusive upperInclusive
      reading { factId figure { ${FIGURE} } source { ${SOURCE} } fact { id title } }
      readings { factId figure { ${FIGURE} } source { ${SOURCE} } fact { id title } }
    }
    contested {
      period value lower upper lowerInclusive upperInclusive
      readings { figure { ${FIGURE} } source { publisher } }
    }
  }
  now: runningTotal(measure: $measure, granularity: MONTH) @include(if: $withNow) {
    points { date total lower upper }
    checkpoints { date value reading { reported figure { value unit qualifier period lower upper } } }
  }
}`;

/** One fact as known at a day, with its sources and its revision history. */
export const FACT = `query Fact($id: ID!, $knownAt: Date) {
  fact(id: $id, knownAt: $knownAt) {
    id kind title summary occurred occurredEarliest occurredLatest occurredPhrase dateNote
    topics actors places status revision firstReported
    figure { ${FIGURE} }
    readings { figure { ${FIGURE} } source { publisher publishedOn } }
    sources { ${SOURCE} }
    history {
      revision type changedFields reason knownFrom recordedAt
      source { publisher publishedOn }
    }
  }
}`;

/** Every fact recorded, corroborated, revised or retracted from now on. */
export const LIVE = `subscription Live {
  factChanged { type revision position fact { id title firstReported } }
}`;
