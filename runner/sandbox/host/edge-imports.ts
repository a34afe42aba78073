// The `edge` import object: one implementation per name in the ABI declaration, checked by type.
import type { EdgeCallName } from "../../../core/abi/edge-v1";
import type { InvocationContext } from "../invocation-context";
import { requestCalls } from "./request";
import { responseCalls } from "./response";
import { logCalls } from "./log";
import { envCalls } from "./env";
import { clockRandomCalls } from "./clock-random";

export function edgeImports(ctx: () => InvocationContext): Record<EdgeCallName, Function> {
  return {
    ...requestCalls(ctx),
    ...responseCalls(ctx),
    ...logCalls(ctx),
    ...envCalls(ctx),
    ...clockRandomCalls(ctx),
  } satisfies Record<EdgeCallName, Function>;
}
