// The view's state lives in the URL (?known=2025-10-01&topic=france&fact=…), so a view can be
// shared by its address. An empty `known` means now.
import { isIsoDay } from "./dates.js";

const KEYS = ["known", "q", "topic", "actor", "place", "kind", "measure", "fact"];

export function readState(search = window.location.search) {
  const params = new URLSearchParams(search);
  const state = Object.fromEntries(KEYS.map((key) => [key, params.get(key)?.trim() ?? ""]));
  if (!isIsoDay(state.known)) state.known = "";
  return state;
}

export function writeState(state) {
  const params = new URLSearchParams();
  for (const key of KEYS) if (state[key]) params.set(key, state[key]);
  const query = params.toString();
  const url = `${window.location.pathname}${query ? `?${query}` : ""}`;
  if (url !== `${window.location.pathname}${window.location.search}`) {
    window.history.replaceState(null, "", url);
  }
}

/** The timeline filter the API takes, from the state. */
export function timelineFilter(state) {
  const filter = {};
  if (state.topic) filter.topics = [state.topic];
  if (state.actor) filter.actors = [state.actor];
  if (state.place) filter.places = [state.place];
  if (state.kind) filter.kinds = [state.kind];
  if (state.q) filter.text = state.q;
  return filter;
}
