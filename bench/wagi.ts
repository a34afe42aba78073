// WAGI next to the edge ABI: the Rust WAGI example (functions/examples/rust-wagi) served by the
// runner in single-file mode, a GET (its greeting: a hello) and a POST of a small body (echoed
// back), in rounds alternating with the edge-ABI hello-world on the runner, so each req/s has a
// reference measured in the same run. Without the Rust toolchain the rows are skipped, with why.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../tests/helpers/temp-dir";
import { wagiExample } from "../tests/helpers/wagi-examples";
import { pairedRatio, runRounds, type HttpLoad, type HttpRow } from "./http-rounds";
import type { Subject } from "./http-subject";
import type { Measurement } from "./summary";

/** The body of each POST: small, as a form or a JSON call would be. */
export const ECHO_BODY = "x".repeat(128);

export type WagiBench = { rows: HttpRow[] } | { skipped: string };

/** `edgeHello`: the runner serving the edge-ABI hello-world, named "runner" (the tables' reference). */
export async function wagiBench(edgeHello: Subject, load: HttpLoad, log: (line: string) => void): Promise<WagiBench> {
  let module: string;
  try {
    module = wagiExample("rust-wagi");
  } catch (error) {
    // One line: it goes into a Markdown table.
    return {
      skipped: `the Rust WAGI example could not be built: ${(error as Error).message.trim().replace(/\s*\n\s*/g, " ")}`,
    };
  }
  const script = join(tempDir("edge-bench-wagi-"), "post.lua");
  writeFileSync(script, `wrk.method = "POST"\nwrk.body = "${ECHO_BODY}"\nwrk.headers["Content-Type"] = "text/plain"\n`);
  const cmd = ["bun", "runner/main.ts", module, "--host", "127.0.0.1", "--port", "0", "--log-level", "warn"];
  const urlPattern = /http:\/\/127\.0\.0\.1:\d+\//;
  const rows = await runRounds(
    [edgeHello, { name: "wagi-hello", cmd, urlPattern }, { name: "wagi-echo", cmd, urlPattern, wrkScript: script }],
    load,
    log,
  );
  return { rows };
}

/** The WAGI rows against the edge-ABI hello of the same rounds. */
export function wagiMeasurements(bench: WagiBench): Measurement[] {
  const measurement = (what: string) =>
    `${what}, runner single-file mode, vs the edge-ABI hello-world on the runner in the same rounds`;
  if ("skipped" in bench)
    return [{ measurement: measurement("WAGI hello and echo (Rust example)"), value: `skipped: ${bench.skipped}` }];
  const row = (name: string) => bench.rows.find((r) => r.subject === name)!;
  const edge = row("runner");
  const line = (r: HttpRow) =>
    `${pairedRatio(r.rounds, edge.rounds).toFixed(2)}x (${r.rps.toFixed(0)} vs ${edge.rps.toFixed(0)} req/s; p99 ${r.p99Ms.toFixed(2)} vs ${edge.p99Ms.toFixed(2)} ms; CPU ${r.cpuUsPerRequest.toFixed(0)} vs ${edge.cpuUsPerRequest.toFixed(0)} µs per request; ${r.rounds.length} rounds)`;
  return [
    { measurement: measurement("WAGI hello (Rust example, GET)"), value: line(row("wagi-hello")) },
    {
      measurement: measurement(`WAGI echo (Rust example, POST of ${ECHO_BODY.length} B)`),
      value: line(row("wagi-echo")),
    },
  ];
}
