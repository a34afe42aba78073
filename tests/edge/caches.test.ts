// The two bounded caches: compiled modules (by cost, in memory) and artifacts (by bytes, on disk).
import { describe, expect, test } from "bun:test";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DiskArtifacts } from "../../runner/edge/artifacts/disk-artifacts";
import { ByteLru } from "../../core/cache/byte-lru";
import { sha256Hex } from "../../core/module/sha256";
import { tempDir } from "../helpers/temp-dir";

describe("ByteLru", () => {
  test("evicts least recently used entries until the cost fits; reads refresh recency", () => {
    const evicted: string[] = [];
    const lru = new ByteLru<string>(10, (key) => evicted.push(key));
    lru.set("a", "A", 4);
    lru.set("b", "B", 4);
    expect(lru.get("a")).toBe("A"); // a is now the most recent
    lru.set("c", "C", 4);
    expect(evicted).toEqual(["b"]);
    expect([lru.has("a"), lru.has("b"), lru.has("c")]).toEqual([true, false, true]);
    expect(lru.cost).toBe(8);
  });

  test("an entry over the whole bound stays (it is needed now) and pushes out everything else", () => {
    const evicted: string[] = [];
    const lru = new ByteLru<number>(10, (key) => evicted.push(key));
    lru.set("a", 1, 3);
    lru.set("b", 2, 3);
    lru.set("huge", 3, 50);
    expect(evicted).toEqual(["a", "b"]);
    expect(lru.size).toBe(1);
    lru.set("small", 4, 1);
    expect(evicted).toEqual(["a", "b", "huge"]);
  });

  test("replacing a key updates its cost; delete forgets without calling onEvict", () => {
    const evicted: string[] = [];
    const lru = new ByteLru<number>(10, (key) => evicted.push(key));
    lru.set("a", 1, 5);
    lru.set("a", 2, 7);
    expect(lru.cost).toBe(7);
    expect(lru.delete("a")).toBe(true);
    expect(lru.cost).toBe(0);
    expect(evicted).toEqual([]);
  });
  test("entries mayEvict refuses are passed over; admit adds without evicting", () => {
    const evicted: string[] = [];
    const pinned = new Set(["a"]);
    const lru = new ByteLru<number>(2, (key) => evicted.push(key), { mayEvict: (key) => !pinned.has(key) });
    lru.set("a", 1, 1);
    lru.set("b", 2, 1);
    lru.set("c", 3, 1);
    expect(evicted).toEqual(["b"]);
    lru.admit("d", 4, 1);
    lru.admit("e", 5, 1);
    expect(evicted).toEqual(["b"]);
    expect(lru.cost).toBe(4);
    pinned.clear();
    lru.evict();
    expect(evicted).toEqual(["b", "a", "c"]); // back within the bound, oldest first
    expect(lru.cost).toBe(2);
  });
});

describe("DiskArtifacts", () => {
  const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);

  test("reads back verified bytes, refuses and deletes a file whose bytes changed", async () => {
    const dir = tempDir("edge-disk-");
    const tampered: string[] = [];
    const disk = await DiskArtifacts.open(dir, 1 << 20, (sha) => tampered.push(sha));
    const good = bytes(100, 1);
    const sha = sha256Hex(good);
    await disk.write(sha, good);
    expect(await disk.read(sha)).toEqual(good);
    writeFileSync(join(dir, `${sha}.wasm`), bytes(100, 2));
    expect(await disk.read(sha)).toBeNull();
    expect(tampered).toEqual([sha]);
    expect(readdirSync(dir)).toEqual([]);
    expect(await disk.read("../../etc/passwd")).toBeNull();
  });

  test("bounded by bytes: least recently used first, never a pinned artifact; a reopened store remembers", async () => {
    const dir = tempDir("edge-disk-");
    const disk = await DiskArtifacts.open(dir, 250, () => {});
    const [a, b, c] = [bytes(100, 1), bytes(100, 2), bytes(100, 3)];
    const [sa, sb, sc] = [a, b, c].map(sha256Hex) as [string, string, string];
    await disk.pin(new Set([sa]));
    await disk.write(sa, a);
    await disk.write(sb, b);
    await disk.write(sc, c); // over 250: b is the oldest unpinned
    expect([disk.has(sa), disk.has(sb), disk.has(sc)]).toEqual([true, false, true]);
    expect(disk.stats()).toEqual({ files: 2, bytes: 200 });
    writeFileSync(join(dir, "leftover.wasm.123.tmp"), "x");
    const reopened = await DiskArtifacts.open(dir, 250, () => {});
    expect(reopened.stats()).toEqual({ files: 2, bytes: 200 });
    expect(readdirSync(dir).sort()).toEqual([`${sa}.wasm`, `${sc}.wasm`].sort());
  });

  test("the artifact just written is kept even when everything else is pinned", async () => {
    const disk = await DiskArtifacts.open(tempDir("edge-disk-"), 150, () => {});
    const [a, b] = [bytes(100, 1), bytes(100, 2)];
    await disk.pin(new Set([sha256Hex(a)]));
    await disk.write(sha256Hex(a), a);
    await disk.write(sha256Hex(b), b);
    expect([disk.has(sha256Hex(a)), disk.has(sha256Hex(b))]).toEqual([true, true]);
    await disk.pin(new Set([sha256Hex(b)])); // the deploy moved on: a may go now
    expect([disk.has(sha256Hex(a)), disk.has(sha256Hex(b))]).toEqual([false, true]);
  });
});
