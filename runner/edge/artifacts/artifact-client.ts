// Downloads a version's bytes from the control plane (GET /api/v1/artifacts/{id}/{version}).
// Only transport here: what the bytes must hash to is checked by the caller, against the hash
// the watch stream carried, never against headers of the same response.
export type Download = { ok: true; bytes: Uint8Array } | { ok: false; reason: string };

const TIMEOUT_MS = 30_000;

export class ArtifactClient {
  private readonly base: string;

  constructor(
    controlPlane: string,
    private readonly token: string,
  ) {
    this.base = controlPlane.replace(/\/+$/, "");
  }

  async download(functionId: string, version: number): Promise<Download> {
    const url = `${this.base}/api/v1/artifacts/${encodeURIComponent(functionId)}/${version}`;
    try {
      const response = await fetch(url, {
        headers: { authorization: `Bearer ${this.token}` },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      if (!response.ok) {
        await response.body?.cancel();
        return { ok: false, reason: `control plane answered ${response.status} for version ${version}` };
      }
      return { ok: true, bytes: new Uint8Array(await response.arrayBuffer()) };
    } catch (error) {
      return { ok: false, reason: `control plane unreachable: ${(error as Error).message}` };
    }
  }
}
