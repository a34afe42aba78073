// The idle timeout of a request's connection, and how an invocation suspends it.
//
// The idle timeout cuts silent clients: a body trickled to a stop, a response nobody reads, a
// keep-alive connection left open. But while a function runs (or waits for a worker) the
// connection is silent on our side, not the client's: Bun would close it at the idle timeout
// and the client would get nothing, though the log says 200 (a 12 s function behind a 10 s
// timeout). So the timeout is off from the moment the body is read until the answer is ready,
// then back on for sending it. The pool ends every invocation (its time limit, the watchdog,
// shutdown), so no connection is held open for ever by this.

/** The part of Bun's Server this needs. */
export interface Connections {
  timeout(request: Request, seconds: number): void;
  /** The client's address (WASI functions' REMOTE_ADDR); absent in tests without a server. */
  requestIP?(request: Request): { address: string } | null;
  /** The port the server listens on (SERVER_PORT). */
  port?: number;
}

/**
 * Seconds a connection may stay silent (a client that sends nothing more of its body, or reads
 * nothing of its response) before it is closed and its buffers freed. Bun's default, said here.
 */
export const IDLE_TIMEOUT_S = 10;

/** The function is about to run: the client is waiting for us, not idle. */
export function holdOpen(connections: Connections, request: Request): void {
  connections.timeout(request, 0);
}

/** The answer is ready: from here on a silent client is cut again. */
export function letIdle(connections: Connections, request: Request): void {
  connections.timeout(request, IDLE_TIMEOUT_S);
}
