// A request id names one invocation in the response header, error body and every log line.
// A caller's own x-request-id is kept when it is safe to echo, so traces join up across hops.
const SAFE = /^[A-Za-z0-9._:-]{8,128}$/;

// Generated ids keep the UUID shape people grep for, but only the first four groups are random
// (once per process); the last is a counter. Unique across restarts and nodes for practical
// purposes, and cheaper per request than crypto.randomUUID().
const PREFIX = crypto.randomUUID().slice(0, 24);
let counter = 0;

export function requestIdFor(incoming: string | null): string {
  if (incoming && SAFE.test(incoming)) return incoming;
  counter = counter >= 0xffffffffffff ? 1 : counter + 1;
  return PREFIX + counter.toString(16).padStart(12, "0");
}
