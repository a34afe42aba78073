// Seeded random API fuzz cases, drawn from the same pools as the fixed ones: hostile create,
// patch and activate bodies, unknown ids on every route, artifact paths and broken uploads.
import { Prng } from "../../../pipeline/prng";
import {
  type ApiCase,
  enc,
  FIELDS,
  fileHeaders,
  flip,
  HOSTILE_STRINGS,
  HOSTILE_VALUES,
  hostileId,
  hostileObject,
  invalidValue,
  JSON_TYPE,
  multipart,
  pct,
} from "./pools";

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
