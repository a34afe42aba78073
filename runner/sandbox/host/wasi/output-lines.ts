// A guest's stderr (and, for edge ABI modules, its stdout) as log lines: bytes are split at
// "\n", each line logged with function and request id under the invocation's line limits
// (host/log.ts's rules), and what is left unterminated is logged when the invocation ends.
import type { Logger, LogLevel } from "../../../../core/observe/log";
import type { InvocationLimits } from "../../limits";

/** The part of the invocation's context a stream logs through (InvocationContext has it). */
export interface LineSink {
  fn: { name: string; limits: InvocationLimits };
  requestId: string;
  logger: Logger;
  logLines: number;
  logDropped: number;
}

const NEWLINE = 0x0a;
const decoder = new TextDecoder();
/**
 * Bytes of one stream an invocation may have looked at. A host call is not interruptible, and a
 * guest can pass 1024 iovecs of its whole memory: without a bound, one fd_write would scan a
 * terabyte for newlines. Past it (and once the line limit is reached) output is dropped unread.
 */
export const MAX_SCANNED_BYTES = 1024 * 1024;

export class OutputLines {
  /** The current line's first bytes (at most maxLogLineBytes), and how many more it had. */
  private held: Uint8Array | null = null;
  private heldLength = 0;
  private cut = 0;
  private scanned = 0;

  constructor(
    private readonly stream: "stdout" | "stderr",
    private readonly level: LogLevel,
  ) {}

  write(ctx: LineSink, whole: Uint8Array): void {
    const room = MAX_SCANNED_BYTES - this.scanned;
    if (room <= 0 || ctx.logLines >= ctx.fn.limits.maxLogLines) {
      if (whole.byteLength > 0) this.drop(ctx, whole.byteLength);
      return;
    }
    const bytes = whole.byteLength > room ? whole.subarray(0, room) : whole;
    if (bytes !== whole) this.drop(ctx, whole.byteLength - room); // its tail is dropped unread
    this.scanned += bytes.byteLength;
    let from = 0;
    while (from < bytes.byteLength) {
      const end = bytes.indexOf(NEWLINE, from);
      const stop = end < 0 ? bytes.byteLength : end;
      this.hold(ctx, bytes.subarray(from, stop));
      if (end < 0) return;
      this.emit(ctx);
      from = end + 1;
    }
  }

  /** Output dropped unread: counted once per stream as a dropped line. */
  private dropped = false;
  /** Bytes written but never looked at (past MAX_SCANNED_BYTES or the line limit). */
  droppedBytes = 0;
  private drop(ctx: LineSink, bytes: number): void {
    this.droppedBytes += bytes;
    if (this.dropped) return;
    this.dropped = true;
    ctx.logDropped++;
  }

  /** Logs what is left of an unterminated line; call once the guest has stopped. */
  flush(ctx: LineSink): void {
    if (this.heldLength > 0 || this.cut > 0) this.emit(ctx);
  }

  private hold(ctx: LineSink, part: Uint8Array): void {
    const room = ctx.fn.limits.maxLogLineBytes - this.heldLength;
    const kept = Math.max(0, Math.min(room, part.byteLength));
    if (kept > 0) {
      this.held ??= new Uint8Array(ctx.fn.limits.maxLogLineBytes);
      this.held.set(part.subarray(0, kept), this.heldLength);
      this.heldLength += kept;
    }
    this.cut += part.byteLength - kept;
  }

  private emit(ctx: LineSink): void {
    let length = this.heldLength;
    if (length > 0 && this.held?.[length - 1] === 0x0d) length--;
    const text = length > 0 && this.held ? decoder.decode(this.held.subarray(0, length)) : "";
    const cut = this.cut;
    this.heldLength = 0;
    this.cut = 0;
    if (text.length === 0 && cut === 0) return; // blank lines are not worth a log line
    if (ctx.logLines >= ctx.fn.limits.maxLogLines) {
      ctx.logDropped++;
      return;
    }
    ctx.logLines++;
    ctx.logger.log(this.level, text, {
      source: "guest",
      stream: this.stream,
      function: ctx.fn.name,
      request_id: ctx.requestId,
      ...(cut > 0 ? { truncated_bytes: cut } : {}),
    });
  }
}
