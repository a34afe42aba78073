// `edge rollback NAME [VERSION]`: make an earlier version active again (by default the highest
// version below the active one), then wait for the edge nodes like deploy does.
import { activateVersion, listVersions, requireFunction } from "../api/functions";
import { WAIT_FLAGS, waitOptions, waitStep } from "../deploy/wait-step";
import { Failure, UsageError } from "../output/errors";
import type { Command } from "../command";

export const rollback: Command = {
  name: "rollback",
  args: "NAME [VERSION]",
  summary: "Activate an earlier version (default: the highest one below the active version)",
  remote: true,
  flags: WAIT_FLAGS,
  positionals: { min: 1, max: 2 },
  async run(ctx) {
    const [name, versionText] = ctx.positionals as [string, string | undefined];
    const waiting = waitOptions(ctx);
    let wanted: number | null = null;
    if (versionText !== undefined) {
      wanted = Number(versionText.replace(/^v/, ""));
      if (!Number.isInteger(wanted) || wanted < 1)
        throw new UsageError(`VERSION must be a version number, got "${versionText}"`);
    }
    const cp = ctx.connect();
    const { record } = await requireFunction(cp, name);
    const active = record.active_version;
    const all = await listVersions(cp, record.id);
    if (wanted === null) {
      if (active === null) throw new Failure(`${name} has no active version to roll back from`, "no_active_version");
      const below = all.filter((v) => v.version < active).map((v) => v.version);
      if (below.length === 0)
        throw new Failure(`${name} has no version below the active v${active}`, "no_previous_version");
      wanted = Math.max(...below);
    } else if (!all.some((v) => v.version === wanted))
      throw new Failure(`${name} has no version ${wanted} (edge versions ${name} lists them)`, "version_not_found");
    if (wanted === active) {
      ctx.out.result({ function: name, active_version: active, changed: false }, [
        `${name}: v${active} is already active`,
      ]);
      return;
    }
    const after = await activateVersion(cp, record.id, wanted);
    ctx.out.progress(`${name}: v${after.active_version} active (was ${active === null ? "none" : `v${active}`})`);
    const wait = await waitStep(
      ctx,
      cp,
      { id: record.id, version: after.active_version, routes: after.routes },
      waiting,
    );
    ctx.out.result({
      function: name,
      active_version: after.active_version,
      previous_version: active,
      changed: true,
      wait,
    });
  },
};
