// Runs graphql-http's audit suite against a running server and prints one JSON report:
//   node audit.mjs http://127.0.0.1:8000/graphql
// Exits 0 when the audit ran (the Python test judges the report), 2 when it could not run.
import { auditServer } from "graphql-http";

const url = process.argv[2];
if (!url) {
  console.error("usage: node audit.mjs <graphql url>");
  process.exit(2);
}

const results = await auditServer({ url, fetchFn: fetch });
const report = await Promise.all(
  results.map(async (result) => ({
    id: result.id,
    name: result.name,
    status: result.status,
    reason: result.status === "ok" ? null : result.reason,
    response:
      result.status === "ok" || !result.response
        ? null
        : { status: result.response.status, body: await result.response.text() },
  })),
);
process.stdout.write(JSON.stringify(report));
