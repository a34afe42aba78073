// Artifact downloads against real HTTP servers on 127.0.0.1: `?presigned=1` on the request, one
// redirect hop followed to another origin without the bearer token (asserted on what that
// server received), the bytes verified against the watch stream's SHA-256 wherever they came
// from, a redirect to anything but http(s) refused, and the other control planes asked when the
// one followed can't be reached or answers 5xx — but not after a 404.
import { afterAll, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import type { Server } from "bun";
import { createLogger } from "../../core/observe/log";
import { ArtifactClient } from "../../runner/edge/artifacts/artifact-client";
import { DiskArtifacts } from "../../runner/edge/artifacts/disk-artifacts";
import { VerifiedArtifacts } from "../../runner/edge/artifacts/verified-artifacts";
import { ControlPlanes } from "../../runner/edge/control-planes";
import { sha256 } from "../helpers/sha256";
import { tempDir } from "../helpers/temp-dir";

const TOKEN = "node-token-0123456789abcdef";
const MODULE = new TextEncoder().encode("\0asm module bytes of version 3");
const SIGNATURE = "X-Amz-Signature=deadbeefcafe";

interface Seen {
  path: string;
  query: string;
  authorization: string | null;
}
const servers: Server<unknown>[] = [];
afterAll(() => {
  for (const server of servers) server.stop(true);
});

/** A real server on 127.0.0.1 answering `answer(request)`, and what it received. */
function serve(answer: (request: Request, url: string) => Response) {
  const seen: Seen[] = [];
  const server: Server<unknown> = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(request): Response {
      const url = new URL(request.url);
      seen.push({ path: url.pathname, query: url.search, authorization: request.headers.get("authorization") });
      return answer(request, server.url.origin);
    },
  });
  servers.push(server);
  return { url: server.url.origin, seen };
}

/** A bucket answering `body` at any path (with a signed query), like a presigned S3 URL. */
const bucket = (body: Uint8Array | string = MODULE) => serve(() => new Response(body));
/** A control plane that answers every download with `status` and Location `to(its own origin)`. */
const redirecting = (to: (self: string) => string, status = 307) =>
  serve((_, self) => new Response(null, { status, headers: { location: to(self) } }));

async function verified(planes: string[]) {
  const failures: string[] = [];
  const lines: string[] = [];
  const dir = tempDir("edge-redirect-");
  const disk = await DiskArtifacts.open(dir, 1 << 20, () => {});
  const artifacts = new VerifiedArtifacts(
    disk,
    new ArtifactClient(new ControlPlanes(planes), TOKEN),
    { artifactDownload: () => {}, artifactVerifyFailure: (source) => failures.push(source) },
    createLogger("debug", {}, (line) => lines.push(line)),
  );
  return { artifacts, failures, lines, dir };
}
const ref = { functionId: "fn_1", version: 3, sha256: sha256(MODULE) };

test("a 307 to another origin is followed without the Authorization header, and its bytes verified", async () => {
  const store = bucket();
  const control = redirecting(() => `${store.url}/artifacts/ab/${ref.sha256}?${SIGNATURE}`);
  const { artifacts } = await verified([control.url]);

  const result = await artifacts.get(ref);
  expect(result).toEqual({ ok: true, bytes: MODULE });
  // The control plane got the token and the query; the bucket got the signed URL and no token.
  expect(control.seen).toEqual([
    { path: "/api/v1/artifacts/fn_1/3", query: "?presigned=1", authorization: `Bearer ${TOKEN}` },
  ]);
  expect(store.seen).toEqual([{ path: `/artifacts/ab/${ref.sha256}`, query: `?${SIGNATURE}`, authorization: null }]);
});

test("a relative Location and a 302 are followed too; a control plane that answers 200 (no bucket) is read as before", async () => {
  const relative = serve((request) =>
    new URL(request.url).pathname.startsWith("/api/")
      ? new Response(null, { status: 302, headers: { location: `/blob?${SIGNATURE}` } })
      : new Response(MODULE),
  );
  expect(await (await verified([relative.url])).artifacts.get(ref)).toEqual({ ok: true, bytes: MODULE });
  expect(relative.seen.map((s) => [s.path, s.authorization])).toEqual([
    ["/api/v1/artifacts/fn_1/3", `Bearer ${TOKEN}`],
    ["/blob", null],
  ]);
  const direct = bucket();
  expect(await (await verified([direct.url])).artifacts.get(ref)).toEqual({ ok: true, bytes: MODULE });
});

test("wrong bytes behind a redirect are refused: counted, logged, not written to disk", async () => {
  const store = bucket("\0asm something else entirely");
  const control = redirecting(() => `${store.url}/x?${SIGNATURE}`);
  const { artifacts, failures, lines, dir } = await verified([control.url]);

  const result = await artifacts.get(ref);
  expect(result).toMatchObject({ ok: false, reason: expect.stringContaining("sha256 mismatch") });
  expect(failures).toEqual(["network"]);
  expect(lines.some((line) => line.includes("artifact refused: SHA-256 mismatch"))).toBe(true);
  expect(readdirSync(dir).filter((name) => !name.endsWith(".tmp"))).toEqual([]);
  expect(store.seen).toHaveLength(1);
});

test("a redirect to anything but http(s), without a Location, or a second hop is refused", async () => {
  const store = bucket();
  for (const location of ["file:///etc/passwd", "ftp://127.0.0.1/x", "data:application/wasm;base64,AGFzbQ=="]) {
    const control = redirecting(() => location);
    const result = await new ArtifactClient(new ControlPlanes([control.url]), TOKEN).download("fn_1", 3);
    expect(result).toEqual({
      ok: false,
      reason: `control plane redirected to a ${new URL(location).protocol} URL; only http(s) is followed`,
    });
  }
  const bare = serve(() => new Response(null, { status: 307 }));
  expect(await new ArtifactClient(new ControlPlanes([bare.url]), TOKEN).download("fn_1", 3)).toMatchObject({
    ok: false,
    reason: expect.stringContaining("without a usable Location"),
  });
  // The bucket redirects again: not followed, and the reason names its origin, never the signed URL.
  const hopping = serve((_, self) => new Response(null, { status: 307, headers: { location: `${self}/again` } }));
  const control = redirecting(() => `${hopping.url}/x?${SIGNATURE}`);
  const twice = await new ArtifactClient(new ControlPlanes([control.url]), TOKEN).download("fn_1", 3);
  expect(twice).toEqual({
    ok: false,
    reason: `redirect target ${hopping.url} answered 307 (another redirect; one hop is followed)`,
  });
  expect(hopping.seen.map((s) => s.path)).toEqual(["/x"]);
  expect(store.seen).toEqual([]);
});

test("the followed control plane first, then the others in order on a network error or 5xx; a 404 stops there", async () => {
  const dead = serve(() => new Response(MODULE));
  servers.pop()!.stop(true); // a port nothing listens on any more
  const failing = serve(() => new Response("boom", { status: 503 }));
  const live = bucket();
  const planes = new ControlPlanes([dead.url, failing.url, live.url]);
  const client = new ArtifactClient(planes, TOKEN);
  expect(await client.download("fn_1", 3)).toEqual({ ok: true, bytes: MODULE });
  expect([failing.seen.length, live.seen.length]).toEqual([1, 1]);

  // Following the third now: it is asked first, and the others not at all.
  planes.advance();
  planes.advance();
  expect(planes.current).toBe(live.url);
  expect(await client.download("fn_1", 3)).toEqual({ ok: true, bytes: MODULE });
  expect([failing.seen.length, live.seen.length]).toEqual([1, 2]);

  // A 404 is the answer of them all (one database): the next one is not asked.
  const missing = serve(() => new Response("{}", { status: 404 }));
  const other = bucket();
  const result = await new ArtifactClient(new ControlPlanes([missing.url, other.url]), TOKEN).download("fn_1", 3);
  expect(result).toEqual({ ok: false, reason: `${missing.url}: control plane answered 404 for version 3` });
  expect(other.seen).toEqual([]);

  // Every one failing: each reason is named by its control plane.
  const all = await new ArtifactClient(new ControlPlanes([dead.url, failing.url]), TOKEN).download("fn_1", 3);
  if (all.ok) throw new Error("downloaded from nowhere");
  expect(all.reason).toStartWith(`${dead.url}: control plane unreachable`);
  expect(all.reason).toEndWith(`; ${failing.url}: control plane answered 503 for version 3`);
});
