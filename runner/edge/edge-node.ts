// The edge node's state machine: what the control plane wants (DesiredState, moved by whole
// sequences of watch messages, see state/incoming.ts), what the node serves (after each
// reconcile pass), and the state file that lets a restart serve before the control plane
// answers. Passes run one at a time; states that arrive during a pass are folded into the next
// one. A pass that left problems is retried with backoff, since a download may succeed later.
import type { AppliedMessage, NodeProblem, ServerMessage } from "../../core/contract";
import { MAX_REPORTED_PROBLEMS } from "../../core/contract";
import type { Logger } from "../../core/observe/log";
import { Backoff } from "./backoff";
import { deploymentOf, type Deployment } from "./serving/deployment";
import { EMPTY_STATE, type DesiredState } from "./state/desired-state";
import { Incoming } from "./state/incoming";
import { readStateFile, writeStateFile } from "./state/state-file";
import type { StateSealer } from "./state/state-secrets";
import type { Reconciler } from "./sync/reconciler";

export interface EdgeNodeDeps {
  reconciler: Reconciler;
  cacheDir: string;
  logger: Logger;
  /** Tell the control plane what is live (a no-op while disconnected). */
  report(message: AppliedMessage): void;
  /** Artifacts the disk cache must keep. */
  pin(sha256s: ReadonlySet<string>): Promise<void>;
  observePass(seconds: number): void;
  /** Seals the functions' secrets in the state file (state/state-secrets.ts). */
  sealer?: StateSealer;
}

export type Receipt = "ok" | "resync";

/**
 * A pass that left problems is retried after about 1 s, doubling up to 30 s; with the backoff's
 * jitter each wait is between half and all of its step, so nodes do not retry in lockstep.
 */
const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 30_000;
/** Reports go out at most this often (the latest wins), so a burst of deploys is not a burst of writes on the control plane. */
const REPORT_EVERY_MS = 100;

export class EdgeNode {
  private desired: DesiredState = EMPTY_STATE;
  private serving = new Map<string, Deployment>();
  private appliedRevision = 0;
  private problems: NodeProblem[] = [];
  private running: Promise<void> | null = null;
  private again = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly retryBackoff = new Backoff(RETRY_FIRST_MS, RETRY_MAX_MS);
  private needSnapshot = false;
  private synced = false;
  private readonly syncWaiters: (() => void)[] = [];
  private readonly incoming = new Incoming();
  private reportedAt = -Infinity;
  private reportTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly deps: EdgeNodeDeps) {}

  get applied(): number {
    return this.appliedRevision;
  }

  /** Serves what the state file says, before any control plane is asked. False when there was none. */
  async restore(): Promise<boolean> {
    const read = await readStateFile(this.deps.cacheDir, this.deps.sealer);
    if (!read.ok) {
      this.deps.logger.log("warn", "state file unreadable; starting empty", { reason: read.reason });
      return false;
    }
    if (!read.state) return false;
    const { state } = read;
    if (read.unopened) {
      // Left out of the state: a resumed watch would never send them again (they did not change).
      this.needSnapshot = true;
      const why = "state file: secrets of some functions did not open (node-key replaced?); they wait for a snapshot";
      this.deps.logger.log("warn", why, { functions: read.unopened });
    }
    if (read.format === 1)
      this.deps.logger.log(
        "info",
        "state file of the previous release read; the next pass writes it in the current format",
      );
    this.desired = {
      historyId: state.history_id,
      revision: state.revision,
      functions: new Map(state.desired.map((f) => [f.function.id, f])),
    };
    for (const source of state.serving) {
      const deployment = deploymentOf(source);
      if (deployment) this.serving.set(deployment.functionId, deployment);
    }
    await this.schedule();
    this.deps.logger.log("info", "restored state from disk", {
      revision: this.appliedRevision,
      functions: this.serving.size,
      problems: this.problems.length,
    });
    return true;
  }

  /** Where the watch should resume: after the revision received, or from a snapshot. */
  resumePoint(): { since: number; history: string | null } {
    return this.needSnapshot
      ? { since: 0, history: null }
      : { since: this.desired.revision, history: this.desired.historyId };
  }

  receive(message: ServerMessage): Receipt {
    if (message.type === "heartbeat") {
      if (message.revision > this.desired.revision)
        return this.resync(`heartbeat at revision ${message.revision}, node has ${this.desired.revision}`);
      this.report();
      return "ok";
    }
    const outcome = this.incoming.take(this.desired, message);
    if (outcome.kind === "pending") return "ok";
    if (outcome.kind === "resync") return this.resync(outcome.reason);
    this.desired = outcome.state;
    if (outcome.snapshot) this.needSnapshot = false;
    void this.schedule().then(() => this.markSynced());
    return "ok";
  }

  /** The socket dropped: pages of an unfinished sequence are dropped too; the watch resumes from the last whole state. */
  disconnected(): void {
    this.incoming.reset();
  }

  /** Resolves once the first state from the control plane is live, or after `ms`. */
  waitForSync(ms: number): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.syncWaiters.push(() => (clearTimeout(timer), resolve()));
    });
  }

  status() {
    return {
      revision: this.appliedRevision,
      received_revision: this.desired.revision,
      synced: this.synced,
      functions: this.serving.size,
      problems: this.problems,
    };
  }

  stop(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.reportTimer) clearTimeout(this.reportTimer);
    this.retryTimer = null;
    this.reportTimer = null;
  }

  /** Runs a pass now, or once more after the running one. Resolves when the state is live. */
  private schedule(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.pass();
      } while (this.again);
    })().finally(() => (this.running = null));
    return this.running;
  }

  private async pass(): Promise<void> {
    const target = this.desired;
    const started = performance.now();
    let result;
    try {
      result = await this.deps.reconciler.run(target, this.serving);
    } catch (error) {
      this.deps.logger.log("error", "reconcile failed", { error: String((error as Error)?.stack ?? error) });
      this.retryLater();
      return;
    }
    this.serving = result.serving;
    this.problems = result.problems;
    this.appliedRevision = target.revision;
    this.deps.observePass((performance.now() - started) / 1000);
    this.report();
    if (this.problems.length > 0) this.retryLater();
    else this.retryBackoff.reset();
    await this.persist(target);
  }

  private async persist(target: DesiredState): Promise<void> {
    const keep = new Set<string>();
    for (const f of target.functions.values()) if (f.artifact) keep.add(f.artifact.sha256);
    for (const d of this.serving.values()) keep.add(d.sha256);
    try {
      await writeStateFile(
        this.deps.cacheDir,
        {
          history_id: target.historyId,
          revision: target.revision,
          desired: target.functions.values(),
          serving: [...this.serving.values()].map((d) => d.source),
        },
        this.deps.sealer,
      );
      await this.deps.pin(keep);
    } catch (error) {
      this.deps.logger.log("error", "could not save the node's state", { error: (error as Error).message });
    }
  }

  private retryLater(): void {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.schedule();
    }, this.retryBackoff.next());
    this.retryTimer.unref?.();
  }

  /** Sends the current report now, or once REPORT_EVERY_MS has passed since the last one. */
  private report(): void {
    if (this.reportTimer) return;
    const wait = this.reportedAt + REPORT_EVERY_MS - performance.now();
    const send = () => {
      this.reportTimer = null;
      this.reportedAt = performance.now();
      this.deps.report(this.appliedMessage());
    };
    if (wait <= 0) send();
    else {
      this.reportTimer = setTimeout(send, wait);
      this.reportTimer.unref?.();
    }
  }

  private appliedMessage(): AppliedMessage {
    return { type: "applied", revision: this.appliedRevision, problems: this.problems.slice(0, MAX_REPORTED_PROBLEMS) };
  }

  private resync(reason: string): Receipt {
    this.deps.logger.log("warn", "watch out of step; asking for a snapshot", { reason });
    this.incoming.reset();
    this.needSnapshot = true;
    return "resync";
  }

  private markSynced(): void {
    if (this.synced) return;
    this.synced = true;
    for (const wake of this.syncWaiters.splice(0)) wake();
  }
}
