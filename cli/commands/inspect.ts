// Read-only commands: the functions, one function, its versions.
import { listFunctions, listVersions, requireFunction } from "../api/functions";
import { table } from "../output/output";
import type { Command } from "../command";

export const list: Command = {
  name: "list",
  args: "",
  summary: "List the functions: name, active version, runtime, routes",
  remote: true,
  positionals: { min: 0, max: 0 },
  async run({ connect, out }) {
    const functions = await listFunctions(connect());
    const rows = functions.map((f) => [
      f.name,
      f.active_version === null ? "-" : `v${f.active_version}`,
      f.runtime,
      f.routes.join(" "),
    ]);
    out.result(
      { functions },
      functions.length === 0 ? ["no functions"] : table([["NAME", "ACTIVE", "RUNTIME", "ROUTES"], ...rows]),
    );
  },
};

export const info: Command = {
  name: "info",
  args: "NAME",
  summary: "Show a function's settings and active version",
  remote: true,
  positionals: { min: 1, max: 1 },
  async run({ connect, out, positionals }) {
    const { record } = await requireFunction(connect(), positionals[0]!);
    const env = Object.keys(record.env);
    out.result(record, [
      ...table([
        ["name", record.name],
        ["id", record.id],
        ["active version", record.active_version === null ? "none (nothing uploaded)" : String(record.active_version)],
        ["runtime", record.runtime],
        ["entrypoint", record.entrypoint],
        ["routes", record.routes.join(" ")],
        ["memory_pages", `${record.memory_pages} (${(record.memory_pages * 64) / 1024} MiB)`],
        ["max_execution_ms", String(record.max_execution_ms)],
        ["max_concurrency", String(record.max_concurrency ?? "node default")],
        ["max_body_bytes", String(record.max_body_bytes ?? "node limit")],
        ["env", env.length === 0 ? "(none)" : env.join(" ")],
        ["updated", record.updated_at],
      ]),
    ]);
  },
};

export const versions: Command = {
  name: "versions",
  args: "NAME",
  summary: "List a function's uploaded versions (* marks the active one)",
  remote: true,
  positionals: { min: 1, max: 1 },
  async run({ connect, out, positionals }) {
    const cp = connect();
    const { record } = await requireFunction(cp, positionals[0]!);
    const all = await listVersions(cp, record.id);
    const rows = all.map((v) => [
      `${v.active ? "*" : " "}v${v.version}`,
      v.sha256.slice(0, 12),
      `${v.size} B`,
      v.created_at,
    ]);
    out.result(
      { function: record.name, active_version: record.active_version, versions: all },
      all.length === 0
        ? [`${record.name} has no versions`]
        : table([[" VERSION", "SHA256", "SIZE", "CREATED"], ...rows]),
    );
  },
};
