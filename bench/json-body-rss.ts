// The control plane's RSS around a 95 MB JSON body, sent with a Content-Length and then chunked:
// JSON routes stop reading at 5 MiB (control/json-body.ts). Run alone: bun bench/json-body-rss.ts
import { readFileSync } from "node:fs";
import { TOKEN } from "../tests/helpers/control-api";
import { startControlProcess } from "../tests/helpers/control-process";
const rss = (pid: number) => Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/)![1]) / 1024;
const hwm = (pid: number) => Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/VmHWM:\s+(\d+)/)![1]) / 1024;
const c = await startControlProcess();
const before = rss(c.pid);
const body = JSON.stringify({ name: "big", env: { BIG: "x".repeat(95_000_000) } });
const t0 = performance.now();
const r1 = await fetch(`${c.url}/api/v1/functions`, {
  method: "POST",
  headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
  body,
});
const t1 = performance.now();
let sent = 0;
const stream = new ReadableStream<Uint8Array>({
  pull(ctl) {
    if (sent >= 95_000_000) return ctl.close();
    ctl.enqueue(new Uint8Array(65536).fill(0x78));
    sent += 65536;
  },
});
const r2 = await fetch(`${c.url}/api/v1/functions`, {
  method: "POST",
  headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
  body: stream,
  duplex: "half",
} as RequestInit).catch((e) => ({ status: String(e) }));
const t2 = performance.now();
console.log(
  JSON.stringify({
    rssBeforeMb: before.toFixed(0),
    content_length: { status: r1.status, ms: (t1 - t0).toFixed(0) },
    chunked: { status: r2.status, ms: (t2 - t1).toFixed(0), clientSentMb: (sent / 1e6).toFixed(1) },
    peakRssMb: hwm(c.pid).toFixed(0),
    rssAfterMb: rss(c.pid).toFixed(0),
  }),
);
await c.stop();
