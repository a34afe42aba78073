// The binary layout of invocations and results in the rings (ring.ts). Strings are written
// with encodeInto straight into shared memory; the worker hands request bytes to the guest
// without ever decoding them. u32 little-endian lengths; NONE marks a null body.
import { OUTCOME_NAMES, type Outcome } from "../outcome";
import type { RingReader, RingWriter } from "./ring";

const NONE = 0xffffffff;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** An invocation as the HTTP side describes it. Headers are one "name: value\n" block. */
export interface RequestParts {
  method: string;
  uri: string;
  headers: string;
  body: Uint8Array | null;
  /**
   * What only the HTTP side knows, for a WASI function's CGI variables: "NAME=value\n" lines
   * (cgi-meta.ts). Absent or empty for edge ABI functions.
   */
  cgi?: string;
}

/** The same request as the worker holds it: bytes, ready to copy into guest memory. */
export interface RequestBytes {
  method: Uint8Array;
  uri: Uint8Array;
  headers: Uint8Array;
  body: Uint8Array | null;
  /** See RequestParts.cgi; empty or absent when none. */
  cgi?: Uint8Array;
}

export interface ResultParts {
  id: number;
  outcome: Outcome;
  status: number;
  /** "name: value\n" block; values are latin1 strings (one char per header byte). */
  headers: string;
  body: Uint8Array | null;
  detail: string;
  /** See PostedResult.runMs. */
  runMs: number;
  /** See PostedResult.cpuMs. */
  cpuMs: number;
}

/**
 * Writes a job into the ring; false when it doesn't fit now (the caller sends it another way).
 * `seq`: its place in the worker's line (line.ts); `budgetMs`: its time limit when not the
 * function's (a job that started elsewhere and was moved: what was left of it), else 0.
 */
export function writeJob(
  ring: RingWriter,
  id: number,
  seq: number,
  budgetMs: number,
  fn: number,
  requestId: string,
  req: RequestParts,
): boolean {
  const cgi = req.cgi ?? "";
  const max =
    40 +
    3 * (requestId.length + req.method.length + req.uri.length + req.headers.length + cgi.length) +
    (req.body?.byteLength ?? 0);
  const at = ring.reserve(max);
  if (at < 0) return false;
  const view = ring.view;
  const data = ring.data;
  data.setUint32(at, id, true);
  data.setUint32(at + 4, fn, true);
  data.setUint32(at + 8, seq, true);
  data.setUint32(at + 12, budgetMs, true);
  let p = at + 16;
  p = putString(view, data, p, requestId);
  p = putString(view, data, p, req.method);
  p = putString(view, data, p, req.uri);
  p = putString(view, data, p, req.headers);
  p = putBytes(view, data, p, req.body);
  p = putString(view, data, p, cgi);
  ring.commit(p - at);
  return true;
}

export interface DecodedJob {
  id: number;
  fn: number;
  seq: number;
  budgetMs: number;
  requestId: string;
  request: RequestBytes;
}

/**
 * Reads a job in place: the request fields are views into the ring, so the caller releases
 * the record only once the job has run. Copying them out cost four buffer allocations per job.
 */
export function readJob(ring: RingReader, at: number): DecodedJob {
  const view = ring.view;
  const data = ring.data;
  const id = data.getUint32(at, true);
  const fn = data.getUint32(at + 4, true);
  const seq = data.getUint32(at + 8, true);
  const budgetMs = data.getUint32(at + 12, true);
  let p = at + 16;
  const len = (q: number) => data.getUint32(q, true);
  const requestIdLen = len(p);
  const requestId = decoder.decode(view.subarray(p + 4, p + 4 + requestIdLen));
  p += 4 + requestIdLen;
  const take = (): Uint8Array | null => {
    const n = len(p);
    if (n === NONE) {
      p += 4;
      return null;
    }
    const bytes = view.subarray(p + 4, p + 4 + n);
    p += 4 + n;
    return bytes;
  };
  const method = take()!;
  const uri = take()!;
  const headers = take()!;
  const body = take();
  const cgi = take()!;
  return {
    id,
    fn,
    seq,
    budgetMs,
    requestId,
    request: { method, uri, headers, body: body && body.byteLength > 0 ? body : null, cgi },
  };
}

export function writeResult(ring: RingWriter, r: ResultParts): boolean {
  const max = 40 + 3 * (r.headers.length + r.detail.length) + (r.body?.byteLength ?? 0);
  const at = ring.reserve(max);
  if (at < 0) return false;
  const view = ring.view;
  const data = ring.data;
  data.setUint32(at, r.id, true);
  data.setUint32(at + 4, OUTCOME_NAMES.indexOf(r.outcome), true);
  data.setUint32(at + 8, r.status, true);
  data.setFloat64(at + 12, r.runMs, true);
  data.setFloat64(at + 20, r.cpuMs, true);
  let p = at + 28;
  p = putString(view, data, p, r.headers);
  p = putBytes(view, data, p, r.body);
  p = putString(view, data, p, r.detail);
  ring.commit(p - at);
  return true;
}

export function readResult(ring: RingReader, at: number): ResultParts {
  const view = ring.view;
  const data = ring.data;
  const id = data.getUint32(at, true);
  const outcome = OUTCOME_NAMES[data.getUint32(at + 4, true)] ?? "worker_crash";
  const status = data.getUint32(at + 8, true);
  const runMs = data.getFloat64(at + 12, true);
  const cpuMs = data.getFloat64(at + 20, true);
  let p = at + 28;
  const headersLen = data.getUint32(p, true);
  const headers = headersLen === 0 ? "" : decoder.decode(view.subarray(p + 4, p + 4 + headersLen));
  p += 4 + headersLen;
  const bodyLen = data.getUint32(p, true);
  let body: Uint8Array | null = null;
  if (bodyLen !== NONE) {
    body = view.slice(p + 4, p + 4 + bodyLen);
    p += 4 + bodyLen;
  } else p += 4;
  const detailLen = data.getUint32(p, true);
  const detail = detailLen === 0 ? "" : decoder.decode(view.subarray(p + 4, p + 4 + detailLen));
  return { id, outcome, status, headers, body, detail, runMs, cpuMs };
}

/** The worker-side form of a request that came by postMessage instead of the ring. */
export function requestBytes(req: RequestParts): RequestBytes {
  return {
    method: encoder.encode(req.method),
    uri: encoder.encode(req.uri),
    headers: encoder.encode(req.headers),
    body: req.body,
    cgi: encoder.encode(req.cgi ?? ""),
  };
}

/** Below this many chars a JS loop beats encodeInto, which allocates a view and a result each call. */
const SHORT_STRING = 64;

function putString(view: Uint8Array, data: DataView, p: number, text: string): number {
  const n = text.length;
  if (n <= SHORT_STRING) {
    let i = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c > 0x7f) break;
      view[p + 4 + i] = c;
    }
    if (i === n) {
      data.setUint32(p, n, true);
      return p + 4 + n;
    }
  }
  const { written } = encoder.encodeInto(text, view.subarray(p + 4));
  data.setUint32(p, written, true);
  return p + 4 + written;
}

function putBytes(view: Uint8Array, data: DataView, p: number, bytes: Uint8Array | null): number {
  if (!bytes) {
    data.setUint32(p, NONE, true);
    return p + 4;
  }
  data.setUint32(p, bytes.byteLength, true);
  view.set(bytes, p + 4);
  return p + 4 + bytes.byteLength;
}
