// The ring encoding of jobs (wire.ts): every string arrives as its UTF-8 bytes, whether it took
// the short-ASCII loop or encodeInto, and results come back as written.
import { expect, test } from "bun:test";
import { createRing, RingReader, RingWriter } from "../../runner/sandbox/ring";
import { readJob, readResult, writeJob, writeResult } from "../../runner/sandbox/wire";

const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes.slice());

const STRINGS = [
  "",
  "/",
  "GET",
  "a".repeat(63),
  "a".repeat(64),
  "a".repeat(65),
  "é",
  "/é",
  "/caf\u00e9?x=1",
  "\u00ff" + "a".repeat(62),
  "a".repeat(63) + "\u0080",
  "😀",
  "/p/" + "😀".repeat(40),
  "x".repeat(5000) + "ü",
  "host: x\nx-latin: \u00e9t\u00e9\n",
];

test("method, URI, headers and request id arrive as the UTF-8 bytes of what was written", () => {
  const buffer = createRing(1 << 20);
  const writer = new RingWriter(buffer);
  const reader = new RingReader(buffer);
  for (const [i, text] of STRINGS.entries()) {
    const body = i % 2 === 0 ? null : new Uint8Array([i, 0, 255]);
    expect(
      writeJob(writer, i + 1, 1000 + i, 250 * i, 7, `rid-${text}`, {
        method: text || "GET",
        uri: text,
        headers: text,
        body,
      }),
    ).toBe(true);
    const at = reader.next();
    const job = readJob(reader, at);
    const utf8 = (s: string) => [...new TextEncoder().encode(s)];
    expect({
      id: job.id,
      seq: job.seq,
      budgetMs: job.budgetMs,
      fn: job.fn,
      requestId: job.requestId,
      method: [...job.request.method],
      uri: [...job.request.uri],
      headers: [...job.request.headers],
    }).toEqual({
      id: i + 1,
      seq: 1000 + i,
      budgetMs: 250 * i,
      fn: 7,
      requestId: `rid-${text}`,
      method: utf8(text || "GET"),
      uri: utf8(text),
      headers: utf8(text),
    });
    expect(decode(job.request.uri)).toBe(text);
    expect(job.request.body === null ? null : [...job.request.body]).toEqual(body && [...body]);
    reader.release();
  }
});

test("a result comes back with its outcome, status, header lines, body, detail, run time and CPU time", () => {
  const buffer = createRing(1 << 16);
  const writer = new RingWriter(buffer);
  const reader = new RingReader(buffer);
  const sent = {
    id: 42,
    outcome: "ok" as const,
    status: 201,
    headers: "x-a: \u00e9\ncontent-type: text/plain\n",
    body: new Uint8Array([1, 2, 3]),
    detail: "",
    runMs: 0.0123,
    cpuMs: 7.5,
  };
  expect(writeResult(writer, sent)).toBe(true);
  const got = readResult(reader, reader.next());
  expect({ ...got, body: [...got.body!] }).toEqual({ ...sent, body: [1, 2, 3] });
  // "Did not run" survives the trip as NaN, not as 0.
  expect(writeResult(writer, { ...sent, outcome: "not_found", body: null, runMs: NaN, cpuMs: NaN })).toBe(true);
  reader.release();
  const notRun = readResult(reader, reader.next());
  expect([notRun.runMs, notRun.cpuMs]).toEqual([NaN, NaN]);
});
