import { InvalidUpdateError } from "../errors.ts";
import { type ChannelSpec, EMPTY } from "./channel.ts";
import { isOverwrite, unwrapOverwrite } from "./overwrite.ts";

/** `(current, update) => next`, applied to each write in deterministic task order. */
export type Reducer<V = unknown, U = unknown> = (current: V, update: U) => V;

/**
 * A key with a reducer (LangGraph's BinaryOperatorAggregate). Without a default, the first write
 * becomes the value as-is; with one, every write goes through the reducer.
 */
export function reducerChannel(reducer: Reducer, initial?: () => unknown): ChannelSpec {
  return {
    kind: "BinaryOperatorAggregate",
    update(stored, writes, name) {
      if (writes.length === 0) return stored;
      let value = stored === EMPTY && initial ? initial() : stored;
      let overwritten = false;
      for (const write of writes) {
        if (isOverwrite(write)) {
          if (overwritten) {
            throw new InvalidUpdateError(
              `Channel "${name}" received more than one Overwrite in the same superstep. ` +
                "Send at most one Overwrite per key per step.",
            );
          }
          overwritten = true;
          value = unwrapOverwrite(write);
        } else if (!overwritten) {
          value = value === EMPTY ? write : reducer(value, write);
        }
      }
      return value;
    },
    read: (stored) => (stored === EMPTY && initial ? initial() : stored),
    isAvailable: (stored) => stored !== EMPTY || initial !== undefined,
  };
}
