// JSON bodies of /api/v1/functions against a real server: the 1 MiB env bound on create and
// patch, malformed JSON, and the cap on every JSON route, by Content-Length or while streaming.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { MAX_JSON_BYTES } from "../../control/json-body";
import { errorOf } from "../helpers/control-api";
import { startTestControl, type TestControl } from "../helpers/test-control";

let control: TestControl;
beforeAll(async () => {
  control = await startTestControl();
});
afterAll(() => control.stop());

describe("POST /api/v1/functions", () => {
  test("an env over 1 MiB as JSON is a 422 naming env, on create and on patch; 1 MiB itself is accepted", async () => {
    // 100 values of 10,000 three-byte characters: 3 MB of UTF-8, within the per-value bounds.
    const wide = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`K${i}`, "€".repeat(10_000)]));
    const response = await control.post("/api/v1/functions", { name: "wide-env", env: wide });
    expect(response.status).toBe(422);
    const error = await errorOf(response);
    expect(error).toMatchObject({ code: "env_too_large", field: "env" });
    expect(error.message).toStartWith("env: is 3,000,891 bytes as JSON");
    expect(error.message).toContain("at most 1,048,576");
    // Escapes count: 40 values of 16,384 newlines are 1,310,720 bytes of JSON.
    const escaped = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`N${i}`, "\n".repeat(16_384)]));
    expect(await errorOf(await control.post("/api/v1/functions", { name: "escaped-env", env: escaped }))).toMatchObject(
      { code: "env_too_large", field: "env" },
    );
    const exact = envOfJsonBytes(1024 * 1024);
    const fn = await control.createFunction({ name: "exact-env", env: exact });
    const patch = (env: unknown) =>
      control.api(`/api/v1/functions/${fn.id}`, {
        method: "PATCH",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ env }),
      });
    expect((await patch({ ...exact, B: "" })).status).toBe(422);
    expect((await errorOf(await patch(wide))).field).toBe("env");
    expect((await patch({ A: "small" })).status).toBe(200);
  });

  /** Entries of at most 16,384 ASCII characters whose JSON is `bytes` long. */
  function envOfJsonBytes(bytes: number): Record<string, string> {
    const env: Record<string, string> = {};
    let left = bytes - 2; // {}
    for (let i = 0; left > 0; i++) {
      const key = `K${String(i).padStart(4, "0")}`;
      const overhead = key.length + 5 + (i > 0 ? 1 : 0); // "K":"" and a comma
      const value = Math.min(16_384, left - overhead);
      env[key] = "v".repeat(value);
      left -= overhead + value;
    }
    return env;
  }

  test("400 for malformed JSON", async () => {
    const response = await control.api("/api/v1/functions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{nope",
    });
    expect(response.status).toBe(400);
    expect((await errorOf(response)).code).toBe("malformed_body");
  });

  test("JSON bodies are capped: the largest valid env fits; beyond the cap 413 in the error shape, by Content-Length or while streaming, on every JSON route", async () => {
    const env = envOfJsonBytes(1024 * 1024); // the largest env there may be
    const routes = Array.from({ length: 32 }, (_, i) => `/largest-${String(i).padStart(2, "0")}${"r".repeat(200)}/*`);
    const largest = await control.post("/api/v1/functions", { name: "largest-env", env, routes });
    expect(largest.status).toBe(201);
    const { id } = (await largest.json()) as { id: string };

    const over = JSON.stringify({ name: "too-big", env: { BIG: "x".repeat(MAX_JSON_BYTES) } });
    const json = { "content-type": "application/json" };
    /** 20 MiB of a JSON string, sent chunked (no Content-Length). */
    const streamed = () => {
      let sent = 0;
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent === 0) controller.enqueue(new TextEncoder().encode('{"name": "streamed", "env": {"BIG": "'));
          if (sent >= 20 * 1024 * 1024) return controller.close();
          controller.enqueue(new Uint8Array(64 * 1024).fill(0x78));
          sent += 64 * 1024;
        },
      });
    };
    for (const [method, path, body] of [
      ["POST", "/api/v1/functions", over],
      ["PATCH", `/api/v1/functions/${id}`, over],
      ["POST", `/api/v1/functions/${id}/activate`, over],
      ["POST", "/api/v1/functions", streamed()],
      ["PATCH", `/api/v1/functions/${id}`, streamed()],
    ] as const) {
      const response = await control.api(path, { method, headers: json, body, duplex: "half" } as RequestInit);
      expect(response.status).toBe(413);
      expect(await errorOf(response)).toEqual({
        code: "payload_too_large",
        message: `JSON bodies are limited to ${MAX_JSON_BYTES} bytes`,
      });
    }
    const names = (
      (await (await control.api("/api/v1/functions?limit=100")).json()) as { functions: { name: string }[] }
    ).functions.map((f) => f.name);
    expect(names).not.toContain("too-big");
    expect(names).not.toContain("streamed");
  });
});
