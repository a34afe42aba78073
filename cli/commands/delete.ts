// `edge delete NAME`: asks first (unless --yes), and refuses to guess when no one can answer
// (no terminal and no --yes). The delete carries the ETag of the record that was shown, so a
// function changed in between is not deleted unseen (412 precondition_failed).
import { createInterface } from "node:readline/promises";
import { deleteFunction, requireFunction } from "../api/functions";
import { WAIT_FLAGS, waitOptions, waitStep } from "../deploy/wait-step";
import { Failure, UsageError } from "../output/errors";
import type { Command } from "../command";

export const deleteCommand: Command = {
  name: "delete",
  args: "NAME",
  summary: "Delete a function and all its versions (asks first unless --yes)",
  remote: true,
  flags: { yes: { type: "boolean", short: "y", help: "-y, --yes             do not ask" }, ...WAIT_FLAGS },
  positionals: { min: 1, max: 1 },
  async run(ctx) {
    const name = ctx.positionals[0]!;
    const waiting = waitOptions(ctx);
    if (!ctx.values.yes && !ctx.interactive)
      throw new UsageError("deleting needs --yes when no one can be asked (stdin is not a terminal)");
    const cp = ctx.connect();
    const { record, etag } = await requireFunction(cp, name);
    if (!ctx.values.yes) {
      const active = record.active_version === null ? "no active version" : `v${record.active_version} active`;
      const question = `Delete ${name} (${active}, routes ${record.routes.join(" ")}) and all its versions? [y/N] `;
      const prompt = createInterface({ input: process.stdin, output: process.stderr });
      const answer = await prompt.question(question);
      prompt.close();
      if (!/^y(es)?$/i.test(answer.trim())) throw new Failure("not deleted", "cancelled");
    }
    await deleteFunction(cp, name, etag);
    ctx.out.progress(`${name}: deleted`);
    const wait = await waitStep(ctx, cp, { id: record.id, version: null, routes: [] }, waiting);
    ctx.out.result({ function: name, id: record.id, deleted: true, wait });
  },
};
