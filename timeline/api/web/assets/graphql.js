// The public GraphQL API: queries over HTTP, subscriptions over graphql-transport-ws.
const ENDPOINT = new URL("graphql", document.baseURI);

class ApiError extends Error {}

// The latest log position this page knows of (an event it was told of, or a write of its
// own): every read asks for read models that reflect at least that much, so what the page
// was just told about, or has just written, is in what it reads next, even when the
// projector is a moment behind.
let minPosition = 0;

/** The page has heard of the log reaching `position` (a subscription's event, a write). */
export function sawPosition(position) {
  if (Number.isSafeInteger(position) && position > minPosition) minPosition = position;
}

/** POST one operation; resolve to its data, reject with ApiError on any error. A writer's
 * bearer `token` goes in the Authorization header. */
export async function request(query, variables = {}, { signal, token } = {}) {
  const headers = {
    "Content-Type": "application/json",
    Accept: "application/graphql-response+json, application/json",
  };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (minPosition > 0) headers["Timeline-Min-Position"] = String(minPosition);
  const response = await fetch(ENDPOINT, {
    method: "POST",
    headers,
    body: JSON.stringify({ query, variables }),
    signal,
  });
  const body = await response.json().catch(() => null);
  if (body === null) throw new ApiError(`The API answered HTTP ${response.status}`);
  if (body.errors?.length) throw new ApiError(body.errors.map((e) => e.message).join("; "));
  return body.data;
}

/** Every page of a connection: `pick(data)` finds it, `after` pages on. */
export async function requestAll(query, variables, pick, options) {
  const nodes = [];
  let after = null;
  let first = null;
  do {
    const data = await request(query, { ...variables, after }, options);
    first ??= data;
    const connection = pick(data);
    nodes.push(...connection.edges.map((edge) => edge.node));
    after = connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null;
  } while (after);
  return { data: first, nodes };
}

/**
 * Subscribe over graphql-transport-ws, reconnecting with backoff when the socket drops.
 * onStatus hears "live" (acknowledged and subscribed) and "offline"; returns stop().
 */
export function subscribe(query, { onNext, onStatus }) {
  const url = new URL(ENDPOINT);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  let socket = null;
  let attempts = 0;
  let timer = 0;
  let stopped = false;

  const send = (message) => socket.send(JSON.stringify(message));

  function connect() {
    socket = new WebSocket(url, "graphql-transport-ws");
    socket.addEventListener("open", () => send({ type: "connection_init", payload: {} }));
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "connection_ack") {
        attempts = 0;
        send({ id: "live", type: "subscribe", payload: { query } });
        onStatus("live");
      } else if (message.type === "next" && message.payload.data) {
        onNext(message.payload.data);
      } else if (message.type === "ping") {
        send({ type: "pong" });
      } else if (message.type === "error" || message.type === "complete") {
        socket.close();
      }
    });
    socket.addEventListener("close", () => {
      if (stopped) return;
      onStatus("offline");
      timer = setTimeout(connect, Math.min(30_000, 1_000 * 2 ** attempts++));
    });
  }

  connect();
  return () => {
    stopped = true;
    clearTimeout(timer);
    socket?.close();
  };
}
