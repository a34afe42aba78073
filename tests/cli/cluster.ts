// What the deploy tests run against: a real control plane (in-process, real SQLite and files)
// and two edge nodes as real processes, and the CLI pointed at them through the environment
// (the token in EDGEBASE_TOKEN, never in argv).
import { TOKEN } from "../helpers/control-api";
import { runCli, shown, type CliOptions, type CliRun } from "../helpers/cli-process";
import { startEdgeProcess } from "../helpers/edge-process";
import type { ServerProcess } from "../helpers/server-process";
import { tempDir } from "../helpers/temp-dir";
import { startTestControl, type TestControl } from "../helpers/test-control";

export interface Cluster {
  control: TestControl;
  nodes: ServerProcess[];
  /** Runs `edge ...` against this control plane; every run's output is kept to look for the token. */
  edge(args: string[], options?: CliOptions): Promise<CliRun>;
  /** Every output so far. */
  outputs: string[];
  stop(): Promise<void>;
}

export const NODE_IDS = ["node-a", "node-b"];

export async function startCluster(): Promise<Cluster> {
  const control = await startTestControl();
  const nodes = await Promise.all(
    NODE_IDS.map((id) => startEdgeProcess(control.url, tempDir(`edge-cli-${id}-`), id, ["--workers", "1"])),
  );
  const outputs: string[] = [];
  return {
    control,
    nodes,
    outputs,
    async edge(args, options = {}) {
      const run = await runCli(args, {
        ...options,
        env: { EDGEBASE_URL: control.url, EDGEBASE_TOKEN: TOKEN, ...options.env },
      });
      outputs.push(shown(run));
      return run;
    },
    async stop() {
      await Promise.all(nodes.map((node) => node.stop("SIGKILL")));
      await control.stop();
    },
  };
}

/** The per-node progress lines of a deploy: node id -> the revision it reported applied. */
export function appliedRevisions(stdout: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const match of stdout.matchAll(/^ {2}(\S+): revision (\d+) applied/gm)) found.set(match[1]!, Number(match[2]));
  return found;
}
