/**
 * The head record's list of anchors. An anchor is a row `prune` kept while deleting its parent:
 * its snapshot cannot be checked by replay any more, so the head record keeps its SHA-256, and
 * `verify` compares. Stored as a JSON array of [ns, id, sha256(snapshot)], sorted, or null.
 */
import { CheckpointFormatError } from "../errors.ts";
import { rowKey } from "./row.ts";

/** One anchor: namespace, checkpoint id, and the SHA-256 of its snapshot. */
export type AnchorEntry = [ns: string, id: string, snapshotSha256: string];

/**
 * Parses the head record's anchors into a map keyed by `rowKey(ns, id)`. Pure.
 * @throws CheckpointFormatError when the stored text is not a list of string triples.
 */
export function parseAnchors(text: string | null): Map<string, string> {
  const anchors = new Map<string, string>();
  if (text === null) return anchors;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed)) throw badAnchors(text);
  for (const entry of parsed) {
    if (!Array.isArray(entry) || entry.length !== 3 || !entry.every((x) => typeof x === "string")) {
      throw badAnchors(text);
    }
    const [ns, id, sha] = entry as AnchorEntry;
    anchors.set(rowKey(ns, id), sha);
  }
  return anchors;
}

/**
 * The anchors after a prune: the old ones that survive plus the new ones. Pure.
 * @param deleted - `rowKey`s of the rows the prune deletes.
 */
export function mergeAnchors(
  old: string | null,
  deleted: ReadonlySet<string>,
  added: readonly AnchorEntry[],
): string | null {
  const entries: AnchorEntry[] = [];
  if (old !== null) {
    for (const entry of JSON.parse(old) as AnchorEntry[]) {
      if (!deleted.has(rowKey(entry[0], entry[1]))) entries.push(entry);
    }
  }
  entries.push(...added);
  if (entries.length === 0) return null;
  entries.sort((a, b) => (rowKey(a[0], a[1]) < rowKey(b[0], b[1]) ? -1 : 1));
  return JSON.stringify(entries);
}

function badAnchors(text: string): Error {
  return new CheckpointFormatError(
    `The head record's anchor list is corrupt: ${JSON.stringify(text.slice(0, 80))}. Run ` +
      "verify; restore the thread from a backup or delete it.",
  );
}
