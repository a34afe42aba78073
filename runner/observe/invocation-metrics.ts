// The per-invocation metrics, counted in plain numbers on the request path and turned into
// Prometheus series only when scraped. prom-client's labelled children cost ~0.7 µs per
// request here (two counters and a histogram); these cost a few array increments. The objects
// registered below are what prom-client's Registry reads: name, help, type and get().
import type { Registry } from "prom-client";
import { OUTCOME_NAMES, type Outcome } from "../outcome";

const LATENCY_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];
const OUTCOME_INDEX = new Map<Outcome, number>(OUTCOME_NAMES.map((name, i) => [name, i]));

/** Non-cumulative: buckets[i] counts observations in (LATENCY_BUCKETS[i-1], LATENCY_BUCKETS[i]]; the last is +Inf. */
interface Histogram {
  buckets: Float64Array;
  sum: number;
  count: number;
}

/** One function's series: the latency histogram itself (every invocation), outcomes, run times. */
interface FunctionSeries extends Histogram {
  /** Invocations by outcome, indexed like OUTCOME_NAMES. */
  outcomes: Float64Array;
  /** The time a worker spent on them, over the invocations a worker ran. */
  run: Histogram;
}

interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

export class InvocationMetrics {
  private readonly series = new Map<string, FunctionSeries>();

  /** Adds the series to `registry`; what was observed before counts. */
  register(registry: Registry): void {
    const metric = (name: string, help: string, type: "counter" | "histogram", values: () => Sample[]) => {
      registry.registerMetric({
        name,
        help,
        type,
        aggregator: "sum",
        get: async () => ({ name, help, type, aggregator: "sum", values: values() }),
      } as never);
    };
    metric("wasm_invoke_count_total", "Invocations, by function and outcome", "counter", () =>
      this.byOutcome(() => true),
    );
    metric("wasm_invoke_errors_total", "Invocations that did not end ok, by function and outcome", "counter", () =>
      this.byOutcome((o) => o !== "ok"),
    );
    metric(
      "wasm_invoke_latency_seconds",
      "Invocation latency from request received to response ready, by function",
      "histogram",
      () => this.histogram("wasm_invoke_latency_seconds", (s) => s),
    );
    // Latency minus this is what the platform added: waiting for a worker and the hand-overs.
    metric(
      "wasm_invoke_run_seconds",
      "Time a worker spent on each invocation it ran (instance set-up, guest code, host calls), by function",
      "histogram",
      () => this.histogram("wasm_invoke_run_seconds", (s) => s.run),
    );
  }

  observe(fn: string, outcome: Outcome, seconds: number, runSeconds?: number): void {
    let s = this.series.get(fn);
    if (!s) {
      s = { outcomes: new Float64Array(OUTCOME_NAMES.length), ...emptyHistogram(), run: emptyHistogram() };
      this.series.set(fn, s);
    }
    s.outcomes[OUTCOME_INDEX.get(outcome)!]++;
    add(s, seconds);
    if (runSeconds !== undefined) add(s.run, runSeconds);
  }

  private byOutcome(include: (outcome: Outcome) => boolean): Sample[] {
    const values: Sample[] = [];
    for (const [fn, s] of this.series) {
      OUTCOME_NAMES.forEach((outcome, i) => {
        if (s.outcomes[i]! > 0 && include(outcome))
          values.push({ labels: { function: fn, outcome }, value: s.outcomes[i]! });
      });
    }
    return values;
  }

  private histogram(name: string, of: (s: FunctionSeries) => Histogram): Sample[] {
    const values: Sample[] = [];
    for (const [fn, series] of this.series) {
      const h = of(series);
      if (h.count === 0) continue;
      let cumulative = 0;
      LATENCY_BUCKETS.forEach((le, i) => {
        cumulative += h.buckets[i]!;
        values.push({ labels: { le, function: fn }, value: cumulative, metricName: `${name}_bucket` });
      });
      values.push({ labels: { le: "+Inf", function: fn }, value: h.count, metricName: `${name}_bucket` });
      values.push({ labels: { function: fn }, value: h.sum, metricName: `${name}_sum` });
      values.push({ labels: { function: fn }, value: h.count, metricName: `${name}_count` });
    }
    return values;
  }
}

function emptyHistogram(): Histogram {
  return { buckets: new Float64Array(LATENCY_BUCKETS.length + 1), sum: 0, count: 0 };
}

function add(h: Histogram, seconds: number): void {
  let b = 0;
  while (b < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[b]!) b++;
  h.buckets[b]++;
  h.sum += seconds;
  h.count++;
}
