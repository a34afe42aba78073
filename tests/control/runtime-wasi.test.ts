// Runtime wasi on the control plane: its defaults, a module checked against its function's
// runtime (a mismatch is 422 runtime_mismatch naming the runtime to use), and a change of
// runtime checked against the active version.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { validModule } from "../fixtures/guests";
import { errorOf } from "../helpers/control-api";
import { startTestControl, type TestControl } from "../helpers/test-control";
import { environModule } from "../wasi/environ-module";

let control: TestControl;
beforeAll(async () => {
  control = await startTestControl();
});
afterAll(() => control.stop());

const patch = (id: string, body: unknown) =>
  control.api(`/api/v1/functions/${id}`, {
    method: "PATCH",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

test("runtime wasi defaults to entrypoint _start and 128 pages; wasm keeps handle and 16", async () => {
  expect(await control.createFunction({ name: "cgi", runtime: "wasi" })).toMatchObject({
    runtime: "wasi",
    entrypoint: "_start",
    memory_pages: 128,
  });
  expect(await control.createFunction({ name: "edge-abi" })).toMatchObject({
    runtime: "wasm",
    entrypoint: "handle",
    memory_pages: 16,
  });
  const error = await errorOf(await control.post("/api/v1/functions", { name: "js", runtime: "javascript" }));
  expect(error).toMatchObject({ code: "validation_failed", field: "runtime" });
  expect(error.message).toContain("wasi");
});

test("an upload is checked against its function's runtime: a mismatch is 422 naming the runtime to use", async () => {
  const wasi = await control.createFunction({ name: "wasi-fn", runtime: "wasi" });
  const edge = await control.createFunction({ name: "edge-fn" });
  expect((await control.upload(wasi.id, environModule())).status).toBe(201);
  expect((await control.upload(edge.id, validModule("edge"))).status).toBe(201);

  const toEdge = await control.upload(edge.id, environModule());
  expect(toEdge.status).toBe(422);
  const edgeError = await errorOf(toEdge);
  expect(edgeError.code).toBe("runtime_mismatch");
  expect(edgeError.message).toContain("register the function with runtime wasi");

  const toWasi = await control.upload(wasi.id, validModule("edge"));
  expect(toWasi.status).toBe(422);
  expect((await errorOf(toWasi)).message).toContain("runtime wasm");
});

test("changing the runtime is checked against the active version", async () => {
  const fn = await control.createFunction({ name: "switch", runtime: "wasi" });
  expect((await control.upload(fn.id, environModule())).status).toBe(201);
  const refused = await patch(fn.id, { runtime: "wasm", entrypoint: "handle" });
  expect(refused.status).toBe(422);
  const error = await errorOf(refused);
  expect(error.code).toBe("runtime_mismatch");
  expect(error.message).toContain("active version 1 would be rejected");
  // Nothing changed.
  expect(await (await control.api(`/api/v1/functions/${fn.id}`)).json()).toMatchObject({ runtime: "wasi" });
});

test("a change of runtime moves an entrypoint and memory cap left at the old runtime's defaults, not ones set", async () => {
  const plain = await control.createFunction({ name: "to-wasi" });
  const moved = await patch(plain.id, { runtime: "wasi" });
  expect(moved.status).toBe(200);
  expect(await moved.json()).toMatchObject({ runtime: "wasi", entrypoint: "_start", memory_pages: 128 });
  // Before: still "handle" and 16 pages, so every WASI program was refused at upload.
  expect((await control.upload(plain.id, environModule())).status).toBe(201);

  const back = await control.createFunction({ name: "to-wasm", runtime: "wasi" });
  expect(await (await patch(back.id, { runtime: "wasm" })).json()).toMatchObject({
    entrypoint: "handle",
    memory_pages: 16,
  });

  const own = await control.createFunction({ name: "own", entrypoint: "main", memory_pages: 40 });
  expect(await (await patch(own.id, { runtime: "wasi" })).json()).toMatchObject({
    entrypoint: "main",
    memory_pages: 40,
  });
  const given = await control.createFunction({ name: "given" });
  expect(await (await patch(given.id, { runtime: "wasi", memory_pages: 20 })).json()).toMatchObject({
    entrypoint: "_start",
    memory_pages: 20,
  });
});
