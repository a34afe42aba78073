// API fuzz cases for uploads: wrong content types, broken or empty multipart, no file, hostile
// fields and filenames, and bombs of repeated bytes.
import { gzipSync } from "node:zlib";
import { type ApiCase, enc, fileHeaders, JSON_TYPE, MB, MP, multipart } from "./pools";

/** The fixed upload cases, against function `id` (which exists, with version 1). */
export function uploadCases(id: string): ApiCase[] {
  const cases: ApiCase[] = [];
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
