// Listening on a port that another process holds fails with one sentence naming the port, not
// Bun's stack trace. Neither the runner nor the control plane sets SO_REUSEPORT, so the kernel
// refuses the second one instead of splitting the connections between the two.

/** Runs `listen`; a port already taken becomes one plain sentence naming it. */
export function listenOrExplain<T>(port: number, hostname: string, listen: () => T): T {
  try {
    return listen();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE")
      throw new Error(
        `port ${port} on ${hostname} is already in use by another process; stop it or choose another --port`,
      );
    throw error;
  }
}
