// The body budget's gauges (http/body-budget.ts), registered with the others once prom-client
// has loaded: what the node holds of request bodies now, and how much it may.
import type { Registry } from "prom-client";
import type { PromClient } from "./metrics";

/** What the gauges read of the budget (a BodyBudget). */
export interface BodyBudgetReading {
  readonly inFlight: number;
  readonly limit: number;
}

export function bodyBudgetGauges(budget: BodyBudgetReading): (prom: PromClient, registry: Registry) => void {
  return ({ Gauge }, registry) => {
    new Gauge({
      name: "wasm_request_body_bytes_in_flight",
      help: "Bytes of request bodies the node holds now: being read, or held by an invocation that has not ended",
      registers: [registry],
      collect() {
        this.set(budget.inFlight);
      },
    });
    new Gauge({
      name: "wasm_request_body_bytes_budget",
      help: "Most bytes of request bodies the node holds at once (--max-body-bytes-in-flight); beyond it requests get 503 body_budget",
      registers: [registry],
      collect() {
        this.set(budget.limit);
      },
    });
  };
}
