// The public GraphQL API: queries over HTTP, subscriptions over graphql-transport-ws.
const ENDPOINT = new URL("graphql", document.baseURI);

class ApiError extends Error {}

/** POST one operation; resolve to its data, reject with ApiError on any error. A writer's
 * bearer `token` goes in the Authorization header. */
export async function request(query, variables = {}, { signal, token } = {}) {
  const response = await fetch(ENDPOINT, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/graphql-response+json, application/json",
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
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
