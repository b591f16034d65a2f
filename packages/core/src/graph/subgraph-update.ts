import type { GraphSpec } from "../pregel/spec.ts";

/**
 * The update a subgraph hands back to its parent: only what it changed. A key the parent reduces
 * gets just the items the subgraph appended (so an append reducer does not duplicate the parent's
 * own values, as LangGraph does); any other changed key gets its final value. Pure.
 */
export function subgraphUpdate(
  parent: GraphSpec,
  input: unknown,
  output: Record<string, unknown>,
): Record<string, unknown> | null {
  const before = (typeof input === "object" && input !== null ? input : {}) as Record<
    string,
    unknown
  >;
  const update: Record<string, unknown> = {};
  let changed = false;
  for (const [key, after] of Object.entries(output)) {
    const channel = parent.channels.get(key);
    if (!channel || !parent.stateKeys.includes(key)) continue;
    if (!(key in before)) {
      update[key] = after;
      changed = true;
      continue;
    }
    const previous = before[key];
    if (previous === after) continue;
    const reduces = channel.kind === "BinaryOperatorAggregate";
    if (reduces && Array.isArray(previous) && Array.isArray(after) && extends_(previous, after)) {
      if (after.length === previous.length) continue;
      update[key] = after.slice(previous.length);
    } else {
      update[key] = after;
    }
    changed = true;
  }
  return changed ? update : null;
}

function extends_(prefix: readonly unknown[], array: readonly unknown[]): boolean {
  if (prefix.length > array.length) return false;
  for (let i = 0; i < prefix.length; i++) if (prefix[i] !== array[i]) return false;
  return true;
}
