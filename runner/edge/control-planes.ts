// The control planes an edge node may follow (--control-plane URL1,URL2,...), and which one it
// follows now. The watch moves on to the next one in the list when its socket fails, closes or
// goes silent, and stays there until that one fails in turn; artifact downloads ask the one
// followed first, then the others in list order.
export class ControlPlanes {
  private index = 0;

  constructor(readonly urls: readonly string[]) {
    if (urls.length === 0) throw new Error("no control plane to follow");
  }

  /** The one the watch follows (or is connecting to). */
  get current(): string {
    return this.urls[this.index]!;
  }

  get size(): number {
    return this.urls.length;
  }

  /** Moves to the next control plane in the list, after the last back to the first; returns it. */
  advance(): string {
    this.index = (this.index + 1) % this.urls.length;
    return this.current;
  }

  /** The current one first, then the others in list order. */
  inOrder(): string[] {
    const current = this.current;
    return [current, ...this.urls.filter((url) => url !== current)];
  }
}
