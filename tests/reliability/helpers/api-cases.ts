// Hostile requests for the control-plane API fuzz: a fixed list of known attacks (malformed JSON,
// wrong types, huge strings, path traversal, NUL, wrong content types, broken multipart, bombs of
// repeated bytes) and seeded random ones built from the same pools. Every case is invalid by
// construction, so the only right answer is a 4xx; `parser` marks requests that are not valid
// HTTP, which Bun's own parser refuses before the control plane sees them.
import { gzipSync } from "node:zlib";
import { Prng } from "../../pipeline/prng";

export interface ApiCase {
  name: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Uint8Array;
  parser?: true;
}

const enc = new TextEncoder();
const JSON_TYPE = { "content-type": "application/json" };
const MB = 1024 * 1024;

/** Strings no field accepts as a name, an id or a route. */
export const HOSTILE_STRINGS = [
  "",
  " ",
  "..",
  "../",
  "../../etc/passwd",
  "..\\..\\windows",
  "%2e%2e",
  "%2e%2e%2f",
  "..%2f..%2f",
  "%252e%252e",
  "\u0000",
  "a\u0000b",
  "%00",
  "UPPER",
  "-x",
  "x".repeat(64),
  "x".repeat(70_000),
  "\u202egnp.exe",
  "😀",
  "<script>alert(1)</script>",
  "' OR 1=1 --",
  "${7*7}",
  "{{7*7}}",
  "a\r\nX-Injected: 1",
  "/",
  "\\",
  "C:\\x",
  "~root",
  "*",
  "\ud800",
  "%ff%fe",
  "\u0085",
  "\t",
];
const HOSTILE_NUMBERS = [0, -1, 1.5, 16385, 60001, 2 ** 53, -(2 ** 31), 1e308, -0.0001];
const HOSTILE_VALUES: unknown[] = [
  null,
  true,
  false,
  [],
  {},
  [[]],
  { a: {} },
  "16",
  ...HOSTILE_NUMBERS,
  ...HOSTILE_STRINGS.slice(0, 12),
];
const FIELDS = ["name", "entrypoint", "runtime", "memory_pages", "max_execution_ms", "env", "routes"] as const;

/** A value `field` refuses. */
function invalidValue(rng: Prng, field: (typeof FIELDS)[number] | "version"): unknown {
  switch (field) {
    case "name":
    case "entrypoint":
      return rng.chance(0.7)
        ? rng.pick(HOSTILE_STRINGS.filter((s) => !/^[a-z0-9][a-z0-9-]{0,62}$/.test(s)))
        : rng.pick(HOSTILE_VALUES.filter((v) => typeof v !== "string"));
    case "runtime":
      return rng.pick(["js", "WASM", "", null, 1, "wasm\u0000"]);
    case "memory_pages":
    case "max_execution_ms":
    case "version":
      return rng.pick([
        ...HOSTILE_NUMBERS.filter((n) => !Number.isInteger(n) || n < 1 || n > 16384),
        "1",
        null,
        [],
        true,
        1.5,
      ]);
    case "env":
      return rng.pick<unknown>([
        [],
        "x",
        { "1A": "x" },
        { A: 1 },
        { A: null },
        { [`K${"k".repeat(200)}`]: "v" },
        { A: "x".repeat(16_385) },
        { "a-b": "x" },
        { "": "x" },
        Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`K${i}`, "v"])),
      ]);
    case "routes":
      return rng.pick<unknown>([
        "x",
        [1],
        ["x"],
        ["/a/*/b"],
        [`/${"a".repeat(300)}`],
        ["/a", "/a"],
        Array.from({ length: 33 }, (_, i) => `/r${i}`),
        ["/a b"],
        ["/\u0000"],
        ["//"],
        null,
      ]);
  }
}

function anyValue(rng: Prng, field: (typeof FIELDS)[number]): unknown {
  if (rng.chance(0.5)) return invalidValue(rng, field);
  return {
    name: "valid-name",
    entrypoint: "handle",
    runtime: "wasm",
    memory_pages: 16,
    max_execution_ms: 500,
    env: { A: "b" },
    routes: ["/ok"],
  }[field];
}

/** A JSON object with at least two fields the schema refuses (so one flipped byte can't make it valid). */
function hostileObject(rng: Prng, fields: readonly (typeof FIELDS)[number][]): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const bad = new Set([rng.pick(fields), rng.pick(fields)]);
  for (const field of fields)
    if (bad.has(field) || rng.chance(0.5))
      body[field] = bad.has(field) ? invalidValue(rng, field) : anyValue(rng, field);
  if (bad.size < 2 || rng.chance(0.3))
    body[rng.pick(["admin", "id", "active_version", "__proto__", "constructor", "created_at", "x".repeat(300)])] =
      rng.pick(HOSTILE_VALUES);
  return body;
}

/** Flips bytes in place (never inserts or deletes), so unknown keys stay unknown. */
function flip(rng: Prng, text: string): Uint8Array {
  const bytes = enc.encode(text);
  for (let n = 1 + rng.int(3); n > 0 && bytes.length > 0; n--)
    bytes[rng.int(bytes.length)] = rng.chance(0.5) ? bytes[rng.int(bytes.length)]! ^ (1 << rng.int(8)) : rng.int(256);
  return bytes;
}

/** Percent-encodes every UTF-8 byte of `text` outside `keep` (lone surrogates become U+FFFD). */
function pct(text: string, keep: RegExp): string {
  let out = "";
  for (const byte of Buffer.from(text, "utf8"))
    out += keep.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).padStart(2, "0")}`;
  return out;
}

/** A path segment for an id that no function has: percent-encoded, or raw (`../` reaches the server un-normalised). */
function hostileId(rng: Prng): { segment: string; raw: boolean } {
  const raw = rng.chance(0.3);
  const value = rng.pick([
    ...HOSTILE_STRINGS.filter((s) => s.length < 1000),
    "01234567-89ab-cdef-0123-456789abcdef",
    "x".repeat(65),
    "0".repeat(2000),
  ]);
  const segment = raw ? pct(value, /[\x21-\x7e]/) : pct(value, /[A-Za-z0-9_~-]/);
  return { segment: segment || "%20", raw };
}

function multipart(
  parts: { headers: string; body: string | Uint8Array }[],
  boundary = "fuzzboundary",
  closing = true,
): Uint8Array {
  const chunks: Uint8Array[] = [];
  for (const part of parts)
    chunks.push(
      enc.encode(`--${boundary}\r\n${part.headers}\r\n\r\n`),
      typeof part.body === "string" ? enc.encode(part.body) : part.body,
      enc.encode("\r\n"),
    );
  if (closing) chunks.push(enc.encode(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}
const fileHeaders = 'Content-Disposition: form-data; name="file"; filename="m.wasm"\r\nContent-Type: application/wasm';
const MP = (boundary = "fuzzboundary") => ({ "content-type": `multipart/form-data; boundary=${boundary}` });

/** The fixed list, against function `id` (which exists, with version 1). */
export function knownCases(id: string): ApiCase[] {
  const cases: ApiCase[] = [];
  const json = (
    name: string,
    method: string,
    path: string,
    body: string | Uint8Array,
    headers: Record<string, string> = JSON_TYPE,
  ) => cases.push({ name, method, path, headers, body: typeof body === "string" ? enc.encode(body) : body });
  const jsonRoutes: [string, string][] = [
    ["POST", "/api/v1/functions"],
    ["PATCH", `/api/v1/functions/${id}`],
    ["POST", `/api/v1/functions/${id}/activate`],
  ];
  const malformed = [
    "",
    "{",
    "}",
    "[",
    '{"name":',
    "nul",
    '{"name":"a"',
    "\u0000",
    '{"name": "x", }',
    "{'name':'x'}",
    '{"name":"x"} trailing',
    "[]",
    "null",
    "true",
    "1",
    '"str"',
    "\ufeff{}",
    "/* c */ {}",
    "[".repeat(100_000) + "]".repeat(100_000),
    '{"a":'.repeat(10_000),
    "{}".repeat(1000),
  ];
  for (const [method, path] of jsonRoutes) {
    for (const body of malformed)
      json(`malformed JSON ${JSON.stringify(body.slice(0, 12))} ${method} ${path}`, method, path, body);
    json(
      `invalid UTF-8 ${method} ${path}`,
      method,
      path,
      new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
    );
    for (const type of [
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/xml",
      "",
      "application/jsonx",
      "text/json",
    ]) {
      json(
        `content type "${type}" ${method} ${path}`,
        method,
        path,
        '{"name":"looks-valid","version":1,"max_execution_ms":100}',
        type ? { "content-type": type } : {},
      );
    }
    json(`gzip-encoded body ${method} ${path}`, method, path, gzipSync(enc.encode('{"name":"gz-valid"}')), {
      ...JSON_TYPE,
      "content-encoding": "gzip",
    });
  }
  // A JSON bomb: 512 MiB of spaces, gzip-compressed to about half a megabyte.
  json(
    "gzip bomb of spaces (512 MiB inflated)",
    "POST",
    "/api/v1/functions",
    gzipSync(Buffer.alloc(512 * MB, 0x20), { level: 9 }),
    { ...JSON_TYPE, "content-encoding": "gzip" },
  );
  json("10 MB name", "POST", "/api/v1/functions", JSON.stringify({ name: "a".repeat(10 * MB) }));
  json(
    "1 MB env key",
    "POST",
    "/api/v1/functions",
    JSON.stringify({ name: "big-key", env: { [`K${"k".repeat(MB)}`]: "v" } }),
  );
  json(
    "4 MB env value",
    "POST",
    "/api/v1/functions",
    JSON.stringify({ name: "big-value", env: { A: "v".repeat(4 * MB) } }),
  );
  json(
    "100k env entries",
    "POST",
    "/api/v1/functions",
    JSON.stringify({
      name: "many-env",
      env: Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`K${i}`, "v"])),
    }),
  );
  json(
    "route with traversal and NUL",
    "POST",
    "/api/v1/functions",
    JSON.stringify({ name: "route-nul", routes: ["/a/\u0000/../b"] }),
  );
  json(
    "prototype pollution",
    "POST",
    "/api/v1/functions",
    '{"name":"Proto","__proto__":{"memory_pages":99999,"admin":true}}',
  );
  json(
    "constructor pollution",
    "POST",
    "/api/v1/functions",
    '{"name":"ctor","constructor":{"prototype":{"admin":true}}}',
  );
  json("empty patch", "PATCH", `/api/v1/functions/${id}`, "{}");
  json("patch of the id", "PATCH", `/api/v1/functions/${id}`, '{"id":"other"}');
  json("activate version 0", "POST", `/api/v1/functions/${id}/activate`, '{"version":0}');
  json("activate a missing version", "POST", `/api/v1/functions/${id}/activate`, '{"version":999999}');

  // Paths: traversal, NUL, encodings, length; on every route.
  const ids = [
    "..",
    "../..",
    "%2e%2e",
    "%2e%2e%2f%2e%2e",
    "..%2f..%2fetc%2fpasswd",
    "%00",
    "a%00b",
    "x".repeat(65),
    "x".repeat(8000),
    "%ff%fe",
    "%zz",
    "%",
    "%2f",
    "%5c..%5c",
    "..;",
    "%c0%ae%c0%ae",
  ];
  for (const bad of ids) {
    for (const [method, suffix] of [
      ["GET", ""],
      ["DELETE", ""],
      ["GET", "/versions"],
      ["POST", "/upload"],
      ["PATCH", ""],
    ] as const) {
      cases.push({
        name: `id ${bad.slice(0, 20)} ${method} ${suffix}`,
        method,
        path: `/api/v1/functions/${bad}${suffix}`,
        headers: method === "PATCH" ? JSON_TYPE : {},
        body: method === "PATCH" ? enc.encode('{"max_execution_ms":1}') : undefined,
      });
    }
    cases.push({
      name: `artifact id ${bad.slice(0, 20)}`,
      method: "GET",
      path: `/api/v1/artifacts/${bad}/1`,
      headers: {},
    });
    cases.push({
      name: `artifact version ${bad.slice(0, 20)}`,
      method: "GET",
      path: `/api/v1/artifacts/${id}/${bad}`,
      headers: {},
    });
  }
  for (const path of [
    "/api/v1/functions/../../etc/passwd",
    "/api/v1/artifacts/../../metadata.sqlite",
    `/api/v1/artifacts/${id}/../../../admin-token`,
    "/api/v1/functions/./../functions/..",
    "/api/v1/../../../../etc/passwd",
    "/api/v1/functions/%2e%2e/%2e%2e/metadata.sqlite",
    "/api/v1//functions",
    "/api/v1/functions/\\..\\..\\x",
  ]) {
    cases.push({ name: `traversal ${path}`, method: "GET", path, headers: {} });
  }
  cases.push({ name: "list: limit 0", method: "GET", path: "/api/v1/functions?limit=0", headers: {} });
  cases.push({
    name: "list: limit -1 and a huge cursor",
    method: "GET",
    path: `/api/v1/functions?limit=-1&cursor=${"x".repeat(5000)}`,
    headers: {},
  });
  cases.push({
    name: "list: cursor of 65 characters",
    method: "GET",
    path: `/api/v1/functions?cursor=${"x".repeat(65)}`,
    headers: {},
  });
  cases.push({
    name: "upload: activate=maybe",
    method: "POST",
    path: `/api/v1/functions/${id}/upload?activate=maybe`,
    headers: MP(),
    body: multipart([{ headers: fileHeaders, body: "x" }]),
  });
  // Not HTTP: refused by Bun's parser before the app.
  cases.push({
    name: "raw NUL in the request line",
    method: "GET",
    path: "/api/v1/functions/a\u0000b",
    headers: {},
    parser: true,
  });
  cases.push({
    name: "64 KiB URL",
    method: "GET",
    path: `/api/v1/functions/${"x".repeat(65_536)}`,
    headers: {},
    parser: true,
  });
  cases.push({ name: "unknown method", method: "FOO", path: "/api/v1/functions", headers: {}, parser: true });
  cases.push({
    name: "NUL in a header value",
    method: "GET",
    path: "/api/v1/functions",
    headers: { "x-a": "b\u0000c" },
    parser: true,
  });
  cases.push({
    name: "bare CR in a header value",
    method: "GET",
    path: "/api/v1/functions",
    headers: { "x-a": "b\rc" },
    parser: true,
  });

  // Uploads: wrong content types, broken or empty multipart, no file, bombs of repeated bytes.
  const upload = `/api/v1/functions/${id}/upload`;
  const post = (name: string, headers: Record<string, string>, body: Uint8Array) =>
    cases.push({ name: `upload: ${name}`, method: "POST", path: upload, headers, body });
  post("application/json", JSON_TYPE, enc.encode("{}"));
  post(
    "application/wasm (raw bytes)",
    { "content-type": "application/wasm" },
    new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]),
  );
  post("no content type", {}, enc.encode("x"));
  post("multipart without boundary", { "content-type": "multipart/form-data" }, enc.encode("x"));
  post(
    "multipart with a 100-character boundary",
    { "content-type": `multipart/form-data; boundary=${"b".repeat(100)}` },
    enc.encode("x"),
  );
  post("garbage body", MP(), enc.encode("garbage"));
  post("empty body", MP(), new Uint8Array(0));
  post("only the closing boundary", MP(), enc.encode("--fuzzboundary--\r\n"));
  post(
    "no file field",
    MP(),
    multipart([{ headers: 'Content-Disposition: form-data; name="sha256"', body: "0".repeat(64) }]),
  );
  post(
    "file field twice",
    MP(),
    multipart([
      { headers: fileHeaders, body: "a" },
      { headers: fileHeaders, body: "b" },
    ]),
  );
  post(
    "unknown field",
    MP(),
    multipart([
      { headers: 'Content-Disposition: form-data; name="evil"', body: "x" },
      { headers: fileHeaders, body: "a" },
    ]),
  );
  post("part without a name", MP(), multipart([{ headers: "Content-Disposition: form-data", body: "x" }]));
  post("part without Content-Disposition", MP(), multipart([{ headers: "Content-Type: text/plain", body: "x" }]));
  post(
    "filename with traversal",
    MP(),
    multipart([
      {
        headers: 'Content-Disposition: form-data; name="file"; filename="../../../../tmp/evil.wasm"',
        body: "not wasm",
      },
    ]),
  );
  post(
    "sha256 not hex",
    MP(),
    multipart([
      { headers: fileHeaders, body: "not wasm" },
      { headers: 'Content-Disposition: form-data; name="sha256"', body: "../../etc/passwd" },
    ]),
  );
  post(
    "sha256 field of 2 KB",
    MP(),
    multipart([
      { headers: 'Content-Disposition: form-data; name="sha256"', body: "a".repeat(2048) },
      { headers: fileHeaders, body: "x" },
    ]),
  );
  post(
    "20 KB of part headers",
    MP(),
    multipart([{ headers: `${fileHeaders}\r\nX-Pad: ${"p".repeat(20_000)}`, body: "x" }]),
  );
  post(
    "20 parts",
    MP(),
    multipart(
      Array.from({ length: 20 }, (_, i) => ({ headers: `Content-Disposition: form-data; name="f${i}"`, body: "x" })),
    ),
  );
  post(
    "unterminated (no closing boundary)",
    MP(),
    multipart([{ headers: fileHeaders, body: "x".repeat(1000) }], "fuzzboundary", false),
  );
  post(
    "text instead of a module",
    MP(),
    multipart([{ headers: fileHeaders, body: '(module (func (export "handle")))' }]),
  );
  post("empty file", MP(), multipart([{ headers: fileHeaders, body: "" }]));
  post("bomb: 40 MiB of zero bytes", MP(), multipart([{ headers: fileHeaders, body: new Uint8Array(40 * MB) }]));
  post("bomb: 40 MiB of 0xff", MP(), multipart([{ headers: fileHeaders, body: new Uint8Array(40 * MB).fill(0xff) }]));
  post(
    "bomb: the wasm header then 40 MiB of zeros",
    MP(),
    multipart([
      {
        headers: fileHeaders,
        body: Buffer.concat([Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]), Buffer.alloc(40 * MB)]),
      },
    ]),
  );
  post(
    "bomb: 60 MiB of zeros (over the limit)",
    MP(),
    multipart([{ headers: fileHeaders, body: new Uint8Array(60 * MB) }]),
  );
  post(
    "bomb: gzip of 256 MiB of zeros",
    { ...MP(), "content-encoding": "gzip" },
    gzipSync(multipart([{ headers: fileHeaders, body: new Uint8Array(256 * MB) }]), { level: 9 }),
  );
  return cases;
}

/** `count` seeded random cases from the same pools. */
export function randomCases(id: string, seed: number, count: number): ApiCase[] {
  const rng = new Prng(seed);
  const cases: ApiCase[] = [];
  for (let i = 0; i < count; i++) {
    const name = `random #${i} (seed ${seed})`;
    switch (rng.int(6)) {
      case 0: {
        const body = JSON.stringify(hostileObject(rng, FIELDS));
        cases.push({
          name: `${name} create`,
          method: "POST",
          path: "/api/v1/functions",
          headers: JSON_TYPE,
          body: rng.chance(0.3) ? flip(rng, body) : enc.encode(body),
        });
        break;
      }
      case 1: {
        const body = JSON.stringify(
          hostileObject(
            rng,
            FIELDS.filter((f) => f !== "name" || rng.chance(0.5)),
          ),
        );
        cases.push({
          name: `${name} patch`,
          method: "PATCH",
          path: `/api/v1/functions/${id}`,
          headers: JSON_TYPE,
          body: rng.chance(0.3) ? flip(rng, body) : enc.encode(body),
        });
        break;
      }
      case 2: {
        const body: Record<string, unknown> = { version: invalidValue(rng, "version") };
        if (rng.chance(0.3)) body[rng.pick(["x", "force", "__proto__"])] = rng.pick(HOSTILE_VALUES);
        cases.push({
          name: `${name} activate`,
          method: "POST",
          path: `/api/v1/functions/${id}/activate`,
          headers: JSON_TYPE,
          body: enc.encode(JSON.stringify(body)),
        });
        break;
      }
      case 3: {
        const { segment } = hostileId(rng);
        const [method, suffix] = rng.pick([
          ["GET", ""],
          ["DELETE", ""],
          ["GET", "/versions"],
          ["POST", "/activate"],
          ["POST", "/upload"],
          ["PATCH", ""],
        ] as const);
        const body =
          method === "GET" || method === "DELETE"
            ? undefined
            : enc.encode(JSON.stringify({ version: 1, max_execution_ms: 100 }));
        cases.push({
          name: `${name} ${method} id ${segment.slice(0, 30)}${suffix}`,
          method,
          path: `/api/v1/functions/${segment}${suffix}`,
          headers: body ? JSON_TYPE : {},
          body,
        });
        break;
      }
      case 4: {
        const a = hostileId(rng);
        const version = rng.pick([
          "0",
          "-1",
          "1e3",
          "..",
          "%2e%2e",
          "999999999999",
          "1%00",
          "01",
          "1.0",
          "%201",
          "1%20",
          pct(rng.pick(HOSTILE_STRINGS.slice(0, 14)), /[A-Za-z0-9]/),
        ]);
        const path = rng.chance(0.5) ? `/api/v1/artifacts/${a.segment}/1` : `/api/v1/artifacts/${id}/${version}`;
        cases.push({ name: `${name} artifact ${path.slice(0, 60)}`, method: "GET", path, headers: {} });
        break;
      }
      default: {
        // Multipart whose file is never a module, in shapes from sane to broken.
        const boundary = rng.pick(["fuzzboundary", "b", "x".repeat(70), "--", "a b"]);
        const parts = Array.from({ length: rng.int(4) }, () => ({
          headers: rng.pick([
            fileHeaders,
            'Content-Disposition: form-data; name="sha256"',
            'Content-Disposition: form-data; name="file"',
            "Content-Disposition: attachment",
            `Content-Disposition: form-data; name="${rng.pick(HOSTILE_STRINGS.slice(0, 20))}"`,
          ]),
          body: rng.pick<string | Uint8Array>([
            "",
            "x",
            "not a module",
            "0".repeat(64),
            new Uint8Array(rng.int(5000)).fill(rng.int(256)),
            enc.encode("\0asm"),
          ]),
        }));
        let body = multipart(parts, boundary, rng.chance(0.8));
        if (rng.chance(0.3)) body = flip(rng, Buffer.from(body).toString("latin1"));
        const type = rng.chance(0.85)
          ? `multipart/form-data; boundary=${boundary.includes(" ") ? `"${boundary}"` : boundary}`
          : rng.pick(["application/octet-stream", "multipart/mixed; boundary=b", "text/plain"]);
        cases.push({
          name: `${name} upload`,
          method: "POST",
          path: `/api/v1/functions/${id}/upload${rng.chance(0.1) ? "?activate=nope" : ""}`,
          headers: { "content-type": type },
          body,
        });
      }
    }
  }
  return cases;
}
