// Turns entries into the pages of one sequence (a snapshot, or the changes after a revision),
// each message at most MAX_WATCH_MESSAGE_BYTES: entries are packed into a page until the next
// would not fit, and an entry too large for any page (a record stored before the env limit)
// goes out as `part`s between two pages. The writer holds one page at a time.
import { MAX_WATCH_MESSAGE_BYTES } from "../../core/contract";

/** Room kept for a page's envelope (type, history id, revisions, page number, brackets). */
const ENVELOPE_BYTES = 512;
const PAGE_BYTES = MAX_WATCH_MESSAGE_BYTES - ENVELOPE_BYTES;
/**
 * UTF-16 units of an entry's JSON per part: a unit is at most 3 bytes in UTF-8, and quoting the
 * text again at most doubles it (`"` and `\` are escaped; control characters already were).
 */
const PART_UNITS = Math.floor(PAGE_BYTES / 6);

export interface PageBody {
  /** Serialized DeployedFunctions. */
  functions: string[];
  deleted: string[];
  last: boolean;
}

/**
 * The page's text in one allocation: `head`, the entries separated by commas, `tail`. (Nested
 * concatenations would be flattened piece by piece when sent, each a copy of the page.)
 */
function joinPage(head: string, entries: readonly string[], tail: string): string {
  const pieces = new Array<string>(entries.length * 2 + 1);
  pieces[0] = head;
  for (let i = 0; i < entries.length; i++) {
    pieces[2 * i + 1] = entries[i]!;
    pieces[2 * i + 2] = i === entries.length - 1 ? tail : ",";
  }
  if (entries.length === 0) pieces[1] = tail;
  return pieces.join("");
}

export type Send = (text: string) => Promise<boolean>;

export class SequenceWriter {
  private functions: string[] = [];
  private deleted: string[] = [];
  private bytes = 0;
  private pages = 0;
  private open = true;

  /**
   * `envelope` makes the page message around a body (it knows the sequence's kind and counts
   * its pages); `send` answers false once the socket is gone, and the writer then stops.
   */
  constructor(
    private readonly envelope: (body: PageBody) => string,
    private readonly send: Send,
  ) {}

  get pagesSent(): number {
    return this.pages;
  }

  /** `json`: one DeployedFunction as JSON text, of `size` bytes in UTF-8. */
  async add(json: string, size: number): Promise<boolean> {
    if (size > PAGE_BYTES) return (await this.flush(false)) && (await this.parts(json));
    if (this.bytes + size + 1 > PAGE_BYTES && !(await this.flush(false))) return false;
    this.functions.push(json);
    this.bytes += size + 1;
    return true;
  }

  async delete(functionId: string): Promise<boolean> {
    const size = Buffer.byteLength(functionId) + 3;
    if (this.bytes + size > PAGE_BYTES && !(await this.flush(false))) return false;
    this.deleted.push(functionId);
    this.bytes += size;
    return true;
  }

  /** The last page: the sequence is complete and the node applies it. */
  end(): Promise<boolean> {
    return this.flush(true);
  }

  /** Sends the page so far; an empty one only when nothing opened the sequence yet, or to end it. */
  private async flush(last: boolean): Promise<boolean> {
    if (!this.open) return false;
    if (!last && this.pages > 0 && this.functions.length === 0 && this.deleted.length === 0) return true;
    const text = this.envelope({ functions: this.functions, deleted: this.deleted, last });
    this.functions = [];
    this.deleted = [];
    this.bytes = 0;
    this.pages++;
    this.open = await this.send(text);
    return this.open;
  }

  private async parts(json: string): Promise<boolean> {
    for (let start = 0; start < json.length; ) {
      let end = Math.min(json.length, start + PART_UNITS);
      // Never split a surrogate pair: each half alone would not survive UTF-8.
      if (end < json.length && isHighSurrogate(json.charCodeAt(end - 1))) end--;
      const text = `{"type":"part","text":${JSON.stringify(json.slice(start, end))},"last":${end === json.length}}`;
      this.open = await this.send(text);
      if (!this.open) return false;
      start = end;
    }
    return true;
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** The envelope of snapshot pages: every page carries the snapshot's revision and its number. */
export function snapshotEnvelope(historyId: string, revision: number): (body: PageBody) => string {
  let page = 0;
  return ({ functions, last }) =>
    joinPage(
      `{"type":"snapshot","history_id":${JSON.stringify(historyId)},"revision":${revision},"page":${page++},"last":${last},"functions":[`,
      functions,
      "]}",
    );
}

/**
 * The envelope of changes pages: each covers the revisions after the previous page's up to
 * `cursor()`, the revision of the last entry handed to the writer so far.
 */
export function changesEnvelope(historyId: string, from: number, cursor: () => number): (body: PageBody) => string {
  let previous = from;
  return ({ functions, deleted, last }) => {
    const revision = cursor();
    const text = joinPage(
      `{"type":"changes","history_id":${JSON.stringify(historyId)},"from":${previous},"revision":${revision},"last":${last},"functions":[`,
      functions,
      `],"deleted":${JSON.stringify(deleted)}}`,
    );
    previous = revision;
    return text;
  };
}
