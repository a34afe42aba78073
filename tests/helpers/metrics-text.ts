// Reads one sample out of Prometheus text exposition: name plus an exact label set.
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
  for (const line of text.split("\n")) {
    const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/);
    if (!m || m[1] !== name) continue;
    const have = [...(m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)]
      .map(([, k, v]) => [k, v] as [string, string])
      .sort(([a], [b]) => a.localeCompare(b));
    if (JSON.stringify(have) === JSON.stringify(want)) return Number(m[3]);
  }
  return undefined;
}

/** One sample of a server's /metrics (0 when absent). */
export async function metric(baseUrl: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  return sample(await (await fetch(`${baseUrl}/metrics`)).text(), name, labels) ?? 0;
}
