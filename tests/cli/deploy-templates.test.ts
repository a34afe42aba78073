// `edge init` + `edge deploy` of every template against a control plane with two edge nodes
// (real processes): the deploy waits until both nodes have applied it, names each node with the
// revision it applied and the URLs it serves, and both nodes then answer with the function.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { TEMPLATE_NAMES } from "../../cli/init/templates";
import { TOKEN } from "../helpers/control-api";
import { runCli } from "../helpers/cli-process";
import { REPO_ROOT } from "../helpers/server-process";
import { tempDir } from "../helpers/temp-dir";
import { appliedRevisions, NODE_IDS, startCluster, type Cluster } from "./cluster";

let cluster: Cluster;
const root = tempDir("edge-cli-deploy-");

/** What GET /<name>/hi answers for each template. */
const ANSWERS: Record<string, (name: string) => string> = {
  as: () => "Hello, World!",
  rust: () => "Hello, World!",
  c: () => "Hello, World!",
  "rust-wasi": (name) => `Hello from ${name}!\nmethod: GET\npath: /hi\nquery: \n`,
  "c-wasi": (name) => `Hello from ${name}!\nmethod: GET\npath: /hi\nquery: \n`,
};

beforeAll(async () => {
  cluster = await startCluster();
}, 60_000);
afterAll(() => cluster?.stop());

describe("edge init + edge deploy, every template, two edge nodes", () => {
  for (const template of TEMPLATE_NAMES)
    test(`${template}: live on both nodes, each named with its revision and URLs`, async () => {
      const name = `t-${template}`;
      const dir = join(root, name);
      expect((await runCli(["init", "--template", template, dir])).code).toBe(0);
      const run = await cluster.edge(["deploy", dir]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain(`${name}: created; v1 uploaded from`);
      const { revision } = (await (await cluster.control.fetch("/healthz")).json()) as { revision: number };
      const applied = appliedRevisions(run.stdout);
      expect([...applied.keys()].sort()).toEqual(NODE_IDS);
      for (const [, rev] of applied) expect(rev).toBeGreaterThanOrEqual(revision);
      expect(run.stdout).toContain(`${name} v1 is live on 2 edge node(s) at revision ${revision}`);
      for (const node of cluster.nodes) {
        expect(run.stdout).toContain(`${node.url}/${name}  ${node.url}/${name}/`);
        // Live as soon as the deploy returns: no waiting here.
        const res = await fetch(`${node.url}/${name}/hi`);
        expect(res.status).toBe(200);
        expect(await res.text()).toBe(ANSWERS[template]!(name));
      }
    }, 60_000);

  test("--json: the deployment and each node's outcome, for scripts", async () => {
    const dir = join(root, "t-json");
    expect((await runCli(["init", "--template", "c", dir])).code).toBe(0);
    const run = await cluster.edge(["deploy", dir, "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({
      function: "t-json",
      changed: true,
      created: true,
      version: 1,
      version_created: true,
    });
    expect(result.nodes.map((n: { id: string; state: string }) => `${n.id} ${n.state}`).sort()).toEqual([
      "node-a applied",
      "node-b applied",
    ]);
    expect(run.stderr).toContain("waiting for 2 edge node(s)");
  }, 60_000);

  test("deploy FILE.wasm: a lone module, the control plane's defaults, its runtime detected", async () => {
    const run = await cluster.edge(["deploy", join(REPO_ROOT, "build", "hello_world.wasm"), "--name", "lone"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).not.toContain("building");
    const info = JSON.parse((await cluster.edge(["info", "lone", "--json"])).stdout);
    expect(info).toMatchObject({ runtime: "wasm", routes: ["/lone", "/lone/*"], memory_pages: 16, active_version: 1 });
    for (const node of cluster.nodes) expect(await (await fetch(`${node.url}/lone`)).text()).toBe("Hello, World!");
  }, 30_000);

  test("edge nodes: both nodes connected, at the control plane's revision (lag 0)", async () => {
    const run = await cluster.edge(["nodes", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const { revision, nodes } = JSON.parse(run.stdout);
    expect(
      nodes
        .map((n: { id: string; connected: boolean; applied_revision: number; lag: number }) => [
          n.id,
          n.connected,
          n.applied_revision,
          n.lag,
        ])
        .sort(),
    ).toEqual(NODE_IDS.map((id) => [id, true, revision, 0]));
    const text = await cluster.edge(["nodes"]);
    expect(text.stdout).toMatch(new RegExp(`^node-a +yes +${revision} +0 +http://127\\.0\\.0\\.1:\\d+ +-$`, "m"));
  });

  test("the token appears in no output", () => {
    expect(cluster.outputs.length).toBeGreaterThan(TEMPLATE_NAMES.length);
    for (const output of cluster.outputs) expect(output).not.toContain(TOKEN);
  });
});
