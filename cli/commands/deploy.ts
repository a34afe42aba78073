// `edge deploy [DIR | FILE.wasm]`: build if needed, check, set the function's settings by name
// (PUT states them whole), upload the module unless the active version has the same bytes, then
// wait until every connected edge node has applied the change and print where it serves.
import { manifestSpec } from "../../core/contract/manifest";
import { getFunction, putFunction, uploadModule } from "../api/functions";
import { deployTarget, readyModule } from "../deploy/deploy-target";
import { WAIT_FLAGS, waitOptions, waitStep } from "../deploy/wait-step";
import { Failure } from "../output/errors";
import type { Command } from "../command";
import { shownPath } from "../output/paths";

export const deploy: Command = {
  name: "deploy",
  args: "[DIR | FILE.wasm]",
  summary: "Build if needed, create or update the function by name, upload, and wait for the edge nodes",
  details: `DIR (default .) holds edgebase.toml; its module is built first when it is missing or older than a
source ([build] watch). Deploying the same bytes and settings changes nothing and says "unchanged". Then it
waits until every connected edge node has applied the change, one line per node, and prints the URLs.
A FILE.wasm is deployed as it is, with the settings of the edgebase.toml beside it, if any.`,
  remote: true,
  flags: {
    ...WAIT_FLAGS,
    name: { type: "string", help: "--name NAME           the function's name, for a .wasm without a manifest" },
  },
  positionals: { min: 0, max: 1 },
  async run(ctx) {
    const { out } = ctx;
    const waiting = waitOptions(ctx);
    const target = deployTarget(ctx.positionals[0] ?? ".", ctx.values.name as string | undefined);
    const { loaded } = target;
    const { manifest } = loaded;
    const cp = ctx.connect();
    const { bytes, report } = await readyModule(target, ctx.env, out.progress);
    const before = await getFunction(cp, manifest.name);
    const put = await putFunction(cp, manifest.name, manifestSpec(manifest, report.runtime));
    const settingsChanged =
      before === null ||
      before.record.updated_at !== put.record.updated_at ||
      (before.etag !== null && put.etag !== null && before.etag !== put.etag);
    const upload = await uploadModule(cp, put.record.id, bytes, report.sha256);
    const version = upload.version.version;
    const changed = settingsChanged || upload.created;
    const module = shownPath(loaded.modulePath);
    const what = !changed
      ? `${manifest.name}: unchanged (v${version} is active with these bytes and settings)`
      : `${manifest.name}: ${put.created ? "created" : settingsChanged ? "settings updated" : "settings unchanged"}; ${
          upload.created
            ? `v${version} uploaded from ${module} (${bytes.byteLength} bytes) and active`
            : `v${version} still active (same bytes)`
        }`;
    out.progress(what);
    const summary = {
      function: manifest.name,
      id: put.record.id,
      changed,
      created: put.created,
      settings_changed: settingsChanged,
      version,
      version_created: upload.created,
      sha256: report.sha256,
      routes: put.record.routes,
    };
    let wait;
    try {
      wait = await waitStep(ctx, cp, { id: put.record.id, version, routes: put.record.routes }, waiting);
    } catch (error) {
      if (error instanceof Failure) throw new Failure(error.message, error.code, { ...error.details, deploy: summary });
      throw error;
    }
    const live = wait?.nodes.filter((node) => node.state === "applied") ?? [];
    out.result({ ...summary, revision: wait?.revision ?? null, nodes: wait?.nodes ?? null }, [
      wait === null
        ? `${manifest.name} v${version}: not waiting for the edge nodes (--no-wait)`
        : wait.nodes.length === 0
          ? `${manifest.name} v${version} is deployed; no edge node serves it yet`
          : `${manifest.name} v${version} is live on ${live.length} edge node(s) at revision ${wait.revision}`,
    ]);
  },
};
