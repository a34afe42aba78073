// A gauge whose value is read when Prometheus scrapes, from a snapshot of state the caller
// keeps (the pool's stats, an edge node's gauges): nothing is updated on the request path.
import type { Registry } from "prom-client";
import type { PromClient } from "./metrics";

/** Registers gauges on `registry`, each reading its value from `snapshot()` at a scrape. */
export function scrapeGauges<S>(prom: PromClient, registry: Registry, snapshot: () => S) {
  return (name: string, help: string, value: (state: S) => number) =>
    new prom.Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(value(snapshot()));
      },
    });
}
