// Prometheus metrics of the control plane, on their own registry.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { ServerMessage } from "../../core/contract";

export type UploadOutcome = "published" | "unchanged" | "rejected" | "too_large" | "invalid" | "aborted" | "error";

export interface ControlMetrics {
  registry: Registry;
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  observeUpload(outcome: UploadOutcome, bytes: number): void;
  observeWatchMessage(type: ServerMessage["type"]): void;
}

export interface StoredStats {
  artifacts(): { count: number; bytes: number };
  functions(): Promise<number>;
  revision(): Promise<number>;
  watchConnections(): number;
}

export function createControlMetrics(stored: StoredStats): ControlMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: "control_http_requests_total",
    help: "HTTP requests, by method, route pattern and status",
    labelNames: ["method", "route", "status"],
    registers: [registry],
  });
  const latency = new Histogram({
    name: "control_http_request_duration_seconds",
    help: "Time from request received to response ready, by method and route pattern",
    labelNames: ["method", "route"],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const uploads = new Counter({
    name: "control_uploads_total",
    help: "Module uploads, by outcome",
    labelNames: ["outcome"],
    registers: [registry],
  });
  const uploadBytes = new Counter({
    name: "control_upload_bytes_total",
    help: "Bytes of modules published by uploads",
    registers: [registry],
  });
  new Gauge({
    name: "control_artifacts_stored",
    help: "Distinct artifacts stored",
    registers: [registry],
    collect() {
      this.set(stored.artifacts().count);
    },
  });
  new Gauge({
    name: "control_artifact_bytes_stored",
    help: "Bytes of distinct artifacts stored",
    registers: [registry],
    collect() {
      this.set(stored.artifacts().bytes);
    },
  });
  new Gauge({
    name: "control_functions",
    help: "Registered functions",
    registers: [registry],
    async collect() {
      // While the store is out of reach the last value stays: /metrics keeps answering.
      const count = await stored.functions().catch(() => null);
      if (count !== null) this.set(count);
    },
  });
  new Gauge({
    name: "control_watch_connections",
    help: "Open watch sockets (edge nodes following the feed)",
    registers: [registry],
    collect() {
      this.set(stored.watchConnections());
    },
  });
  const watchMessages = new Counter({
    name: "control_watch_messages_total",
    help: "Messages sent to edge nodes, by type",
    labelNames: ["type"],
    registers: [registry],
  });
  new Gauge({
    name: "control_revision",
    help: "Revision of the last metadata change",
    registers: [registry],
    async collect() {
      const revision = await stored.revision().catch(() => null);
      if (revision !== null) this.set(revision);
    },
  });

  return {
    registry,
    observeRequest(method, route, status, seconds) {
      requests.inc({ method, route, status: String(status) });
      latency.observe({ method, route }, seconds);
    },
    observeUpload(outcome, bytes) {
      uploads.inc({ outcome });
      if (outcome === "published") uploadBytes.inc(bytes);
    },
    observeWatchMessage(type) {
      watchMessages.inc({ type });
    },
  };
}
