// Loaded deployments and leases, without workers: a deployment leaves the pool only when it is
// no longer routed (or its module was evicted) and its last request has finished.
import { beforeEach, expect, test } from "bun:test";
import type { DeployedFunction } from "../../core/contract";
import type { ArtifactRef, ArtifactResult, ArtifactSource } from "../../runner/edge/artifacts/verified-artifacts";
import { ModuleCache } from "../../runner/edge/modules/module-cache";
import { deploymentOf, type Deployment } from "../../runner/edge/serving/deployment";
import { EdgeRouter } from "../../runner/edge/serving/edge-router";
import { LoadedFunctions, type Lease } from "../../runner/edge/serving/loaded-functions";
import { sha256Hex } from "../../core/module/sha256";
import { createLogger } from "../../core/observe/log";
import type { LoadedFunction } from "../../runner/sandbox/protocol";
import { textModule } from "../fixtures/guests";

const logger = createLogger("error");
const AT = "2025-01-01T00:00:00.000Z";

class Artifacts implements ArtifactSource {
  readonly bytes = new Map<string, Uint8Array>();
  fetches = 0;
  gate: Promise<void> | null = null;
  add(text: string): string {
    const bytes = textModule(text, { padBytes: 20_000 });
    const sha = sha256Hex(bytes);
    this.bytes.set(sha, bytes);
    return sha;
  }
  async get(ref: ArtifactRef): Promise<ArtifactResult> {
    this.fetches++;
    await this.gate;
    const bytes = this.bytes.get(ref.sha256);
    return bytes ? { ok: true, bytes } : { ok: false, reason: "gone" };
  }
}

let artifacts: Artifacts;
let host: { loaded: Set<string>; log: string[]; load(fn: LoadedFunction): void; unload(key: string): void };
let counts: { hit: number; miss: number; evicted: number };
let loaded: LoadedFunctions;
let router: EdgeRouter;

function setUp(cacheBytes: number) {
  artifacts = new Artifacts();
  host = {
    loaded: new Set(),
    log: [],
    load(fn) {
      this.loaded.add(fn.key);
      this.log.push(`load ${fn.key.split(":")[0]}`);
    },
    unload(key) {
      this.loaded.delete(key);
      this.log.push(`unload ${key.split(":")[0]}`);
    },
  };
  counts = { hit: 0, miss: 0, evicted: 0 };
  const modules = new ModuleCache(
    cacheBytes,
    artifacts,
    {
      moduleCacheHit: () => counts.hit++,
      moduleCacheMiss: () => counts.miss++,
      moduleCacheEviction: () => counts.evicted++,
    },
    (key) => loaded.evicted(key),
  );
  loaded = new LoadedFunctions(
    host,
    modules,
    { maxResponseBytes: 1 << 20, maxLogLines: 10, maxLogLineBytes: 100 },
    logger,
  );
  router = new EdgeRouter(loaded, logger);
}

function deployment(name: string, version: number, sha256: string): Deployment {
  const source: DeployedFunction = {
    function: {
      id: name,
      name,
      entrypoint: "handle",
      runtime: "wasm",
      memory_pages: 16,
      max_execution_ms: 500,
      env: {},
      routes: [`/${name}`],
      active_version: version,
      created_at: AT,
      updated_at: AT,
    },
    artifact: { version, sha256, size: 1 },
  };
  return deploymentOf(source)!;
}

async function lease(path: string): Promise<Lease> {
  const result = await router.lease(path);
  if (!result || "unavailable" in result) throw new Error(`no lease for ${path}: ${result?.reason ?? "not routed"}`);
  return result;
}

beforeEach(() => setUp(64 << 20));

test("a switch drains: the old deployment unloads when its last request ends, not before", async () => {
  const v1 = deployment("f", 1, artifacts.add("v1"));
  const v2 = deployment("f", 2, artifacts.add("v2"));
  expect(await loaded.load(v1)).toEqual({ ok: true });
  router.publish([v1]);
  const running = [await lease("/f"), await lease("/f")];
  expect(running[0]!.target.key).toBe(v1.poolKey);

  await loaded.load(v2);
  router.publish([v2]);
  expect((await lease("/f")).target.key).toBe(v2.poolKey);
  expect(host.loaded.has(v1.poolKey)).toBe(true);
  running[0]!.release();
  running[0]!.release(); // twice is once
  expect(host.loaded.has(v1.poolKey)).toBe(true);
  running[1]!.release();
  expect(host.loaded.has(v1.poolKey)).toBe(false);
  expect(host.log).toEqual(["load f@1", "load f@2", "unload f@1"]);
});

test("an idle deployment that is no longer routed unloads at once; rolling back reuses the compiled module", async () => {
  const v1 = deployment("f", 1, artifacts.add("v1"));
  const v2 = deployment("f", 2, artifacts.add("v2"));
  await loaded.load(v1);
  router.publish([v1]);
  await loaded.load(v2);
  router.publish([v2]);
  expect([...host.loaded]).toEqual([v2.poolKey]);
  const fetches = artifacts.fetches;
  await loaded.load(v1);
  router.publish([v1]);
  expect(artifacts.fetches).toBe(fetches); // compiled module still cached
  expect([...host.loaded]).toEqual([v1.poolKey]);
});

test("a module evicted from the cache unloads once idle and loads again on the next request", async () => {
  setUp(150_000); // each padded module costs ~4 x 20 KB+; room for one
  const a = deployment("a", 1, artifacts.add("a"));
  const b = deployment("b", 1, artifacts.add("b"));
  await loaded.load(a);
  router.publish([a]);
  const held = await lease("/a");
  await loaded.load(b); // evicts a's module, but a is running a request
  router.publish([a, b]);
  expect(counts.evicted).toBe(1);
  expect(host.loaded.has(a.poolKey)).toBe(true);
  held.release();
  expect(host.loaded.has(a.poolKey)).toBe(false);
  const misses = counts.miss;
  const again = await lease("/a"); // compiled again, b evicted in turn
  expect(again.target.key).toBe(a.poolKey);
  expect(counts.miss).toBe(misses + 1);
  expect(host.loaded.has(b.poolKey)).toBe(false);
  again.release();
});

test("a request waiting for a load while a deploy lands gets the new version; the stale load is let go", async () => {
  setUp(150_000);
  const a1 = deployment("a", 1, artifacts.add("a1"));
  const a2 = deployment("a", 2, artifacts.add("a2"));
  const other = deployment("other", 1, artifacts.add("other"));
  await loaded.load(a1);
  router.publish([a1]);
  await loaded.load(other); // evicts a1 (idle): the next /a request must load it again
  router.publish([a1, other]);
  expect(host.loaded.has(a1.poolKey)).toBe(false);

  let open!: () => void;
  artifacts.gate = new Promise((resolve) => (open = resolve));
  const waiting = router.lease("/a") as Promise<Lease | null>;
  artifacts.gate = null;
  await loaded.load(a2);
  router.publish([a2, other]);
  open();
  const got = await waiting;
  expect(got?.target.key).toBe(a2.poolKey);
  expect(host.loaded.has(a1.poolKey)).toBe(false);
  got?.release();
});

test("a routed function whose module can be had nowhere is unavailable (not unrouted), and serves again once it can", async () => {
  setUp(150_000);
  const a = deployment("a", 1, artifacts.add("a"));
  const b = deployment("b", 1, artifacts.add("b"));
  await loaded.load(a);
  await loaded.load(b); // evicts a's module (idle): the next /a request must load it again
  router.publish([a, b]);
  expect(host.loaded.has(a.poolKey)).toBe(false);
  const bytes = artifacts.bytes.get(a.sha256)!;
  artifacts.bytes.delete(a.sha256);

  expect(await router.lease("/a")).toEqual({ unavailable: true, name: "a", reason: "version 1: gone" });
  expect(host.loaded.has(a.poolKey)).toBe(false);

  artifacts.bytes.set(a.sha256, bytes);
  const back = await lease("/a");
  expect(back.target.key).toBe(a.poolKey);
  back.release();
});

test("paths no deployment routes get no lease", async () => {
  expect(await router.lease("/nothing")).toBeNull();
});
