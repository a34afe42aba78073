// The HTTP subjects take turns, `rounds` times, each started fresh, warmed up, then loaded with
// wrk; each reports medians over its rounds. On a 2-core machine shared with wrk, one round alone
// swings by ±15 %, and alternating spreads any background load over every subject alike.
import { cpuMs, median, rssMiB, startSubject, wrk, type Subject } from "./http-subject";

export interface HttpRun {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Non-2xx answers and socket errors (in a row: of all rounds). */
  errors: number;
  /** The subject's CPU time (every thread) per request during the measured run. */
  cpuUsPerRequest: number;
  rssMiB: number;
  startToFirstResponseMs: number;
  startToListenMs: number;
}

/** The median over the rounds of each number (so a latency spike from background load stays in its round), and the errors of all rounds. */
export interface HttpRow extends HttpRun {
  subject: string;
  /** Median over rounds of this subject's req/s over the first subject's in the same round. */
  ratioToBaseline: number;
  /** req/s of every round, in order. */
  rounds: number[];
  /** p99 of every round, in order. */
  p99Rounds: number[];
  startMsRounds: number[];
}

export interface HttpLoad {
  rounds: number;
  seconds: number;
  connections: number;
  warmupSeconds: number;
  /** The load generator's niceness, when it should not be the server's equal for the CPUs. */
  clientNice?: number;
}

export async function runRounds(subjects: Subject[], load: HttpLoad, log: (line: string) => void): Promise<HttpRow[]> {
  const runs = new Map<string, HttpRun[]>(subjects.map((s) => [s.name, []]));
  for (let round = 0; round < load.rounds; round++) {
    for (const subject of subjects) {
      const running = await startSubject(subject);
      try {
        // JIT, worker pools, memory pools
        await wrk(running.url, load.warmupSeconds, load.connections, undefined, subject.wrkScript);
        const cpu0 = cpuMs(running.pid);
        const result = await wrk(running.url, load.seconds, load.connections, load.clientNice, subject.wrkScript);
        const cpuUsPerRequest = ((cpuMs(running.pid) - cpu0) * 1000) / (result.rps * load.seconds);
        runs.get(subject.name)!.push({
          ...result,
          cpuUsPerRequest,
          rssMiB: rssMiB(running.pid),
          startToFirstResponseMs: running.startMs,
          startToListenMs: running.listenMs,
        });
        log(
          `  round ${round + 1}/${load.rounds} ${subject.name}: ${result.rps.toFixed(0)} req/s, p99 ${result.p99Ms.toFixed(2)} ms, ${cpuUsPerRequest.toFixed(0)} µs CPU/request, start ${running.startMs.toFixed(0)} ms${result.errors ? `, ${result.errors} errors` : ""}`,
        );
      } finally {
        await running.stop();
      }
    }
  }
  const baselineRounds = runs.get(subjects[0].name)!.map((r) => r.rps);
  return subjects.map((s) => {
    const list = runs.get(s.name)!;
    const of = (key: keyof HttpRun) => median(list.map((r) => r[key]));
    return {
      subject: s.name,
      rps: of("rps"),
      p50Ms: of("p50Ms"),
      p99Ms: of("p99Ms"),
      errors: list.reduce((sum, r) => sum + r.errors, 0),
      cpuUsPerRequest: of("cpuUsPerRequest"),
      rssMiB: of("rssMiB"),
      startToFirstResponseMs: of("startToFirstResponseMs"),
      startToListenMs: of("startToListenMs"),
      ratioToBaseline: pairedRatio(
        list.map((r) => r.rps),
        baselineRounds,
      ),
      rounds: list.map((r) => Math.round(r.rps)),
      p99Rounds: list.map((r) => r.p99Ms),
      startMsRounds: list.map((r) => Math.round(r.startToFirstResponseMs)),
    };
  });
}

/**
 * The median over rounds of a[k] / b[k]. Rounds of different subjects run back to back, so a
 * pair shares most of the background load of its moment; a ratio of medians would mix rounds.
 */
export function pairedRatio(a: number[], b: number[]): number {
  return median(a.map((v, k) => v / b[k]));
}
