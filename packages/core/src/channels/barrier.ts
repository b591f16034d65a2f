import { InvalidUpdateError } from "../errors.ts";
import { type ChannelSpec, EMPTY } from "./channel.ts";

/**
 * The channel behind a waiting edge `addEdge([a, b], c)`: stores which sources have finished
 * (a sorted name list) and becomes available once all have. With `afterFinish` (a `defer` target)
 * it also waits until the graph has nothing else to run. Stored as `{ seen, finished? }`.
 */
export function barrierChannel(names: readonly string[], afterFinish = false): ChannelSpec {
  const expected = new Set(names);
  type Stored = { seen: string[]; finished?: boolean };
  const complete = (s: Stored) => s.seen.length === expected.size;
  return {
    kind: afterFinish ? "NamedBarrierValueAfterFinish" : "NamedBarrierValue",
    update(stored, writes, name) {
      if (writes.length === 0) return stored;
      const seen = new Set(stored === EMPTY ? [] : (stored as Stored).seen);
      const before = seen.size;
      for (const w of writes) {
        if (typeof w !== "string" || !expected.has(w)) {
          throw new InvalidUpdateError(
            `Waiting edge "${name}" got a signal from "${String(w)}", which is not one of its sources [${names.join(", ")}].`,
          );
        }
        seen.add(w);
      }
      if (seen.size === before) return stored;
      return { seen: [...seen].sort() };
    },
    read: (stored) => stored,
    isAvailable: (stored) =>
      stored !== EMPTY &&
      complete(stored as Stored) &&
      (!afterFinish || (stored as Stored).finished === true),
    consume: (stored) => (stored !== EMPTY && complete(stored as Stored) ? EMPTY : stored),
    finish(stored) {
      if (!afterFinish || stored === EMPTY) return stored;
      const s = stored as Stored;
      return complete(s) && !s.finished ? { seen: s.seen, finished: true } : stored;
    },
  };
}

/** The trigger of a `defer` node: set when routed to, released only when the graph would finish. */
export function deferredTrigger(): ChannelSpec {
  return {
    kind: "LastValueAfterFinish",
    update: (stored, writes) =>
      writes.length === 0 || stored !== EMPTY ? stored : { finished: false },
    read: (stored) => stored,
    isAvailable: (stored) => stored !== EMPTY && (stored as { finished: boolean }).finished,
    consume: (stored) =>
      stored !== EMPTY && (stored as { finished: boolean }).finished ? EMPTY : stored,
    finish: (stored) =>
      stored !== EMPTY && !(stored as { finished: boolean }).finished ? { finished: true } : stored,
  };
}
