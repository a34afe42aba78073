// The secret routes against a real control plane in this process: write-only values (no
// response, the OpenAPI document included, ever carries one), names and times listed, by id and
// by name, the bounds of a value, the read-only token, the 409 both ways between secret and env
// names, and 409 secrets_disabled without a key.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { errorOf, READ_TOKEN } from "../helpers/control-api";
import { putSecret, SECRETS_KEY } from "../helpers/secrets";
import { startTestControl, type TestControl } from "../helpers/test-control";

const VALUE = "s3cr3t-value-a8f2e1";
const NEXT = "s3cr3t-value-b7c4d9";
let control: TestControl;
let base = "";
/** Every response body and header the tests saw, to look for the values in. */
const seen: string[] = [];

async function call(path: string, init?: RequestInit & { token?: string }): Promise<Response> {
  const response = await control.api(path, init);
  const text = await response.text();
  seen.push(text, JSON.stringify([...response.headers]));
  return new Response(text, { status: response.status, headers: response.headers });
}

beforeAll(async () => {
  control = await startTestControl({ secretsKey: SECRETS_KEY });
  const fn = await control.createFunction({ name: "keeper", env: { GREETING: "hi" } });
  base = `/api/v1/functions/${fn.id}`;
});
afterAll(() => control.stop());

describe("PUT, GET, DELETE .../secrets", () => {
  test("PUT answers 201 with Location when new, 200 when replaced; names and times only, no-store", async () => {
    const created = await putSecret(call, base, "API_KEY", VALUE);
    expect(created.status).toBe(201);
    expect(created.headers.get("location")).toBe(`${base}/secrets/API_KEY`);
    expect(created.headers.get("cache-control")).toBe("no-store");
    const info = (await created.json()) as { key: string; updated_at: string };
    expect(Object.keys(info).sort()).toEqual(["key", "updated_at"]);
    const replaced = await putSecret(call, base, "API_KEY", NEXT, true);
    expect(replaced.status).toBe(200);
    expect(replaced.headers.get("location")).toBeNull();
    await putSecret(call, base, "DB_URL", `postgres://u:${VALUE}@db/x`);

    const list = await call(`${base}/secrets`, { token: READ_TOKEN });
    expect(list.status).toBe(200);
    expect(list.headers.get("cache-control")).toBe("no-store");
    const body = (await list.json()) as { secrets: { key: string; updated_at: string }[] };
    expect(body.secrets.map((s) => s.key)).toEqual(["API_KEY", "DB_URL"]);
    expect(Object.keys(body.secrets[0]!).sort()).toEqual(["key", "updated_at"]);
    expect(await (await call(`${base}/secrets/API_KEY`)).json()).toEqual(body.secrets[0]!);
    // Not in the function's record either.
    const record = (await (await call(base)).json()) as { env: Record<string, string> };
    expect(record.env).toEqual({ GREETING: "hi" });
  });

  test("by name: the same routes under /api/v1/functions/by-name/{name}", async () => {
    const named = "/api/v1/functions/by-name/keeper";
    const put = await putSecret(call, named, "TOKEN", VALUE);
    expect(put.status).toBe(201);
    expect(put.headers.get("location")).toBe(`${named}/secrets/TOKEN`);
    const list = (await (await call(`${named}/secrets`)).json()) as { secrets: { key: string }[] };
    expect(list.secrets.map((s) => s.key)).toEqual(["API_KEY", "DB_URL", "TOKEN"]);
    expect((await call(`${named}/secrets/TOKEN`, { method: "DELETE" })).status).toBe(204);
    expect(await errorOf(await call("/api/v1/functions/by-name/nobody/secrets"))).toMatchObject({
      code: "not_found",
      message: 'no function named "nobody"',
    });
  });

  test("DELETE answers 204, then 404 secret_not_found; an unknown function 404", async () => {
    await putSecret(call, base, "GONE", VALUE);
    expect((await call(`${base}/secrets/GONE`, { method: "DELETE" })).status).toBe(204);
    expect(await errorOf(await call(`${base}/secrets/GONE`, { method: "DELETE" }))).toMatchObject({
      code: "secret_not_found",
    });
    expect((await errorOf(await call(`${base}/secrets/GONE`))).code).toBe("secret_not_found");
    expect((await errorOf(await putSecret(call, "/api/v1/functions/no-such-id", "K", VALUE))).code).toBe("not_found");
  });

  test("the read-only token may list, never set or delete", async () => {
    expect((await call(`${base}/secrets/X`, { method: "PUT", body: VALUE, token: READ_TOKEN })).status).toBe(403);
    expect((await call(`${base}/secrets/API_KEY`, { method: "DELETE", token: READ_TOKEN })).status).toBe(403);
    expect((await control.fetch(`${base}/secrets`)).status).toBe(401);
  });
});

describe("bounds", () => {
  test("keys follow the env pattern; values are UTF-8, at most 16384 characters, not an empty body", async () => {
    const refused = async (response: Promise<Response>, status: number, field: string) => {
      const r = await response;
      expect(r.status).toBe(status);
      const error = await errorOf(r);
      expect(error.field).toBe(field);
      return error;
    };
    await refused(putSecret(call, base, "1ABC", VALUE), 422, "key");
    await refused(putSecret(call, base, "A-B", VALUE), 422, "key");
    await refused(putSecret(call, base, "K".repeat(129), VALUE), 422, "key");
    await refused(putSecret(call, base, "EMPTY", ""), 422, "value");
    expect((await putSecret(call, base, "EMPTY", "", true)).status).toBe(201);
    const long = await refused(putSecret(call, base, "LONG", VALUE + "x".repeat(16385)), 422, "value");
    expect(long.message).toContain("at most 16384");
    expect((await putSecret(call, base, "LONG", "é".repeat(16384))).status).toBe(201);
    const bytes = new Uint8Array([0x66, 0xff, 0xfe]);
    await refused(call(`${base}/secrets/BIN`, { method: "PUT", body: bytes }), 422, "value");
    const json = { "content-type": "application/json" };
    await refused(call(`${base}/secrets/J`, { method: "PUT", headers: json, body: `{"value":1}` }), 422, "value");
    await refused(
      call(`${base}/secrets/J`, { method: "PUT", headers: json, body: `{"value":"a","x":1}` }),
      422,
      "value",
    );
    const malformed = await call(`${base}/secrets/J`, { method: "PUT", headers: json, body: `{"value":"${VALUE}` });
    expect(malformed.status).toBe(400);
    const huge = await call(`${base}/secrets/HUGE`, { method: "PUT", body: VALUE.repeat(10_000) });
    expect(huge.status).toBe(413);
    // Without a Content-Length (chunked): cut off as the bytes pass the cap.
    const chunk = new TextEncoder().encode(VALUE.repeat(1_000));
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 20; i++) controller.enqueue(chunk);
        controller.close();
      },
    });
    expect((await call(`${base}/secrets/HUGE`, { method: "PUT", body: stream })).status).toBe(413);
  });

  test("a secret and an env variable may not share a name: 409 naming it, both ways", async () => {
    const taken = await putSecret(call, base, "GREETING", VALUE);
    expect(taken.status).toBe(409);
    expect(await errorOf(taken)).toMatchObject({ code: "env_secret_conflict", field: "key" });
    const patch = await call(base, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ env: { GREETING: "hello", API_KEY: "plain" } }),
    });
    expect(patch.status).toBe(409);
    const error = await errorOf(patch);
    expect(error).toMatchObject({ code: "env_secret_conflict", field: "env.API_KEY" });
    expect(error.message).toContain("API_KEY is already a secret");
    // Nothing changed.
    expect(((await (await call(base)).json()) as { env: object }).env).toEqual({ GREETING: "hi" });
  });
});

test("no response and no part of the OpenAPI document ever carried a value", async () => {
  const document = await (await control.fetch("/swagger/json")).text();
  const put = JSON.parse(document).paths["/api/v1/functions/{id}/secrets/{key}"].put;
  expect(Object.keys(put.requestBody.content).sort()).toEqual(["application/json", "text/plain"]);
  // The value's schema has no example, and no response schema has a value field.
  expect(JSON.stringify(put.requestBody)).not.toContain("example");
  expect(JSON.stringify(put.responses)).not.toContain('"value"');
  for (const text of [...seen, document]) {
    expect(text).not.toContain(VALUE);
    expect(text).not.toContain(NEXT);
  }
  expect(seen.length).toBeGreaterThan(40);
});

test("without --secrets-key-file every secret route answers 409 secrets_disabled, naming the flag", async () => {
  const plain = await startTestControl();
  try {
    const fn = await plain.createFunction({ name: "nokey" });
    const at = `/api/v1/functions/${fn.id}`;
    for (const response of [
      await putSecret(plain.api, at, "K", VALUE),
      await plain.api(`${at}/secrets`),
      await plain.api(`${at}/secrets/K`),
      await plain.api(`${at}/secrets/K`, { method: "DELETE" }),
      await plain.api("/api/v1/functions/by-name/nokey/secrets"),
    ]) {
      expect(response.status).toBe(409);
      const error = await errorOf(response);
      expect(error.code).toBe("secrets_disabled");
      expect(error.message).toContain("--secrets-key-file");
    }
  } finally {
    await plain.stop();
  }
});
