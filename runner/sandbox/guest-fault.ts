import type { Outcome } from "../outcome";

/**
 * The one error a host call throws to stop a guest. It unwinds through the WASM frames
 * and is turned into an outcome by classify-error.ts; `detail` goes to logs, never to clients.
 */
export class GuestFault extends Error {
  constructor(
    readonly outcome: Outcome,
    readonly detail: string,
  ) {
    super(detail);
  }
}
