// The waiting step shared by deploy, rollback and delete: --no-wait skips it, --timeout bounds
// it, and a node that did not apply the change in time (or could not serve it) fails the command.
import type { ControlPlane } from "../api/client";
import type { Context, FlagSpec } from "../command";
import { secondsFlag } from "../command";
import { Failure } from "../output/errors";
import { notApplied, waitForNodes, type Target, type WaitResult } from "./wait-for-nodes";

export const WAIT_FLAGS: Record<string, FlagSpec> = {
  "no-wait": { type: "boolean", help: "--no-wait             do not wait for the edge nodes to apply the change" },
  timeout: {
    type: "string",
    help: "--timeout S           seconds to wait for the edge nodes (default 60); exit 1 naming those that did not apply",
  },
};

export const DEFAULT_TIMEOUT_S = 60;

export interface WaitOptions {
  wait: boolean;
  timeoutS: number;
}

/** The waiting flags, checked before the command changes anything (a bad --timeout is a usage error). */
export function waitOptions(ctx: Context): WaitOptions {
  return { wait: !ctx.values["no-wait"], timeoutS: secondsFlag(ctx.values.timeout, "timeout", DEFAULT_TIMEOUT_S) };
}

/** Waits unless --no-wait; null when skipped. Throws a Failure naming the nodes that did not apply. */
export async function waitStep(
  ctx: Context,
  cp: ControlPlane,
  target: Target,
  { wait, timeoutS }: WaitOptions,
): Promise<WaitResult | null> {
  if (!wait) return null;
  const result = await waitForNodes(cp, target, { timeoutMs: timeoutS * 1000, progress: ctx.out.progress });
  const failed = notApplied(result, timeoutS);
  if (failed) throw new Failure(failed, "not_applied", { wait: result });
  return result;
}
