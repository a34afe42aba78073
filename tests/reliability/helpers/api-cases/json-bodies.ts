// API fuzz cases for the JSON routes (create, patch, activate): malformed JSON, invalid UTF-8,
// wrong content types and encodings, a gzip bomb, huge fields, prototype pollution, empty patches.
import { gzipSync } from "node:zlib";
import { type ApiCase, enc, JSON_TYPE, MB } from "./pools";

/** The fixed JSON-body cases, against function `id` (which exists, with version 1). */
export function jsonBodyCases(id: string): ApiCase[] {
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

  return cases;
}
