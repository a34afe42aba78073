// A lean closed-loop HTTP/1.1 load on raw keep-alive sockets (Bun.connect): each connection sends
// its next GET the moment the last answer is complete. Unlike fetch it costs a few µs per request,
// so it does not take the CPU it measures; unlike wrk it sees every answer (status, headers,
// body) and, when stopped, waits for the requests still in flight instead of dropping them, so
// an answer that never comes is counted as a hang rather than lost.

export interface RawAnswer {
  status: number;
  /** Lower-case names. */
  headers: Map<string, string>;
  body: string;
  ms: number;
}

export interface RawLoadResult {
  connections: number;
  sent: number;
  answered: number;
  /** Answers by what `classify` named them ("504 timeout", "200 ok"...). */
  outcomes: Map<string, number>;
  /** Answers `classify` refused, connection errors and closes without an answer: the first 20. */
  wrong: string[];
  wrongCount: number;
  /** Answered later than `hangMs` after being sent, or never (still in flight `hangMs` after it was sent). */
  hung: number;
  /** Latencies (ms) of the answers, sorted. */
  latencies: Float64Array;
  seconds: number;
}

export interface RawLoad {
  /** Stops sending, waits for every request in flight (each at most `hangMs` after it was sent), closes. */
  stop(): Promise<RawLoadResult>;
}

/** Names an acceptable answer's outcome, or returns null for an answer that should not be. */
export type Classify = (answer: RawAnswer) => string | null;

const CRLF2 = Buffer.from("\r\n\r\n");
const whole = (value: number) => value.toFixed(0);

export function rawClosedLoop(options: {
  url: string;
  headers?: Record<string, string>;
  connections: number;
  classify: Classify;
  hangMs: number;
}): RawLoad {
  const target = new URL(options.url);
  const extra = Object.entries(options.headers ?? {})
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("");
  const request = Buffer.from(
    `GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\n${extra}\r\n`,
  );
  const started = performance.now();
  const outcomes = new Map<string, number>();
  const wrong: string[] = [];
  const latencies: number[] = [];
  let sent = 0;
  let answered = 0;
  let wrongCount = 0;
  let hung = 0;
  let stopping = false;
  const fail = (what: string) => {
    wrongCount++;
    if (wrong.length < 20) wrong.push(what);
  };
  /** Open sockets, and whether stop() gave up on the one's request (closed it `hangMs` on). */
  const sockets = new Map<Awaited<ReturnType<typeof Bun.connect>>, { abandoned: boolean }>();

  /** One connection's life: connect, send, parse the answer, repeat; reconnects when the server closes. */
  const connection = async () => {
    while (!stopping) {
      const done = Promise.withResolvers<void>();
      let pending = Buffer.alloc(0);
      let sentAt = 0;
      let inFlight = false;
      const state = { abandoned: false };
      let socket: Awaited<ReturnType<typeof Bun.connect>> | undefined;
      const send = (s: NonNullable<typeof socket>) => {
        if (stopping) return void s.end();
        sentAt = performance.now();
        inFlight = true;
        sent++;
        s.write(request);
      };
      try {
        socket = await Bun.connect({
          hostname: target.hostname,
          port: Number(target.port),
          socket: {
            data(s, chunk) {
              pending = pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([pending, chunk]);
              for (;;) {
                const parsed = parseAnswer(pending);
                if (parsed === null) return;
                if (typeof parsed === "string") {
                  fail(`unreadable answer: ${parsed}`);
                  inFlight = false;
                  return void s.end();
                }
                pending = pending.subarray(parsed.used);
                const ms = performance.now() - sentAt;
                inFlight = false;
                answered++;
                latencies.push(ms);
                if (ms > options.hangMs) hung++;
                const answer = { ...parsed.answer, ms };
                const outcome = options.classify(answer);
                if (outcome === null) fail(`${answer.status} ${answer.body.slice(0, 200)}`);
                else outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
                if (answer.headers.get("connection")?.toLowerCase() === "close") return void s.end();
                send(s);
              }
            },
            close() {
              if (inFlight && state.abandoned) hung++;
              else if (inFlight)
                fail(`connection closed ${whole(performance.now() - sentAt)} ms after the request, before the answer`);
              inFlight = false;
              done.resolve();
            },
            error(_s, error) {
              if (inFlight)
                fail(
                  `socket error ${whole(performance.now() - sentAt)} ms after the request, before the answer: ${error.message}`,
                );
              inFlight = false;
            },
          },
        });
      } catch (error) {
        fail(`connect: ${(error as Error).message}`);
        await Bun.sleep(10);
        continue;
      }
      sockets.set(socket, state);
      send(socket);
      await done.promise;
      sockets.delete(socket);
    }
  };
  const running = Array.from({ length: options.connections }, connection);

  return {
    async stop() {
      stopping = true;
      const seconds = (performance.now() - started) / 1000;
      // Each connection ends after its answer; one still waiting `hangMs` after it sent is closed.
      const deadline = setTimeout(() => {
        for (const [s, state] of sockets) {
          state.abandoned = true;
          s.terminate();
        }
      }, options.hangMs);
      await Promise.all(running);
      clearTimeout(deadline);
      return {
        connections: options.connections,
        sent,
        answered,
        outcomes,
        wrong,
        wrongCount,
        hung,
        latencies: Float64Array.from(latencies).sort(),
        seconds,
      };
    },
  };
}

/**
 * One complete answer at the start of `buf` and the bytes it used; null when incomplete; a
 * string saying what is wrong when it cannot be an HTTP/1.1 answer (Content-Length or chunked).
 */
function parseAnswer(buf: Buffer): { answer: Omit<RawAnswer, "ms">; used: number } | null | string {
  const head = buf.indexOf(CRLF2);
  if (head < 0) return buf.length > 65_536 ? "head over 64 KiB" : null;
  const lines = buf.toString("latin1", 0, head).split("\r\n");
  const status = Number(lines[0]!.match(/^HTTP\/1\.[01] (\d{3})/)?.[1]);
  if (!status) return `status line ${JSON.stringify(lines[0]!.slice(0, 80))}`;
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const start = head + 4;
  const length = headers.get("content-length");
  if (length !== undefined) {
    const end = start + Number(length);
    if (buf.length < end) return null;
    return { answer: { status, headers, body: buf.toString("utf8", start, end) }, used: end };
  }
  if (headers.get("transfer-encoding")?.toLowerCase() !== "chunked") {
    return status === 204 || status === 304
      ? { answer: { status, headers, body: "" }, used: start }
      : "neither Content-Length nor chunked";
  }
  const parts: Buffer[] = [];
  let at = start;
  for (;;) {
    const eol = buf.indexOf("\r\n", at);
    if (eol < 0) return null;
    const size = parseInt(buf.toString("latin1", at, eol), 16);
    if (Number.isNaN(size)) return "bad chunk size";
    if (buf.length < eol + 2 + size + 2) return null;
    if (size === 0) return { answer: { status, headers, body: Buffer.concat(parts).toString("utf8") }, used: eol + 4 };
    parts.push(buf.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}
