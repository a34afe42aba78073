// `edge dev`'s loop: build, check, start a runner generation, swap it in behind the proxy; then
// watch the sources and edgebase.toml and do it again on every change. A failed build, a
// rejected module or a runner that does not start is printed and changes nothing: the last good
// generation keeps serving.
import { copyFileSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildAndCheck } from "../build/build-step";
import { fingerprint } from "../build/sources";
import { loadManifest, type LoadedManifest } from "../manifest/load-manifest";
import type { DevProxy } from "./proxy";
import { runnerArgs, startRunner, type RunnerProcess } from "./runner-process";

export interface DevOptions {
  target: string;
  env: Record<string, string | undefined>;
  say: (line: string) => void;
  /** Runner log lines. */
  log: (line: string) => void;
  pollMs: number;
}

export class DevLoop {
  #loaded: LoadedManifest;
  #runner: RunnerProcess | null = null;
  #generation = 0;
  #scratch = mkdtempSync(join(tmpdir(), "edgebase-dev-"));
  #seen = "";
  #busy = false;
  #again = false;
  #timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    loaded: LoadedManifest,
    readonly proxy: DevProxy,
    readonly options: DevOptions,
  ) {
    this.#loaded = loaded;
  }

  /** The first build (always), then watching. */
  async start(): Promise<void> {
    this.#seen = this.#state();
    await this.#cycle(true);
    this.#timer = setInterval(() => this.#poll(), this.options.pollMs);
  }

  #state(): string {
    let manifest = "";
    try {
      const stats = statSync(this.#loaded.file);
      manifest = `${stats.mtimeMs}:${stats.size}`;
    } catch {
      manifest = "missing";
    }
    return `${manifest}\n${fingerprint(this.#loaded)}`;
  }

  #poll(): void {
    const now = this.#state();
    if (now === this.#seen) return;
    this.#seen = now;
    if (this.#busy) this.#again = true;
    else void this.#cycle(false);
  }

  async #cycle(first: boolean): Promise<void> {
    this.#busy = true;
    try {
      do {
        this.#again = false;
        await this.#rebuild(first);
        first = false;
      } while (this.#again);
    } finally {
      this.#busy = false;
    }
  }

  async #rebuild(first: boolean): Promise<void> {
    const { say } = this.options;
    if (!first) say("change seen: rebuilding");
    let next: RunnerProcess;
    try {
      this.#loaded = loadManifest(this.options.target);
      const built = await buildAndCheck(this.#loaded, this.options.env, { always: true, progress: say });
      const generation = this.#generation + 1;
      const snapshot = join(this.#scratch, `generation-${generation}.wasm`);
      copyFileSync(this.#loaded.modulePath, snapshot);
      next = await startRunner(
        snapshot,
        runnerArgs(this.#loaded.manifest, built.report),
        this.options.log,
        this.options.env,
      );
      this.#generation = generation;
      say(
        `generation ${generation}: ${built.report.runtime} module, sha256 ${built.report.sha256.slice(0, 12)}..., ${built.bytes.byteLength} bytes`,
      );
    } catch (error) {
      const message = (error as Error).message;
      say(`error: ${message}`);
      say(
        this.proxy.hasRunner
          ? `still serving generation ${this.#generation}`
          : "nothing to serve until a build succeeds",
      );
      if (!this.proxy.hasRunner) this.proxy.clear(message.split("\n")[0]!);
      return;
    }
    const old = this.#runner;
    this.#runner = next;
    void next.exited.then((code) => {
      if (this.#runner !== next) return;
      say(`the runner of generation ${this.#generation} exited (${code}); the next change starts a new one`);
      this.#runner = null;
      this.proxy.clear(`the runner exited (${code})`);
    });
    const drained = this.proxy.switchTo(next.port);
    say(`serving generation ${this.#generation}`);
    if (old) await drained.then(() => old.stop());
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.proxy.stop();
    const runner = this.#runner;
    this.#runner = null;
    await runner?.stop();
    rmSync(this.#scratch, { recursive: true, force: true });
  }
}
