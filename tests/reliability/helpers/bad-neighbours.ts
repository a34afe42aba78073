// The bad neighbours of the saturation scenario (saturation.reliability.ts): each a guest, its
// settings and request headers, and the answers that are its own outcome. Any of them may also
// answer 503 overload with Retry-After; anything else is a wrong answer.
import type { RawAnswer } from "./raw-load";
import { guest } from "../../fixtures/guests";

export type Kind = "loop" | "sometimes-loop" | "near-limit" | "memory" | "wasi-sleep";
export interface BadFunction {
  name: string;
  settings: Record<string, unknown>;
  bytes: () => Uint8Array;
  headers: Record<string, string>;
  what: string;
  /** Its own answer when it ran (overload is accepted for every kind, see `outcomeOf`). */
  own: (a: RawAnswer) => string | null;
}
export const errorCode = (a: RawAnswer): string | undefined => {
  try {
    return (JSON.parse(a.body) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
};
export const BAD: Record<Kind, BadFunction> = {
  loop: {
    name: "spin",
    settings: { max_execution_ms: 500 },
    bytes: () => guest("loop-forever"),
    headers: { "x-spin": "1" },
    what: "loops forever (500 ms limit)",
    own: (a) => (a.status === 504 && errorCode(a) === "timeout" ? "504 timeout" : null),
  },
  // Fast nearly every time, so judged fast by its typical run: each of its loops lands on a
  // regular worker, behind or ahead of hello's requests (found by the attack pass on issue #18).
  "sometimes-loop": {
    name: "flaky",
    settings: { max_execution_ms: 500 },
    bytes: () => guest("sometimes-loop"),
    headers: { "x-loop-one-in": "200" },
    what: "answers at once but loops forever on 1 request in 200 at random (500 ms limit)",
    own: (a) =>
      a.status === 200 && a.body === "idle"
        ? "200 idle"
        : a.status === 504 && errorCode(a) === "timeout"
          ? "504 timeout"
          : null,
  },
  "near-limit": {
    name: "long",
    settings: { max_execution_ms: 500 },
    bytes: () => guest("busy-wait"),
    headers: { "x-wait-ms": "450" },
    what: "runs 450 ms of its 500 ms limit (reading the clock) and answers 200",
    own: (a) => (a.status === 200 && a.body === "waited" ? "200 ok" : null),
  },
  // A WASI function that sleeps (poll_oneoff): no CPU, but its worker is held as by a loop.
  "wasi-sleep": {
    name: "sleepy",
    settings: { runtime: "wasi", max_execution_ms: 500, memory_pages: 1 },
    bytes: () => guest("wasi-sleep"),
    headers: {},
    what: "is a WASI program that sleeps 450 ms of its 500 ms limit and answers 200",
    own: (a) => (a.status === 200 && a.body === "slept" ? "200 ok" : null),
  },
  memory: {
    name: "hungry",
    settings: { memory_pages: 1024 },
    bytes: () => guest("memory-touch"),
    headers: {},
    what: "touches 64 MiB of fresh memory per request and answers 200",
    own: (a) => (a.status === 200 && a.body === "touched" ? "200 ok" : null),
  },
};
/** A bad function's answer is its own outcome, or 503 overload with Retry-After; anything else is wrong. */
export const outcomeOf =
  (bad: BadFunction) =>
  (a: RawAnswer): string | null =>
    bad.own(a) ??
    (a.status === 503 && errorCode(a) === "overload" && a.headers.has("retry-after") ? "503 overload" : null);
