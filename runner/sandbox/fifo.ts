// A first-in first-out list that lets go of what it hands out at once: a long-lived array that
// still pointed at taken jobs kept them (requests, promises) alive through young-generation
// collections (see inflight.ts). Used for each function's queue and waiting room (pool.ts).
export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** Puts `items` back in front, in their order (the unstarted jobs of a replaced worker). */
  unshift(items: readonly T[]): void {
    this.items.splice(this.head, 0, ...items);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Removes and returns everything, oldest first. */
  takeAll(): T[] {
    const all = this.items.slice(this.head) as T[];
    this.items = [];
    this.head = 0;
    return all;
  }
}
