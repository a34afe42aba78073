// Listening fails with one sentence naming what to change, not Bun's stack trace or bare errno:
// a port another process holds, an address not on this machine, a privileged port. Neither the
// runner nor the control plane sets SO_REUSEPORT, so the kernel refuses the second process on a
// port instead of splitting the connections between the two.

/** Runs `listen`; a refusal of the address becomes one plain sentence naming the flag to change. */
export function listenOrExplain<T>(port: number, hostname: string, listen: () => T): T {
  try {
    return listen();
  } catch (error) {
    const sentence = explain((error as NodeJS.ErrnoException).code, port, hostname);
    if (sentence) throw new Error(sentence);
    throw error;
  }
}

function explain(code: string | undefined, port: number, hostname: string): string | null {
  switch (code) {
    case "EADDRINUSE":
      return `port ${port} on ${hostname} is already in use by another process; stop it or choose another --port`;
    case "EADDRNOTAVAIL":
      return `${hostname} is not an address of this machine, so nothing can listen on it; choose another --host (0.0.0.0: every address)`;
    case "EACCES":
      return `port ${port} is privileged (below 1024) and this process may not listen on it; choose --port 1024 or above, or grant it CAP_NET_BIND_SERVICE`;
    case "EINVAL":
      return `cannot listen on ${hostname} port ${port} (EINVAL): is --host an address of this machine, or a name it resolves?`;
    default:
      return null;
  }
}
