/**
 * Identifiers. Run and thread ids are UUID v7 (time first, as LangGraph Platform makes run
 * ids): new rows land at the right edge of the id indexes instead of on a random leaf page,
 * which the queue's write transactions feel. A graph's default assistant has a stable id
 * derived from the graph id (UUID v5, as LangGraph Platform derives it), so clients that
 * cached it keep working across restarts and machines.
 */
import { createHash } from "node:crypto";
import { uuidV7 } from "@conclave/core";

/** LangGraph Platform's namespace for default-assistant ids. */
const GRAPH_NAMESPACE = "6ba7b821-9dad-11d1-80b4-00c04fd430c8";

/** RFC 4122 UUID v5 of `name` in `namespace`. */
export function uuid5(name: string, namespace = GRAPH_NAMESPACE): string {
  const ns = Buffer.from(namespace.replaceAll("-", ""), "hex");
  const bytes = createHash("sha1").update(ns).update(name, "utf8").digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The id of a graph's default assistant. */
export const defaultAssistantId = (graphId: string): string => uuid5(graphId);

export const newId = (): string => uuidV7();
