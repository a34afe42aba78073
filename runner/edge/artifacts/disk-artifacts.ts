// Verified artifacts on the node's disk (<cache-dir>/artifacts/<sha256>.wasm), so a restart
// without the control plane still has the code. Bytes are verified before they are written and
// again whenever they are read back: a file changed on disk is refused, deleted and reported,
// and the caller fetches it again. Bounded by bytes, least recently used first, but never an
// artifact the node serves or is about to serve (pinned).
import { mkdir, open, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { ByteLru } from "../../../core/cache/byte-lru";
import { inlineWork, type ArtifactWork } from "../../../core/module/offload/artifact-work";

const NAME = /^([0-9a-f]{64})\.wasm$/;
const HEX = /^[0-9a-f]{64}$/;

export class DiskArtifacts {
  /** sha256 -> size; what it evicts is removed from disk by removeEvicted(). */
  private readonly entries: ByteLru<number>;
  private pinned: ReadonlySet<string> = new Set();
  private readonly evicted: string[] = [];

  private constructor(
    private readonly dir: string,
    maxBytes: number,
    private readonly onTampered: (sha256: string) => void,
    private readonly work: ArtifactWork,
  ) {
    this.entries = new ByteLru<number>(maxBytes, (sha) => this.evicted.push(sha), {
      mayEvict: (sha) => !this.pinned.has(sha),
    });
  }

  /** Indexes what a previous run left, oldest first by mtime; removes unfinished writes. */
  static async open(
    dir: string,
    maxBytes: number,
    onTampered: (sha256: string) => void,
    work: ArtifactWork = inlineWork,
  ): Promise<DiskArtifacts> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const store = new DiskArtifacts(dir, maxBytes, onTampered, work);
    const found: { sha: string; size: number; mtime: number }[] = [];
    for (const name of await readdir(dir)) {
      const match = NAME.exec(name);
      if (!match) {
        if (name.endsWith(".tmp")) await rm(join(dir, name), { force: true });
        continue;
      }
      const info = await stat(join(dir, name)).catch(() => null);
      if (info?.isFile()) found.push({ sha: match[1]!, size: info.size, mtime: info.mtimeMs });
    }
    found.sort((a, b) => a.mtime - b.mtime);
    // Indexing evicts nothing: the bound is enforced at the next write or pin, once the node
    // has said what it serves.
    for (const { sha, size } of found) store.entries.admit(sha, size, size);
    return store;
  }

  has(sha256: string): boolean {
    return this.entries.has(sha256);
  }

  /** The bytes, verified; null when absent or when the file no longer matches its name. */
  async read(sha256: string): Promise<Uint8Array | null> {
    if (!HEX.test(sha256) || !this.entries.has(sha256)) return null;
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(this.path(sha256)));
    } catch {
      this.entries.delete(sha256);
      return null;
    }
    if ((await this.work.sha256Hex(bytes)) !== sha256) {
      this.onTampered(sha256);
      await rm(this.path(sha256), { force: true });
      this.entries.delete(sha256);
      return null;
    }
    this.entries.get(sha256); // most recently used now
    return bytes;
  }

  /** `bytes` must already be verified against `sha256`. Written atomically, then the bound is enforced. */
  async write(sha256: string, bytes: Uint8Array): Promise<void> {
    if (!HEX.test(sha256)) throw new Error(`not a SHA-256: ${sha256}`);
    const temp = `${this.path(sha256)}.${process.pid}.tmp`;
    const file = await open(temp, "w", 0o600);
    try {
      await file.writeFile(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, this.path(sha256));
    // Never evicts the one just written: it is about to be served, and pinned once the deploy is applied.
    this.entries.set(sha256, bytes.byteLength, bytes.byteLength);
    await this.removeEvicted();
  }

  /** The artifacts that must stay: what the node serves and what it is moving to. */
  async pin(sha256s: ReadonlySet<string>): Promise<void> {
    this.pinned = sha256s;
    this.entries.evict();
    await this.removeEvicted();
  }

  stats(): { files: number; bytes: number } {
    return { files: this.entries.size, bytes: this.entries.cost };
  }

  private async removeEvicted(): Promise<void> {
    for (let sha = this.evicted.shift(); sha !== undefined; sha = this.evicted.shift())
      await rm(this.path(sha), { force: true });
  }

  private path(sha256: string): string {
    return join(this.dir, `${sha256}.wasm`);
  }
}
