// The metadata store's write rate on each backend, and how soon a commit through one replica
// wakes another: SQLite (a file in a temp dir) against PostgreSQL (the one tests use, a fresh
// schema), both in this process, no HTTP. Uploads commit through addVersion; C concurrent
// writers share one store (SQLite serializes them in the process, PostgreSQL on the revision
// lock). Fan-out: replica A commits, replica B's LISTEN callback fires; the median and p99 of N.
// Run alone: bun bench/store-backends.ts [COMMITS] (default 2000)
import { rmSync } from "node:fs";
import { join } from "node:path";
import type { MetadataStore } from "../control/store/metadata-store";
import { openDatabase } from "../control/store/postgres/database";
import { PostgresMetadataStore } from "../control/store/postgres/metadata-store";
import { changeChannel } from "../control/store/postgres/replica-changes";
import { SqliteMetadataStore } from "../control/store/sqlite-metadata-store";
import { functionSpec } from "../tests/helpers/function-spec";
import { freshSchema, testPostgres } from "../tests/helpers/postgres";
import { tempDir } from "../tests/helpers/temp-dir";

const COMMITS = Number(Bun.argv[2] ?? 2000);
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

async function writes(store: MetadataStore, concurrency: number): Promise<number> {
  const created = await store.createFunction(functionSpec(`bench-${concurrency}-${Date.now()}`));
  if (!created.ok) throw new Error(created.reason);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < COMMITS) {
        const i = next++;
        await store.addVersion(created.value.id, { sha256: i.toString(16).padStart(64, "0"), size: i }, false);
      }
    }),
  );
  return COMMITS / ((performance.now() - started) / 1000);
}

const dir = tempDir("bench-stores-");
const sqlite = new SqliteMetadataStore(join(dir, "metadata.sqlite"));
const rows: string[] = [];
for (const c of [1, 8])
  rows.push(`| SQLite (file, WAL, synchronous FULL) | ${c} | ${Math.round(await writes(sqlite, c))} |`);
sqlite.close();
rmSync(dir, { recursive: true, force: true });

const base = await testPostgres();
if (!base) {
  console.log("no PostgreSQL: only SQLite measured");
} else {
  const schema = await freshSchema(base);
  const [a, b] = [await openDatabase({ url: schema.url }), await openDatabase({ url: schema.url })];
  const channel = await changeChannel(a);
  const pg = new PostgresMetadataStore(a, channel);
  for (const c of [1, 8]) rows.push(`| PostgreSQL 15 (local, fsync on) | ${c} | ${Math.round(await writes(pg, c))} |`);

  // Fan-out: A commits, B hears it.
  let heard: (() => void) | null = null;
  const subscription = await b.listen(channel, () => heard?.());
  const fn = await pg.createFunction(functionSpec("fanout"));
  if (!fn.ok) throw new Error(fn.reason);
  const latencies: number[] = [];
  for (let i = 0; i < 300; i++) {
    const wait = new Promise<void>((resolve) => (heard = resolve));
    const t0 = performance.now();
    await pg.updateFunction(fn.value.id, { max_execution_ms: 100 + (i % 50) });
    await wait;
    latencies.push(performance.now() - t0);
  }
  latencies.sort((x, y) => x - y);
  console.log(
    `fan-out (commit on replica A to LISTEN callback on replica B, 300 commits): median ${pct(latencies, 0.5).toFixed(2)} ms, p99 ${pct(latencies, 0.99).toFixed(2)} ms`,
  );
  await subscription.unlisten();
  await a.close();
  await b.close();
  await schema.drop();
}
console.log(`| store | concurrent writers | addVersion commits/s (${COMMITS}) |\n|---|---|---|\n${rows.join("\n")}`);
