// The Dockerfile, checked against the repository and the programs since no Docker runs here: the
// base image is the Bun the repository pins; the install is the production one; the image holds
// every file the two programs load and every package they import is a production dependency;
// it runs as a non-root user with its state in volumes, exposes the programs' ports and checks
// /readyz. (health-checks.test.ts runs its health check against real servers.)
import { beforeAll, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import packageJson from "../../package.json";
import { readImportGraph } from "../helpers/import-graph";
import { REPO_ROOT } from "../helpers/server-process";
import { dockerfile, execForm, loadCommand, read } from "./deploy-files";

let steps: [string, string][];
beforeAll(async () => {
  steps = await dockerfile();
});
const all = (keyword: string) => steps.filter(([k]) => k === keyword).map(([, rest]) => rest);
const one = (keyword: string) => {
  const found = all(keyword);
  expect(found).toHaveLength(1);
  return found[0]!;
};
const env = () =>
  Object.fromEntries(all("ENV").flatMap((rest) => [...rest.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!])));

test("from the official image of the Bun the repository pins; dependencies by the production, frozen install", () => {
  expect(one("FROM")).toBe(`oven/bun:${packageJson.devDependencies["bun-types"]}`);
  expect(all("RUN").filter((run) => run.includes("bun install"))).toEqual([
    expect.stringContaining("bun install --production --frozen-lockfile"),
  ]);
});

test("it holds every file the programs load, and they import only production dependencies", () => {
  const copied = all("COPY").flatMap((rest) => rest.split(/\s+/).slice(0, -1));
  for (const source of copied) expect(existsSync(join(REPO_ROOT, source))).toBe(true);
  const graph = new Map(readImportGraph(REPO_ROOT).map((file) => [file.path, file]));
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (path: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    for (const i of graph.get(path)?.imports ?? []) {
      if (i.target) visit(i.target);
      else if (!/^(node:|bun(:|$))/.test(i.spec))
        packages.add(i.spec.startsWith("@") ? i.spec.split("/").slice(0, 2).join("/") : i.spec.split("/")[0]!);
    }
  };
  for (const main of ["control/main.ts", "runner/main.ts"]) visit(main);
  const missing = [...seen].filter(
    (path) => !copied.some((source) => path === source || path.startsWith(`${source}/`)),
  );
  expect(missing).toEqual([]);
  expect([...seen].length).toBeGreaterThan(100);
  const production = Object.keys(packageJson.dependencies);
  expect([...packages].filter((name) => !production.includes(name))).toEqual([]);
});

test(".dockerignore keeps out this machine's dependencies, builds, state and tokens", async () => {
  const ignored = (await read(".dockerignore")).split("\n").map((line) => line.trim());
  for (const entry of [".git", "node_modules", "build", "data", ".edge-cache", "secrets"])
    expect(ignored).toContain(entry);
  // Nothing copied is ignored.
  for (const source of all("COPY").flatMap((rest) => rest.split(/\s+/).slice(0, -1)))
    expect(ignored).not.toContain(source);
});

test("a non-root user; the state dirs are volumes it owns, where the programs keep their state", () => {
  const user = all("USER").at(-1)!;
  expect(["root", "0", ""]).not.toContain(user);
  const volumes = execForm(one("VOLUME"));
  const { EDGE_CONTROL_DATA_DIR: dataDir, EDGE_RUNNER_CACHE_DIR: cacheDir } = env();
  expect(volumes.sort()).toEqual([cacheDir!, dataDir!].sort());
  // What the programs make of that environment: their state lands in the volumes.
  const control = loadCommand(["control/main.ts"], env());
  expect(control.program === "control" && control.config.dataDir).toBe(dataDir!);
  const edge = loadCommand(["runner/main.ts", "--control-plane", "http://control:8080", "--token-file", "t"], env());
  expect(edge.program === "edge" && edge.config.cacheDir).toBe(cacheDir!);
  const owned = all("RUN").find((run) => run.includes("chown"))!;
  for (const dir of volumes) expect(owned).toContain(dir);
  expect(owned).toContain(`${user}:${user}`);
});

test("the programs' default ports exposed; the default command the control plane; bun as PID 1", () => {
  const control = loadCommand(["control/main.ts"], env());
  const edge = loadCommand(["runner/main.ts", "--control-plane", "http://c:1", "--token-file", "t"], env());
  expect(one("EXPOSE").split(/\s+/).map(Number).sort()).toEqual([control.config.port, edge.config.port].sort());
  expect(execForm(one("ENTRYPOINT"))).toEqual(["bun"]);
  const command = execForm(one("CMD"));
  expect(command).toEqual(["control/main.ts"]);
  expect(existsSync(join(REPO_ROOT, command[0]!))).toBe(true);
});

test("HEALTHCHECK fetches /readyz, the control plane's by default (READYZ_URL for a runner)", () => {
  const check = one("HEALTHCHECK");
  const [bun, flag, script] = execForm(check.slice(check.indexOf("CMD")));
  expect([bun, flag]).toEqual(["bun", "-e"]);
  const control = loadCommand(["control/main.ts"], env());
  expect(script).toContain(`process.env.READYZ_URL ?? 'http://127.0.0.1:${control.config.port}/readyz'`);
  expect(check).toMatch(/--interval=\d+s --timeout=\d+s --start-period=\d+s --retries=\d+ CMD/);
});
