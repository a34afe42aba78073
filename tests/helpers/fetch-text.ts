// One request read whole, in the two shapes tests compare: "<status> <body>" or { status, text }.

export async function body(url: string, init?: RequestInit): Promise<string> {
  const response = await fetch(url, init);
  return `${response.status} ${await response.text()}`;
}

/** The status and body of one request (10 s bound unless `init` has a signal); a network error reads as status 0. */
export async function get(url: string, init?: RequestInit): Promise<{ status: number; text: string }> {
  try {
    const res = await fetch(url, { ...init, signal: init?.signal ?? AbortSignal.timeout(10_000) });
    return { status: res.status, text: await res.text() };
  } catch (error) {
    return { status: 0, text: String(error) };
  }
}
