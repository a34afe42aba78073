// `bun bench/watch-sync.ts [functions] [kib-of-env] [nodes]`: the control plane's memory while
// nodes sync a large state. Seeds a data dir directly through the store (320 functions of
// ~1 MiB env by default), starts `bun control/main.ts` on it, then `nodes` watch clients (what an
// edge node sends: this protocol, a hello) take the snapshot at once; prints the control plane's RSS
// before and at its peak (sampled every 20 ms), the time, and the largest message. Not a test.
// At most 10 nodes: the control plane takes 10 new node ids at once from one address.
// WATCH_QUERY="" measures a control plane of the previous release (protocol 1).
import { rmSync } from "node:fs";
import { join } from "node:path";
import { SqliteMetadataStore } from "../control/store/sqlite-metadata-store";
import { WATCH_PROTOCOL } from "../core/contract";
import { rssMb } from "../tests/helpers/server-process";
import { startControlProcess } from "../tests/helpers/control-process";
import { READ_TOKEN } from "../tests/helpers/control-api";
import { tempDir } from "../tests/helpers/temp-dir";
import { functionSpec } from "../tests/helpers/function-spec";

const functions = Number(process.argv[2] ?? 320);
const kib = Number(process.argv[3] ?? 1000);
const watchers = Number(process.argv[4] ?? 1);

const dataDir = tempDir("bench-watch-");
const store = new SqliteMetadataStore(join(dataDir, "metadata.sqlite"));
const values = Math.max(1, Math.floor((kib * 1000) / 16_000));
for (let i = 0; i < functions; i++) {
  const env = Object.fromEntries(
    Array.from({ length: values }, (_, k) => [
      `V${k}`,
      String.fromCharCode(97 + (i % 26)).repeat(Math.min(16_000, kib * 1000)),
    ]),
  );
  await store.createFunction(functionSpec(`f-${i}`, { env, routes: [`/f-${i}`] }));
}
store.close();

const control = await startControlProcess(dataDir);
await Bun.sleep(1000);
const before = control.rssMb();
let peak = before;
const sampler = setInterval(() => (peak = Math.max(peak, rssMb(control.pid))), 20);
const started = performance.now();
let largest = 0;
let bytes = 0;
await Promise.all(
  Array.from(
    { length: watchers },
    (_, w) =>
      new Promise<void>((resolve, reject) => {
        const socket = new WebSocket(
          `${control.url.replace("http", "ws")}/api/v1/watch${process.env.WATCH_QUERY ?? `?protocol=${WATCH_PROTOCOL}`}`,
          { headers: { authorization: `Bearer ${READ_TOKEN}` } } as unknown as string[],
        );
        socket.onopen = () =>
          socket.send(
            JSON.stringify({
              type: "hello",
              node_id: `bench-${w}`,
              address: "http://bench",
              version: "0",
              revision: 0,
              key: "k".repeat(43),
              instance: `bench-instance-${w}`,
            }),
          );
        socket.onmessage = (event) => {
          const text = String(event.data);
          const size = Buffer.byteLength(text);
          largest = Math.max(largest, size);
          bytes += size;
          // The last page (protocol 2 on), or the one snapshot message of the previous release.
          const head = text.slice(0, 200);
          if (head.startsWith('{"type":"snapshot"') && (/"last":true/.test(head) || !/"last":/.test(head))) {
            socket.close();
            resolve();
          }
        };
        socket.onerror = () => reject(new Error("socket error"));
        socket.onclose = (event) => reject(new Error(`closed ${event.code} ${event.reason}`));
      }),
  ),
);
const seconds = (performance.now() - started) / 1000;
clearInterval(sampler);
peak = Math.max(peak, control.rssMb());
console.log(
  `${functions} functions x ${kib} KB env, ${watchers} node(s): ${(bytes / 1048576).toFixed(0)} MiB sent in ${seconds.toFixed(1)} s; largest message ${(largest / 1024).toFixed(0)} KiB; control RSS ${before.toFixed(0)} -> ${peak.toFixed(0)} MiB (+${(peak - before).toFixed(0)})`,
);
await control.stop("SIGKILL");
rmSync(dataDir, { recursive: true, force: true });
