// Auth: every write route (taken from the OpenAPI document, so a new route is covered) answers
// 401 without a token or with a wrong one, and 403 with the read-only token, with a body that
// would otherwise succeed; every read route answers 401 without a token; nothing is written; and
// no token (right, wrong or malformed) ever appears in the control plane's or a node's output.
import { afterAll, expect, test } from "bun:test";
import { n, report } from "./helpers/report";
import { rawExchange } from "../helpers/raw-http";
import { paddedModule } from "../fixtures/guests";
import { READ_TOKEN, TOKEN } from "../helpers/control-api";
import { runToExit, type ServerProcess } from "../helpers/server-process";
import { RUNNER_MAIN } from "../helpers/runner-process";
import { get } from "../helpers/fetch-text";
import { CONTROL_MAIN, type ControlProcess, startControlProcess } from "../helpers/control-process";
import { startEdgeProcess } from "../helpers/edge-process";
import { tempDir } from "../helpers/temp-dir";
import { until } from "../helpers/until";

let control: ControlProcess | undefined;
let edge: ServerProcess | undefined;
afterAll(async () => {
  await edge?.stop("SIGKILL");
  await control?.stop("SIGKILL");
});

const WRONG = [
  "",
  "Bearer",
  "Bearer wrong-token-0123456789",
  `Bearer ${TOKEN.slice(0, -1)}X`,
  `Bearer ${TOKEN.toUpperCase()}`,
  `Bearer ${TOKEN} ${TOKEN}`,
  `Bearer ${READ_TOKEN}x`,
  `Basic ${btoa(`admin:${TOKEN}`)}`,
  `Token ${TOKEN}`,
  TOKEN,
  `Bearer ${"x".repeat(4000)}`,
  `Bearer ${TOKEN}%00`,
];

async function state(c: ControlProcess) {
  return {
    revision: ((await (await fetch(`${c.url}/healthz`)).json()) as { revision: number }).revision,
    functions: await (await c.api("/api/v1/functions")).text(),
  };
}

test("auth: every write route refuses a missing or wrong token (401) and the read-only token (403); tokens never reach a log", async () => {
  control = await startControlProcess(tempDir("rel-auth-control-"), { logLevel: "debug" });
  const fn = await control.createFunction({ name: "guarded", env: { SECRET: "s" } });
  await control.upload(fn.id, paddedModule("v1", 10));
  const before = await state(control);

  // Every route of the OpenAPI document, with a body that would succeed if the token were right.
  const doc = (await (await fetch(`${control.url}/swagger/json`)).json()) as {
    paths: Record<string, Record<string, unknown>>;
  };
  const form = () => {
    const f = new FormData();
    f.append("file", new Blob([paddedModule("v2", 10)]), "m.wasm");
    return f;
  };
  const bodies: Record<string, () => string | FormData> = {
    "POST /api/v1/functions": () => JSON.stringify({ name: "created-without-auth" }),
    "PATCH /api/v1/functions/{id}": () => JSON.stringify({ max_execution_ms: 1234 }),
    "POST /api/v1/functions/{id}/activate": () => JSON.stringify({ version: 1 }),
    "POST /api/v1/functions/{id}/upload": form,
  };
  const routes = Object.entries(doc.paths)
    .filter(([path]) => path.startsWith("/api/"))
    .flatMap(([path, methods]) => Object.keys(methods).map((m) => ({ method: m.toUpperCase(), path })));
  routes.push({ method: "GET", path: "/api/v1/watch" });
  const writes = routes.filter((r) => r.method !== "GET");
  const reads = routes.filter((r) => r.method === "GET");
  const wrong: string[] = [];
  let requests = 0;
  const send = async (route: { method: string; path: string }, authorization: string | null) => {
    requests++;
    const path = route.path.replace("{id}", fn.id).replace("{version}", "1");
    const headers: Record<string, string> = {};
    if (authorization !== null) headers.authorization = authorization;
    const make = bodies[`${route.method} ${route.path}`];
    if (make && route.method !== "GET") {
      const body = make();
      if (typeof body === "string") headers["content-type"] = "application/json";
      const res = await fetch(`${control!.url}${path}`, { method: route.method, headers, body }).catch(() => null);
      return {
        status: res?.status ?? 0,
        text: (await res?.text()) ?? "",
        auth: res?.headers.get("www-authenticate") ?? null,
      };
    }
    if (route.path === "/api/v1/watch") {
      // The WebSocket upgrade request, as a node sends it.
      const raw = await rawExchange(control!.url, "GET", path, {
        ...headers,
        upgrade: "websocket",
        connection: "Upgrade",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
        "sec-websocket-version": "13",
      });
      return { status: raw.status, text: raw.body, auth: raw.headers["www-authenticate"] ?? null };
    }
    const res = await fetch(`${control!.url}${path}`, { method: route.method, headers }).catch(() => null);
    return {
      status: res?.status ?? 0,
      text: (await res?.text()) ?? "",
      auth: res?.headers.get("www-authenticate") ?? null,
    };
  };
  const expectStatus = async (
    route: { method: string; path: string },
    authorization: string | null,
    status: number,
    code: string,
  ) => {
    const answer = await send(route, authorization);
    const ok =
      answer.status === status &&
      answer.text.includes(`"code":"${code}"`) &&
      (status !== 401 || answer.auth?.startsWith("Bearer") === true);
    if (!ok)
      wrong.push(
        `${route.method} ${route.path} with ${JSON.stringify((authorization ?? "no header").slice(0, 40))}: ${answer.status} ${answer.text.slice(0, 100)}`,
      );
  };
  for (const route of writes) {
    await expectStatus(route, null, 401, "unauthorized");
    for (const authorization of WRONG) await expectStatus(route, authorization, 401, "unauthorized");
    await expectStatus(route, `Bearer ${READ_TOKEN}`, 403, "forbidden");
  }
  for (const route of reads) {
    await expectStatus(route, null, 401, "unauthorized");
    for (const authorization of WRONG.slice(0, 6)) await expectStatus(route, authorization, 401, "unauthorized");
    if (route.path === "/api/v1/watch") continue; // accepted, it stays open: the node below follows it with the read-only token
    const withRead = await send(route, `Bearer ${READ_TOKEN}`);
    if (withRead.status === 401 || withRead.status === 403)
      wrong.push(`${route.method} ${route.path} refused the read-only token: ${withRead.status}`);
  }
  const after = await state(control);

  // A node with the read-only token, logging at debug, through an outage of the control plane.
  edge = await startEdgeProcess(control.url, tempDir("rel-auth-edge-"), "auth-node", [
    "--log-level",
    "debug",
    "--workers",
    "1",
  ]);
  await until("the node serves", async () => (await get(`${edge!.url}/guarded`)).status === 200);
  await control.stop("SIGKILL");
  await until(
    "the node logged the outage",
    () => edge!.lines().some((line) => line.includes("watch connection failed")),
    15_000,
  );
  const metricsText = await (await fetch(`${edge.url}/metrics`)).text();
  await edge.stop("SIGTERM");

  // Refused configurations do not echo the token they were given: a malformed one from the
  // environment, and one on the command line (refused as such: argv shows in ps).
  const refused = async (argv: string[], env: Record<string, string> = {}) => {
    const exit = await runToExit(argv, env);
    return exit.stdout + exit.stderr;
  };
  const badSecret = "bad secret with spaces 0123456789";
  const runnerMain = RUNNER_MAIN;
  const controlMain = CONTROL_MAIN;
  const configOutput =
    (await refused([runnerMain, "--control-plane", "http://127.0.0.1:1"], { EDGE_RUNNER_TOKEN: badSecret })) +
    (await refused([controlMain, "--data-dir", tempDir("rel-auth-bad-")], { EDGE_CONTROL_TOKEN: badSecret })) +
    (await refused([runnerMain, "--control-plane", "http://127.0.0.1:1", "--token", TOKEN])) +
    (await refused([controlMain, "--data-dir", tempDir("rel-auth-bad-"), "--token", TOKEN]));

  const outputs = [...control.lines(), ...edge.lines(), metricsText, configOutput].join("\n");
  const secrets = [TOKEN, READ_TOKEN, TOKEN.slice(0, -1), badSecret, btoa(`admin:${TOKEN}`)];
  const leaked = secrets.filter((secret) => outputs.includes(secret));
  console.log(
    `auth: ${writes.length} write and ${reads.length} read routes, ${requests} requests; ${wrong.length} wrong answers; ${control.lines().length + edge.lines().length} log lines checked, ${leaked.length} tokens found`,
  );
  report({
    scenario: "Auth",
    tried: `every write route of the OpenAPI document (${writes.map((r) => `${r.method} ${r.path.replace("/api/v1", "")}`).join(", ")}) without a token, with ${WRONG.length} wrong ones and with the read-only token; every read route without one; logs at debug of the control plane and a node through an outage`,
    amount: `${requests} requests; ${n(control.lines().length + edge.lines().length)} log lines and four refused configurations searched for 5 secrets`,
    lost: `${wrong.length} requests let through or answered otherwise, ${after.revision - before.revision} writes, ${leaked.length} tokens in logs`,
  });

  expect(writes.length).toBeGreaterThanOrEqual(5);
  expect(wrong).toEqual([]);
  expect(after).toEqual(before);
  expect(leaked).toEqual([]);
}, 60_000);
