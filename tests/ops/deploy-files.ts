// Reading the deployment files (Dockerfile, compose.yaml, the systemd units in docs/deploy.md)
// for the tests in this folder, and loading a command line of theirs with the program's own
// configuration, as the program would at start: what the files name is checked by the code that
// reads it, not by a copy of its rules.
import { join } from "node:path";
import { loadControlConfig, type ControlConfig } from "../../control/config";
import { loadConfig, type EdgeConfig } from "../../runner/config";
import { REPO_ROOT } from "../helpers/server-process";
import { tokenFile } from "../helpers/token-file";

export const read = (path: string) => Bun.file(join(REPO_ROOT, path)).text();

/** Each instruction of a Dockerfile (continuation lines joined, comments dropped): [keyword, rest]. */
export async function dockerfile(): Promise<[string, string][]> {
  const text = (await read("Dockerfile")).replace(/\\\n/g, " ");
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return [keyword!.toUpperCase(), rest.join(" ")];
    });
}

/** The arguments of a Dockerfile instruction in exec form (`["a", "b"]`). */
export const execForm = (rest: string) => JSON.parse(rest.slice(rest.indexOf("["))) as string[];

export interface ComposeService {
  build?: string;
  image?: string;
  command: string[];
  ports?: string[];
  volumes?: string[];
  secrets?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[]; interval: string; timeout: string; start_period: string; retries: number };
  stop_grace_period?: string;
}
export interface Compose {
  services: Record<string, ComposeService>;
  secrets: Record<string, { file: string }>;
  volumes: Record<string, unknown>;
}

export async function compose(): Promise<Compose> {
  return Bun.YAML.parse(await read("compose.yaml")) as Compose;
}

/** The ```ini blocks of docs/deploy.md, by the unit file name given above each. */
export async function systemdUnits(): Promise<Map<string, string>> {
  const text = await read("docs/deploy.md");
  const units = new Map<string, string>();
  for (const match of text.matchAll(/`\/etc\/systemd\/system\/([^`]+)`[^\n]*\n(?:[^\n]*\n)*?```ini\n([\s\S]*?)```/g))
    units.set(match[1]!, match[2]!);
  return units;
}

export type Loaded = { program: "control"; config: ControlConfig } | { program: "edge"; config: EdgeConfig };

/** A token that the programs accept, in files that stand for the deployment's secrets. */
const TOKEN = "deploy-files-token-0123456789";

/**
 * `argv` as the program loads it: `argv[0]` is `control/main.ts` or `runner/main.ts`, the rest its
 * flags. Values of the token-file flags are replaced by a file holding a valid token (the real
 * ones exist only where it is deployed). Throws with the program's own refusal.
 */
export function loadCommand(argv: string[], environment: Record<string, string> = {}): Loaded {
  const [main, ...given] = argv;
  const args = given.map((arg, i) =>
    /^--(read-)?token-file$/.test(given[i - 1] ?? "") ? tokenFile(arg.replace(/\W/g, "_"), `${TOKEN}\n`) : arg,
  );
  if (main === "control/main.ts") {
    const loaded = loadControlConfig(args, environment);
    if (loaded.ok !== true) throw new Error(`control refuses ${given.join(" ")}: ${JSON.stringify(loaded)}`);
    return { program: "control", config: loaded.config };
  }
  if (main === "runner/main.ts") {
    const loaded = loadConfig(args, environment);
    if (loaded.ok !== true || loaded.mode !== "edge")
      throw new Error(`runner refuses ${given.join(" ")} as an edge node: ${JSON.stringify(loaded)}`);
    return { program: "edge", config: loaded.config };
  }
  throw new Error(`not a program of ours: ${main}`);
}

/** Where each program keeps its state: the control plane's data dir, a node's cache dir. */
export const stateDir = (loaded: Loaded) =>
  loaded.program === "control" ? loaded.config.dataDir : loaded.config.cacheDir;
