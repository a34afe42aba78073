// Starting a server process for a benchmark, and what wrk says about it.
import { readFileSync } from "node:fs";

export interface Subject {
  name: string;
  cmd: string[];
  /** A line of the subject's stdout that holds its URL. */
  urlPattern: RegExp;
}

export interface Running {
  url: string;
  pid: number;
  startMs: number;
  stop(): Promise<void>;
}

export async function startSubject(subject: Subject): Promise<Running> {
  const t0 = performance.now();
  const proc = Bun.spawn(subject.cmd, { stdout: "pipe", stderr: "inherit" });
  const reader = proc.stdout.getReader();
  let text = "";
  let url = "";
  while (!url) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`${subject.name} exited before printing its URL:\n${text}`);
    text += new TextDecoder().decode(value);
    url = text.match(subject.urlPattern)?.[0] ?? "";
  }
  // Keep draining stdout so a chatty subject never blocks on a full pipe.
  (async () => { while (!(await reader.read()).done); })();
  let first = 0;
  for (let i = 0; i < 500 && !first; i++) {
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) first = performance.now() - t0;
    else await Bun.sleep(2);
  }
  return {
    url,
    pid: proc.pid,
    startMs: first,
    async stop() {
      proc.kill("SIGTERM");
      await proc.exited;
    },
  };
}

export interface WrkResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

export async function wrk(url: string, seconds: number, connections: number): Promise<WrkResult> {
  const proc = Bun.spawn(["wrk", "-t2", `-c${connections}`, `-d${seconds}s`, "--latency", url], { stdout: "pipe", stderr: "pipe" });
  const out = await new Response(proc.stdout).text();
  await proc.exited;
  const rps = Number(out.match(/Requests\/sec:\s+([\d.]+)/)?.[1] ?? NaN);
  const pct = (p: string) => toMs(out.match(new RegExp(`\\s${p}%\\s+([\\d.]+\\w+)`))?.[1] ?? "NaN");
  const errors = Number(out.match(/Non-2xx or 3xx responses:\s+(\d+)/)?.[1] ?? 0) + Number(out.match(/Socket errors:.*?(\d+)/)?.[1] ?? 0);
  return { rps, p50Ms: pct("50"), p99Ms: pct("99"), errors };
}

function toMs(text: string): number {
  const m = text.match(/^([\d.]+)(us|ms|s)$/);
  if (!m) return NaN;
  const v = Number(m[1]);
  return m[2] === "us" ? v / 1000 : m[2] === "s" ? v * 1000 : v;
}

export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(status.match(/VmRSS:\s+(\d+) kB/)?.[1] ?? NaN) / 1024;
}
