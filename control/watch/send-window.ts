// What the hub may hold in socket buffers at once. A page is sent only with a permit; the permit
// is back at once when the socket took the page, or once the socket drains when it had to queue
// it (Bun's send answers -1). So at most `permits` sockets have pages queued, each about one
// page: the control plane's memory stays bounded however many nodes sync, and a node that
// stopped reading (no drain within `stallMs`) is dropped rather than holding a permit forever.
import { MAX_WATCH_MESSAGE_BYTES } from "../../core/contract";

export interface Channel {
  /** Bun's answer: bytes sent, -1 queued behind backpressure, 0 dropped. */
  send(text: string): number;
  /** Set by the window while it waits for this channel's drain. */
  drained: (() => void) | null;
  closed: boolean;
}

export type SendResult = "sent" | "dropped" | "stalled" | "closed";

export class SendWindow {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(
    permits: number,
    private readonly stallMs: number,
  ) {
    this.free = permits;
  }

  /** Sends `text` on `channel` once a permit is free; resolves when the channel can take more. */
  async send(channel: Channel, text: string): Promise<SendResult> {
    const bytes = Buffer.byteLength(text);
    if (bytes > MAX_WATCH_MESSAGE_BYTES)
      throw new Error(`watch message of ${bytes} bytes exceeds MAX_WATCH_MESSAGE_BYTES (${MAX_WATCH_MESSAGE_BYTES})`);
    await this.acquire();
    try {
      if (channel.closed) return "closed";
      const status = channel.send(text);
      if (status === 0) return "dropped";
      if (status > 0) return "sent";
      return await this.drain(channel);
    } finally {
      this.release();
    }
  }

  /** A channel closed: whoever waits on it stops waiting. */
  closed(channel: Channel): void {
    channel.closed = true;
    channel.drained?.();
  }

  private drain(channel: Channel): Promise<SendResult> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        channel.drained = null;
        resolve("stalled");
      }, this.stallMs);
      channel.drained = () => {
        clearTimeout(timer);
        channel.drained = null;
        resolve(channel.closed ? "closed" : "sent");
      };
    });
  }

  private acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}
