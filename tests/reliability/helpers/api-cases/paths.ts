// API fuzz cases for paths and query strings on every route: traversal, NUL, encodings and length
// in ids and artifact versions, bad list and upload parameters, and requests that are not HTTP.
import { type ApiCase, enc, fileHeaders, JSON_TYPE, MP, multipart } from "./pools";

/** The fixed path and query cases, against function `id` (which exists, with version 1). */
export function pathCases(id: string): ApiCase[] {
  const cases: ApiCase[] = [];
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

  return cases;
}
