// compose.yaml (a control plane and two edge nodes), read with Bun's YAML parser and checked
// against the programs, since no Docker runs here: every service's command loads with the
// program's own configuration; its ports, volumes and health check are the ones that program
// uses; the tokens come from compose secrets, never from the command line or the image.
// (health-checks.test.ts runs each health check against real servers.)
import { beforeAll, expect, test } from "bun:test";
import { compose, dockerfile, execForm, loadCommand, read, stateDir, type Compose, type Loaded } from "./deploy-files";

let file: Compose;
let loaded: Record<string, Loaded>;
let volumes: string[];
beforeAll(async () => {
  file = await compose();
  const env = Object.fromEntries(
    (await dockerfile())
      .filter(([keyword]) => keyword === "ENV")
      .flatMap(([, rest]) => [...rest.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!])),
  );
  loaded = Object.fromEntries(
    Object.entries(file.services).map(([name, service]) => [
      name,
      loadCommand(service.command, { ...env, ...service.environment }),
    ]),
  );
  volumes = (await dockerfile()).filter(([keyword]) => keyword === "VOLUME").flatMap(([, rest]) => execForm(rest));
});

const services = () => Object.entries(file.services);

test("a control plane and two edge nodes, each command loaded by its program", () => {
  expect(Object.keys(file.services)).toEqual(["control", "edge-1", "edge-2"]);
  expect(Object.values(loaded).map((l) => l.program)).toEqual(["control", "edge", "edge"]);
  for (const [, service] of services()) {
    expect(service.build).toBe(".");
    expect(service.image).toBe(file.services.control!.image!);
  }
});

test("the nodes follow the control plane by its service name and port, with ids and addresses of their own", () => {
  const control = loaded.control!;
  if (control.program !== "control") throw new Error("control is not the control plane");
  const nodes = services().filter(([name]) => name !== "control");
  for (const [name, service] of nodes) {
    const node = loaded[name]!;
    if (node.program !== "edge") throw new Error(`${name} is not an edge node`);
    expect(node.config.controlPlanes).toEqual([`http://control:${control.config.port}`]);
    expect(node.config.nodeId).toBe(name);
    expect(node.config.advertiseUrl).toBe(`http://${name}:${node.config.port}`);
    expect(service.depends_on).toEqual({ control: { condition: "service_healthy" } });
  }
});

test("each service publishes the port its program listens on, on a host port of its own", () => {
  const hostPorts: string[] = [];
  for (const [name, service] of services()) {
    expect(service.ports).toHaveLength(1);
    const [host, container] = service.ports![0]!.split(":");
    expect(Number(container)).toBe(loaded[name]!.config.port);
    hostPorts.push(host!);
  }
  expect(new Set(hostPorts).size).toBe(hostPorts.length);
});

test("each service keeps its state in a named volume of its own, mounted where its program keeps it, an image VOLUME", () => {
  const names: string[] = [];
  for (const [name, service] of services()) {
    expect(service.volumes).toHaveLength(1);
    const [volume, target] = service.volumes![0]!.split(":");
    expect(target).toBe(stateDir(loaded[name]!));
    expect(volumes).toContain(target!);
    expect(Object.keys(file.volumes)).toContain(volume!);
    names.push(volume!);
  }
  expect(new Set(names).size).toBe(names.length);
});

test("tokens are compose secrets read from secrets/, which neither git nor the image holds", async () => {
  for (const [name, service] of services()) {
    // Every argument naming a token is a token-file flag, and its value a secret's mount.
    const flags = service.command.flatMap((arg, i) =>
      arg.startsWith("--") && /token/.test(arg) ? [[arg, service.command[i + 1]]] : [],
    );
    expect(flags.length).toBeGreaterThan(0);
    expect(service.command.filter((arg) => /token/.test(arg)).length).toBe(flags.length * 2);
    for (const [flag, path] of flags) {
      expect(flag).toMatch(/^--(read-)?token-file$/);
      const secret = path!.replace(/^\/run\/secrets\//, "");
      expect(service.secrets).toContain(secret);
      expect(file.secrets[secret]!.file).toStartWith("./secrets/");
    }
    // Nodes hold the read-only token alone.
    if (name !== "control") expect(service.secrets).toEqual(["read_token"]);
  }
  const ignored = async (path: string) => (await read(path)).split("\n").map((line) => line.trim());
  expect(await ignored(".gitignore")).toContain("/secrets/");
  expect(await ignored(".dockerignore")).toContain("secrets");
});

test("each health check fetches its own program's /readyz; nodes get a grace period longer than their drain", () => {
  for (const [name, service] of services()) {
    const check = service.healthcheck!;
    expect(check.test.slice(0, 3)).toEqual(["CMD", "bun", "-e"]);
    expect(check.test[3]).toContain(`'http://127.0.0.1:${loaded[name]!.config.port}/readyz'`);
    expect(check.retries).toBeGreaterThan(0);
    expect(Number.parseInt(service.stop_grace_period!)).toBeGreaterThan(5); // a drain takes up to 5 s
  }
});
