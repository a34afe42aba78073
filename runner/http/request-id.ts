// A request id names one invocation in the response header, error body and every log line.
// A caller's own x-request-id is kept when it is safe to echo, so traces join up across hops.
const SAFE = /^[A-Za-z0-9._:-]{8,128}$/;

export function requestIdFor(incoming: string | null): string {
  return incoming && SAFE.test(incoming) ? incoming : crypto.randomUUID();
}
