// 405 with Allow for a method a path's route does not take; 404 stays for paths that do not exist.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { errorOf } from "../helpers/control-api";
import { startTestControl, type TestControl } from "../helpers/test-control";
import { sample } from "../helpers/metrics-text";

let control: TestControl;
let id: string;
beforeAll(async () => {
  control = await startTestControl();
  id = (await control.createFunction({ name: "methods" })).id;
});
afterAll(() => control.stop());

test("a wrong method on an existing path: 405 in the error shape with Allow, before the body is read", async () => {
  const cases: [string, string, string][] = [
    ["PUT", `/api/v1/functions/${id}`, "GET, HEAD, PATCH, DELETE"],
    ["POST", "/api/v1/functions/by-name/methods", "GET, HEAD, PUT, PATCH, DELETE"],
    ["DELETE", "/api/v1/functions", "POST, GET, HEAD"],
    ["GET", `/api/v1/functions/${id}/upload`, "POST"],
    ["PUT", `/api/v1/functions/${id}/versions`, "GET, HEAD"],
    ["POST", `/api/v1/functions/${id}/versions/1`, "GET, HEAD"],
    ["GET", "/api/v1/functions/by-name/methods/activate", "POST"],
    ["POST", "/api/v1/artifacts/x/1", "GET, HEAD"],
    ["OPTIONS", "/api/v1/nodes", "GET, HEAD"],
    ["POST", "/healthz", "GET, HEAD"],
  ];
  for (const [method, path, allow] of cases) {
    const response = await control.api(path, { method, body: method === "GET" ? undefined : "x".repeat(10) });
    expect([method, path, response.status]).toEqual([method, path, 405]);
    expect(response.headers.get("allow")!.split(", ").sort()).toEqual(allow.split(", ").sort());
    expect(await errorOf(response)).toMatchObject({ code: "method_not_allowed" });
  }
});

test("by-name is a path of its own: POST .../by-name/upload is 405, not an upload to a function with id by-name", async () => {
  const response = await control.api("/api/v1/functions/by-name/upload", { method: "POST" });
  expect(response.status).toBe(405);
  expect(response.headers.get("allow")).toContain("PUT");
});

test("paths that do not exist stay 404; the token check still comes first on /api", async () => {
  for (const path of ["/nope", "/api/v1/nope", `/api/v1/functions/${id}/nope`, "/healthz/x"])
    expect((await control.api(path, { method: "PUT" })).status).toBe(404);
  expect((await control.fetch(`/api/v1/functions/${id}`, { method: "PUT" })).status).toBe(401);
});

test("405s are counted under their route pattern, never the raw path", async () => {
  await control.api(`/api/v1/functions/${id}`, { method: "PUT" });
  const text = await (await control.fetch("/metrics")).text();
  expect(
    sample(text, "control_http_requests_total", { method: "PUT", route: "/api/v1/functions/:id", status: "405" }),
  ).toBeGreaterThan(0);
});
