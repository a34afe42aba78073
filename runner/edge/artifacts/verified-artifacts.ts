// The one way the node gets a version's bytes: from its disk when a verified copy is there,
// otherwise downloaded and verified against the SHA-256 the control plane recorded (from the
// watch stream) before anything is written or compiled. A mismatch is refused, logged and
// counted; the caller keeps serving the previous version.
import type { Logger } from "../../../core/observe/log";
import { inlineWork, type ArtifactWork } from "../../../core/module/offload/artifact-work";
import type { ArtifactClient } from "./artifact-client";
import type { DiskArtifacts } from "./disk-artifacts";

export interface ArtifactRef {
  functionId: string;
  version: number;
  sha256: string;
}

export type ArtifactResult = { ok: true; bytes: Uint8Array } | { ok: false; reason: string };

/** Where compiled modules get their bytes: verified, or a reason why not. */
export interface ArtifactSource {
  get(ref: ArtifactRef): Promise<ArtifactResult>;
}

export interface ArtifactObserver {
  artifactDownload(outcome: "ok" | "verify_failed" | "error"): void;
  artifactVerifyFailure(source: "network" | "disk"): void;
}

export class VerifiedArtifacts implements ArtifactSource {
  /** One download per hash at a time, however many functions or requests want it. */
  private readonly pending = new Map<string, Promise<ArtifactResult>>();

  constructor(
    private readonly disk: DiskArtifacts,
    private readonly client: ArtifactClient,
    private readonly observer: ArtifactObserver,
    private readonly logger: Logger,
    private readonly work: ArtifactWork = inlineWork,
  ) {}

  get(ref: ArtifactRef): Promise<ArtifactResult> {
    const running = this.pending.get(ref.sha256);
    if (running) return running;
    const result = this.load(ref).finally(() => this.pending.delete(ref.sha256));
    this.pending.set(ref.sha256, result);
    return result;
  }

  private async load(ref: ArtifactRef): Promise<ArtifactResult> {
    const local = await this.disk.read(ref.sha256);
    if (local) return { ok: true, bytes: local };

    const download = await this.client.download(ref.functionId, ref.version);
    if (!download.ok) {
      this.observer.artifactDownload("error");
      return download;
    }
    const actual = await this.work.sha256Hex(download.bytes);
    if (actual !== ref.sha256) {
      this.observer.artifactDownload("verify_failed");
      this.observer.artifactVerifyFailure("network");
      this.logger.log("error", "artifact refused: SHA-256 mismatch", {
        function_id: ref.functionId,
        version: ref.version,
        expected_sha256: ref.sha256,
        actual_sha256: actual,
        bytes: download.bytes.byteLength,
      });
      return {
        ok: false,
        reason: `sha256 mismatch: the control plane recorded ${ref.sha256}, the download hashes to ${actual}`,
      };
    }
    this.observer.artifactDownload("ok");
    try {
      await this.disk.write(ref.sha256, download.bytes);
    } catch (error) {
      // Serving doesn't need the disk copy; a restart without the control plane would.
      this.logger.log("warn", "could not keep an artifact on disk", {
        sha256: ref.sha256,
        error: (error as Error).message,
      });
    }
    return { ok: true, bytes: download.bytes };
  }
}
