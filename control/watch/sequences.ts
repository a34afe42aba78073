// The two sequences the hub sends, read from the store a page at a time (about one message of
// records per read) and written through a SequenceWriter: a snapshot of every function, and
// the functions changed after a revision. Each answers the revision the node has once the
// sequence's last page is in, or null when the socket went away first.
import { MAX_WATCH_MESSAGE_BYTES } from "../../core/contract";
import type { MetadataStore } from "../store/metadata-store";
import type { OpenSecrets } from "./secrets";
import { SequenceWriter, changesEnvelope, snapshotEnvelope, type Send } from "./sequence-writer";

const READ_BYTES = MAX_WATCH_MESSAGE_BYTES;

/**
 * Every function, page by page by id, labelled with the revision when it started: a function
 * changed meanwhile may come newer, and the changes after that revision follow anyway.
 */
/** Where sequences are read from: the store, its history id, and what opens the secrets. */
export interface Feed {
  metadata: MetadataStore;
  historyId: string;
  open: OpenSecrets;
}

export async function sendSnapshot({ metadata, historyId, open }: Feed, send: Send): Promise<number | null> {
  const revision = await metadata.revision();
  const writer = new SequenceWriter(snapshotEnvelope(historyId, revision), send);
  let after: string | null = null;
  for (;;) {
    const page = await metadata.snapshotPage(after, READ_BYTES);
    for (const entry of page.entries) {
      const sent = open(entry);
      if (!(await writer.add(sent.json, sent.bytes))) return null;
    }
    if (page.entries.length > 0) after = page.entries[page.entries.length - 1]!.functionId;
    if (!page.more) break;
  }
  return (await writer.end()) ? revision : null;
}

/**
 * Every function changed after `from`, as it is now, in one sequence; `from` itself when
 * nothing changed (nothing is sent). A function that changes again while the pages go out
 * moves past the cursor and comes in a later page of the same sequence.
 */
export async function sendChanges(
  { metadata, historyId, open }: Feed,
  from: number,
  send: Send,
): Promise<number | null> {
  let page = await metadata.changesSince(from, READ_BYTES);
  if (page.entries.length === 0) return from;
  let cursor = from;
  const writer = new SequenceWriter(
    changesEnvelope(historyId, from, () => cursor),
    send,
  );
  for (;;) {
    for (const entry of page.entries) {
      const { json } = entry;
      const opened = json !== null ? open({ ...entry, json }) : null;
      const sent = opened ? await writer.add(opened.json, opened.bytes) : await writer.delete(entry.functionId);
      if (!sent) return null;
      cursor = entry.revision;
    }
    if (!page.more) break;
    page = await metadata.changesSince(cursor, READ_BYTES);
    if (page.entries.length === 0) break;
  }
  return (await writer.end()) ? cursor : null;
}
