// The front of `edge dev`: a local HTTP server that passes each request to the current runner
// generation. A swap points new requests at the new runner while the old one finishes those it
// has; the old one is stopped only once none of its requests is still in flight here, so a swap
// drops nothing. A request whose runner went away before answering (it crashed, or was stopped
// between choosing it and connecting) is sent once more to the current one; bodies are buffered
// for that (dev traffic is small).
import type { Server } from "bun";

export interface Upstream {
  port: number;
  inFlight: number;
  /** Resolved when inFlight is 0 after retire(). */
  drained?: () => void;
}

const HOP_BY_HOP = ["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection", "te", "trailer"];

export class DevProxy {
  #current: Upstream | null = null;
  #why = "no module has been built yet";
  readonly server: Server<undefined>;

  constructor(port: number, host: string) {
    this.server = Bun.serve({ port, hostname: host, fetch: (request) => this.#forward(request), idleTimeout: 0 });
  }

  /** New requests go to `port` from now on; resolves once the previous runner has nothing in flight. */
  switchTo(port: number): Promise<void> {
    const old = this.#current;
    this.#current = { port, inFlight: 0 };
    if (!old || old.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => (old.drained = resolve));
  }

  /** No runner: requests answer 503 with `why` (the last build or pipeline error). */
  clear(why: string): void {
    this.#current = null;
    this.#why = why;
  }

  get hasRunner(): boolean {
    return this.#current !== null;
  }

  async #forward(request: Request): Promise<Response> {
    const body = request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer();
    const url = new URL(request.url);
    for (let attempt = 0; ; attempt++) {
      const upstream = this.#current;
      if (!upstream)
        return Response.json({ error: { code: "no_module", message: `edge dev: ${this.#why}` } }, { status: 503 });
      upstream.inFlight++;
      try {
        const answer = await fetch(`http://127.0.0.1:${upstream.port}${url.pathname}${url.search}`, {
          method: request.method,
          headers: forwardHeaders(request.headers),
          body,
          redirect: "manual",
          decompress: false,
        });
        const headers = new Headers(answer.headers);
        for (const name of HOP_BY_HOP) headers.delete(name);
        // Read whole before the runner counts as done with it: its drain may then stop it.
        const bytes = await answer.arrayBuffer();
        return new Response(request.method === "HEAD" ? null : bytes, { status: answer.status, headers });
      } catch (error) {
        if (attempt === 0 && this.#current !== upstream) continue;
        return Response.json(
          {
            error: {
              code: "runner_unreachable",
              message: `edge dev: the runner did not answer: ${(error as Error).message}`,
            },
          },
          { status: 502 },
        );
      } finally {
        upstream.inFlight--;
        if (upstream.inFlight === 0 && upstream !== this.#current) upstream.drained?.();
      }
    }
  }

  stop(): void {
    this.server.stop(true);
  }
}

function forwardHeaders(incoming: Headers): Headers {
  const headers = new Headers(incoming);
  for (const name of HOP_BY_HOP) headers.delete(name);
  return headers;
}
