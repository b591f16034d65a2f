import { InvalidUpdateError } from "../errors.ts";
import { type ChannelSpec, EMPTY } from "./channel.ts";
import { unwrapOverwrite } from "./overwrite.ts";

/** Describes a value for error messages without dumping large payloads. */
export function preview(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** A key with no reducer: holds the last value written; two writes in one superstep fail it. */
export function lastValue(): ChannelSpec {
  return {
    kind: "LastValue",
    update(stored, writes, name) {
      if (writes.length === 0) return stored;
      if (writes.length > 1) {
        throw new InvalidUpdateError(
          `Invalid update for channel "${name}" with values ${preview(writes.map(unwrapOverwrite))}: ` +
            "it received more than one value in the same superstep but has no reducer. " +
            `Give "${name}" a reducer (Annotation({ reducer, default })) or write it from one node per step.`,
          "INVALID_CONCURRENT_GRAPH_UPDATE",
        );
      }
      return unwrapOverwrite(writes[0]);
    },
    read: (stored) => stored,
    isAvailable: (stored) => stored !== EMPTY,
  };
}

/** The graph input slot: holds a value for exactly one superstep. */
export function ephemeralValue(): ChannelSpec {
  return {
    kind: "EphemeralValue",
    ephemeral: true,
    update(stored, writes) {
      if (writes.length === 0) return stored === EMPTY ? stored : EMPTY;
      return writes[writes.length - 1];
    },
    read: (stored) => stored,
    isAvailable: (stored) => stored !== EMPTY,
    consume: () => EMPTY,
  };
}
