// The upload size limit, by Content-Length and on the streamed bytes, configured and default.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { errorOf } from "../helpers/control-api";
import { validModule } from "../fixtures/guests";
import { eventually } from "../helpers/until";
import { startTestControl, type TestControl } from "../helpers/test-control";
import { tmpFiles } from "./upload-state";

let control: TestControl;
beforeAll(async () => {
  control = await startTestControl();
});
afterAll(() => control.stop());

describe("upload size limit", () => {
  test("413 past the limit, by Content-Length or while streaming, in the error shape", async () => {
    const small = await startTestControl({ maxUploadBytes: 2048 });
    try {
      const fn = await small.createFunction({ name: "small" });
      const big = new Uint8Array(200 * 1024);
      big.set(validModule());
      const byLength = await small.upload(fn.id, big);
      expect(byLength.status).toBe(413);
      expect(await errorOf(byLength)).toMatchObject({
        code: "payload_too_large",
        message: expect.stringContaining("2048"),
      });
      // No Content-Length: the limit is enforced on the streamed file bytes themselves.
      const boundary = "stream-boundary";
      const parts = [
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="m.wasm"\r\n\r\n`,
        new Uint8Array(3000),
        `\r\n--${boundary}--\r\n`,
      ];
      const body = new ReadableStream({
        start(controller) {
          for (const part of parts)
            controller.enqueue(typeof part === "string" ? new TextEncoder().encode(part) : part);
          controller.close();
        },
      });
      const streamed = await small.api(`/api/v1/functions/${fn.id}/upload`, {
        method: "POST",
        headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
        body,
      });
      expect(streamed.status).toBe(413);
      expect((await errorOf(streamed)).code).toBe("payload_too_large");
      // At the limit exactly is fine (the pipeline then judges the bytes).
      const exact = await small.upload(fn.id, validModule());
      expect(exact.status).toBe(201);
      expect(tmpFiles(small.dataDir)).toEqual([]);
      const metrics = await (await small.fetch("/metrics")).text();
      expect(metrics).toContain('control_uploads_total{outcome="too_large"} 2');
    } finally {
      await small.stop();
    }
  });

  test("the default limit is 50 MiB, with or without Content-Length", async () => {
    const fn = await control.createFunction({ name: "huge" });
    const response = await control.upload(fn.id, new Uint8Array(50 * 1024 * 1024 + 1));
    expect(response.status).toBe(413);
    expect((await errorOf(response)).message).toContain(String(50 * 1024 * 1024));
    // Streamed: Bun reads ahead of the handler, so its own cap must not answer first (bare 413).
    const boundary = "big";
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 0)
          controller.enqueue(
            new TextEncoder().encode(
              `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="m.wasm"\r\n\r\n`,
            ),
          );
        if (sent >= 80) return controller.close();
        controller.enqueue(new Uint8Array(1024 * 1024));
        sent += 1;
      },
    });
    const streamed = await control.api(`/api/v1/functions/${fn.id}/upload`, {
      method: "POST",
      headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
      body,
    });
    expect(streamed.status).toBe(413);
    expect((await errorOf(streamed)).code).toBe("payload_too_large");
    expect(await eventually(() => tmpFiles(control.dataDir).length === 0)).toBe(true);
  });
});
