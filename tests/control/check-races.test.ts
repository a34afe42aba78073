// A module check and the commit that depends on it must see the same limits. Each race is set up
// deterministically: the real pipeline checks every module, but the test holds one check until
// the competing request has committed, then lets it finish. Whatever happens, the function's
// active version must pass the pipeline under the function's limits (else nodes retry it forever
// and a fresh node answers 404). Before the fix, each of these left a 20-page version active on a
// 16-page function.
import { afterEach, beforeEach, expect, test } from "bun:test";
import { inlineWork, moduleRejection, type ArtifactWork } from "../../core/module/offload/artifact-work";
import { errorOf } from "../helpers/control-api";
import { startTestControl, type TestControl } from "../helpers/test-control";
import { validModule } from "../fixtures/guests";

/** inlineWork, except that a check can be held: `hold()` pauses the next check until released. */
class HeldWork implements ArtifactWork {
  private next: { entered: () => void; released: Promise<void> } | null = null;
  sha256Hex = inlineWork.sha256Hex;
  prepare = inlineWork.prepare;

  hold(): { entered: Promise<void>; release(): void } {
    let entered!: () => void;
    let release!: () => void;
    const enteredPromise = new Promise<void>((resolve) => (entered = resolve));
    this.next = { entered, released: new Promise<void>((resolve) => (release = resolve)) };
    return { entered: enteredPromise, release };
  }

  async check(...args: Parameters<ArtifactWork["check"]>) {
    const held = this.next;
    this.next = null;
    if (held) {
      held.entered();
      await held.released;
    }
    return inlineWork.check(...args);
  }
}

let work: HeldWork;
let control: TestControl;
beforeEach(async () => {
  work = new HeldWork();
  control = await startTestControl({}, undefined, { work });
});
afterEach(() => control.stop());

const small = validModule("needs-1-page", 1);
const big = validModule("needs-20-pages", 20);
const json = { "content-type": "application/json" };
const patch = (id: string, body: unknown) =>
  control.api(`/api/v1/functions/${id}`, { method: "PATCH", headers: json, body: JSON.stringify(body) });
const activate = (id: string, version: number) => control.post(`/api/v1/functions/${id}/activate`, { version });

/** The function's active version passes the pipeline under the function's own limits (or there is none). */
async function activeVersionServable(
  id: string,
): Promise<{ memory_pages: number; active_version: number | null; servable: boolean }> {
  const fn = (await (await control.api(`/api/v1/functions/${id}`)).json()) as {
    memory_pages: number;
    entrypoint: string;
    active_version: number | null;
  };
  if (fn.active_version === null) return { memory_pages: fn.memory_pages, active_version: null, servable: true };
  const bytes = new Uint8Array(await (await control.api(`/api/v1/artifacts/${id}/${fn.active_version}`)).arrayBuffer());
  return {
    memory_pages: fn.memory_pages,
    active_version: fn.active_version,
    servable: moduleRejection(bytes, { memoryPages: fn.memory_pages, entrypoint: fn.entrypoint }) === null,
  };
}

test("an upload checked under 20 pages while a PATCH lowers the function to 16: the upload is checked again and refused", async () => {
  const fn = await control.createFunction({ name: "upload-vs-patch", memory_pages: 20 });
  const held = work.hold();
  const upload = control.upload(fn.id, big);
  await held.entered; // the upload is being checked under 20 pages
  expect((await patch(fn.id, { memory_pages: 16 })).status).toBe(200);
  held.release();
  const response = await upload;
  expect(response.status).toBe(422);
  expect((await errorOf(response)).field).toBe("file");
  expect(await activeVersionServable(fn.id)).toEqual({ memory_pages: 16, active_version: null, servable: true });
});

test("activating a 20-page version while a PATCH lowers the function to 16: the activation is checked again and refused", async () => {
  const fn = await control.createFunction({ name: "activate-vs-patch", memory_pages: 20 });
  expect((await control.upload(fn.id, small)).status).toBe(201);
  expect((await control.upload(fn.id, big, { query: "?activate=false" })).status).toBe(201);
  const held = work.hold();
  const activation = activate(fn.id, 2);
  await held.entered;
  expect((await patch(fn.id, { memory_pages: 16 })).status).toBe(200); // version 1, active, fits 16
  held.release();
  const response = await activation;
  expect(response.status).toBe(422);
  expect((await errorOf(response)).field).toBe("version");
  expect(await activeVersionServable(fn.id)).toEqual({ memory_pages: 16, active_version: 1, servable: true });
});

test("a PATCH to 16 pages checked against version 1 while a 20-page version 2 becomes active: the PATCH is checked again and refused", async () => {
  const fn = await control.createFunction({ name: "patch-vs-upload", memory_pages: 20 });
  expect((await control.upload(fn.id, small)).status).toBe(201);
  const held = work.hold();
  const lowering = patch(fn.id, { memory_pages: 16 });
  await held.entered; // the PATCH checks version 1 under 16 pages
  expect((await control.upload(fn.id, big)).status).toBe(201); // version 2, checked under 20
  held.release();
  const response = await lowering;
  expect(response.status).toBe(422);
  expect(await activeVersionServable(fn.id)).toEqual({ memory_pages: 20, active_version: 2, servable: true });
});

test("a concurrent change that does not affect the check still commits after one more round", async () => {
  const fn = await control.createFunction({ name: "harmless", memory_pages: 20 });
  const held = work.hold();
  const upload = control.upload(fn.id, small);
  await held.entered;
  expect((await patch(fn.id, { memory_pages: 18 })).status).toBe(200);
  held.release();
  expect((await upload).status).toBe(201);
  expect(await activeVersionServable(fn.id)).toEqual({ memory_pages: 18, active_version: 1, servable: true });
});

test("a function whose limits change during every one of 3 checks in a row: 409 concurrent_change, nothing committed", async () => {
  const fn = await control.createFunction({ name: "restless", memory_pages: 20 });
  let held = work.hold();
  const upload = control.upload(fn.id, small);
  for (const pages of [19, 18, 17]) {
    await held.entered;
    const current = held;
    if (pages !== 17) held = work.hold(); // the next round's check
    expect((await patch(fn.id, { memory_pages: pages })).status).toBe(200);
    current.release();
  }
  const response = await upload;
  expect(response.status).toBe(409);
  expect((await errorOf(response)).code).toBe("concurrent_change");
  expect(await activeVersionServable(fn.id)).toEqual({ memory_pages: 17, active_version: null, servable: true });
});
