// The per-invocation metrics, counted in plain numbers on the request path and turned into
// Prometheus series only when scraped. prom-client's labelled children cost ~0.7 µs per
// request here (two counters and a histogram); these cost a few array increments. The objects
// registered below are what prom-client's Registry reads: name, help, type and get().
import type { Registry } from "prom-client";
import { OUTCOME_NAMES, type Outcome } from "../outcome";

export const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const OUTCOME_INDEX = new Map<Outcome, number>(OUTCOME_NAMES.map((name, i) => [name, i]));

interface FunctionSeries {
  /** Invocations by outcome, indexed like OUTCOME_NAMES. */
  outcomes: Float64Array;
  /** Non-cumulative: buckets[i] counts observations in (LATENCY_BUCKETS[i-1], LATENCY_BUCKETS[i]]; the last is +Inf. */
  buckets: Float64Array;
  sum: number;
  count: number;
}

interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

export class InvocationMetrics {
  private readonly series = new Map<string, FunctionSeries>();

  constructor(registry: Registry) {
    const metric = (name: string, help: string, type: "counter" | "histogram", values: () => Sample[]) => {
      registry.registerMetric({ name, help, type, aggregator: "sum", get: async () => ({ name, help, type, aggregator: "sum", values: values() }) } as never);
    };
    metric("wasm_invoke_count_total", "Invocations, by function and outcome", "counter", () => this.byOutcome(() => true));
    metric("wasm_invoke_errors_total", "Invocations that did not end ok, by function and outcome", "counter", () => this.byOutcome((o) => o !== "ok"));
    metric("wasm_invoke_latency_seconds", "Invocation latency from request received to response ready, by function", "histogram", () => this.latency());
  }

  observe(fn: string, outcome: Outcome, seconds: number): void {
    let s = this.series.get(fn);
    if (!s) {
      s = { outcomes: new Float64Array(OUTCOME_NAMES.length), buckets: new Float64Array(LATENCY_BUCKETS.length + 1), sum: 0, count: 0 };
      this.series.set(fn, s);
    }
    s.outcomes[OUTCOME_INDEX.get(outcome)!]++;
    let b = 0;
    while (b < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[b]!) b++;
    s.buckets[b]++;
    s.sum += seconds;
    s.count++;
  }

  private byOutcome(include: (outcome: Outcome) => boolean): Sample[] {
    const values: Sample[] = [];
    for (const [fn, s] of this.series) {
      OUTCOME_NAMES.forEach((outcome, i) => {
        if (s.outcomes[i]! > 0 && include(outcome)) values.push({ labels: { function: fn, outcome }, value: s.outcomes[i]! });
      });
    }
    return values;
  }

  private latency(): Sample[] {
    const name = "wasm_invoke_latency_seconds";
    const values: Sample[] = [];
    for (const [fn, s] of this.series) {
      let cumulative = 0;
      LATENCY_BUCKETS.forEach((le, i) => {
        cumulative += s.buckets[i]!;
        values.push({ labels: { le, function: fn }, value: cumulative, metricName: `${name}_bucket` });
      });
      values.push({ labels: { le: "+Inf", function: fn }, value: s.count, metricName: `${name}_bucket` });
      values.push({ labels: { function: fn }, value: s.sum, metricName: `${name}_sum` });
      values.push({ labels: { function: fn }, value: s.count, metricName: `${name}_count` });
    }
    return values;
  }
}
