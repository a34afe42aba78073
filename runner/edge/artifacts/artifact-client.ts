// Downloads a version's bytes (GET /api/v1/artifacts/{id}/{version}?presigned=1): from the
// control plane the watch follows, then from the others in list order when that one cannot be
// reached or answers 5xx (a 404 or other 4xx is its answer for all of them: they share one
// database). Only transport here: what the bytes must hash to is checked by the caller, against
// the hash the watch stream carried, never against headers of the same response — wherever the
// bytes came from.
//
// `presigned=1` lets a control plane whose artifacts live in a bucket answer with a redirect to
// a presigned URL of it instead of relaying the bytes. The node follows one such hop itself, to
// http(s) only, without the Authorization header: the URL carries its own signature, and the
// bearer token must never reach another origin. Only the target's origin is ever said (in logs
// and reasons): its query is a credential.
import type { ControlPlanes } from "../control-planes";

export type Download = { ok: true; bytes: Uint8Array } | { ok: false; reason: string };

const TIMEOUT_MS = 30_000;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** One control plane's answer: bytes, a failure the next one might not have, or a final one. */
type Attempt = Download & { final?: boolean };

export class ArtifactClient {
  constructor(
    private readonly controlPlanes: ControlPlanes,
    private readonly token: string,
  ) {}

  async download(functionId: string, version: number): Promise<Download> {
    const path = `/api/v1/artifacts/${encodeURIComponent(functionId)}/${version}?presigned=1`;
    const reasons: string[] = [];
    for (const base of this.controlPlanes.inOrder()) {
      const attempt = await this.attempt(`${base}${path}`, version);
      if (attempt.ok) return attempt;
      reasons.push(this.controlPlanes.size > 1 ? `${base}: ${attempt.reason}` : attempt.reason);
      if (attempt.final) break;
    }
    return { ok: false, reason: reasons.join("; ") };
  }

  private async attempt(url: string, version: number): Promise<Attempt> {
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { authorization: `Bearer ${this.token}` },
        redirect: "manual",
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      return { ok: false, reason: `control plane unreachable: ${(error as Error).message}` };
    }
    if (REDIRECTS.has(response.status)) return this.followRedirect(response, url);
    if (!response.ok) {
      await response.body?.cancel();
      const reason = `control plane answered ${response.status} for version ${version}`;
      return { ok: false, reason, final: response.status < 500 };
    }
    return this.read(response, "control plane");
  }

  /** The one hop a presigned answer takes: a fresh request with no credentials of ours. */
  private async followRedirect(response: Response, from: string): Promise<Attempt> {
    await response.body?.cancel();
    const location = response.headers.get("location");
    let target: URL | null = null;
    try {
      if (location !== null) target = new URL(location, from);
    } catch {}
    if (target === null)
      return { ok: false, reason: `control plane answered ${response.status} without a usable Location` };
    if (target.protocol !== "http:" && target.protocol !== "https:")
      return { ok: false, reason: `control plane redirected to a ${target.protocol} URL; only http(s) is followed` };
    const where = `redirect target ${target.origin}`;
    let hop: Response;
    try {
      hop = await fetch(target, { redirect: "manual", signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (error) {
      // Bun may name the URL it fetched: its query (the signature) is cut from the reason.
      const message = (error as Error).message.split(target.href).join(target.origin);
      return { ok: false, reason: `${where} unreachable: ${message}` };
    }
    if (!hop.ok) {
      await hop.body?.cancel();
      const more = REDIRECTS.has(hop.status) ? " (another redirect; one hop is followed)" : "";
      return { ok: false, reason: `${where} answered ${hop.status}${more}` };
    }
    return this.read(hop, where);
  }

  private async read(response: Response, where: string): Promise<Attempt> {
    try {
      return { ok: true, bytes: new Uint8Array(await response.arrayBuffer()) };
    } catch (error) {
      return { ok: false, reason: `${where}: download cut short: ${(error as Error).message}` };
    }
  }
}
