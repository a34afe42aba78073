// A/B of two checkouts of the runner, with the baseline, in alternating rounds: what a change
// does to hello-world req/s and CPU per request when the machine's speed drifts between runs
// (here: the baseline alone moved 65-95k req/s within minutes). Each round starts all three
// fresh, back to back, so a pair of rounds shares most of the background load of its moment.
// Usage: bun bench/ab.ts DIR_A DIR_B [rounds=8] [seconds=5] [extra runner flags for B...]
// (e.g. a `git worktree` of the previous commit as DIR_A, this checkout as DIR_B).
import { resolve } from "node:path";
import { runRounds } from "./http-rounds";
import { SAME_ENGINE } from "./http-subject";

const [dirA, dirB, rounds = "8", seconds = "5", ...extra] = Bun.argv.slice(2);
if (!dirA || !dirB) {
  process.stderr.write("usage: bun bench/ab.ts DIR_A DIR_B [rounds=8] [seconds=5] [extra runner flags for B...]\n");
  process.exit(2);
}
const URL_LINE = /http:\/\/127\.0\.0\.1:\d+\//;
const here = resolve(import.meta.dir, "..");
const runner = (name: string, dir: string, more: string[] = []) => {
  const root = resolve(dir);
  return {
    name,
    cmd: [
      "bun",
      `${root}/runner/main.ts`,
      `${here}/build/hello_world.wasm`,
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      "--log-level",
      "warn",
      ...more,
    ],
    urlPattern: URL_LINE,
  };
};
const rows = await runRounds(
  [
    {
      name: "baseline",
      cmd: [...SAME_ENGINE, "bun", `${here}/bench/subjects/baseline.ts`, `${here}/build/hello_world.wasm`, "0"],
      urlPattern: URL_LINE,
    },
    runner("A", dirA),
    runner("B", dirB, extra),
  ],
  { rounds: Number(rounds), seconds: Number(seconds), connections: 64, warmupSeconds: 2 },
  (line) => console.log(line),
);
for (const r of rows) {
  console.log(
    `${r.subject}: ${r.rps.toFixed(0)} req/s, ratio to baseline ${r.ratioToBaseline.toFixed(3)}, p99 ${r.p99Ms.toFixed(2)} ms, CPU ${r.cpuUsPerRequest.toFixed(1)} µs/request; rounds ${r.rounds.join(", ")}`,
  );
}
const [a, b] = [rows[1]!.rounds, rows[2]!.rounds];
const ratios = a.map((v, i) => b[i]! / v).sort((x, y) => x - y);
console.log(
  `B/A req/s per round: ${ratios.map((x) => x.toFixed(3)).join(" ")}; median ${ratios[Math.floor(ratios.length / 2)]!.toFixed(3)}`,
);
