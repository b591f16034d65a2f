/**
 * The order and grouping of a run's saver writes. Every write goes behind the earlier ones.
 * Under `async` and `exit` durability, with a saver that can batch, writes gather until the
 * event loop turns (or 64 are waiting) and commit together: the run never waits for storage,
 * and a crash can lose at most the writes not yet flushed, which is what `async` promises.
 * `exit` writes only at the end, so all of its writes land in the final batch.
 */
import type { CheckpointSaver } from "../checkpoint/types.ts";
import type { Durability } from "./types.ts";

/** Most saver writes one async batch holds before it is flushed without waiting for the event loop. */
const MAX_BATCH = 64;

const nextTurn = (fn: () => void): void => {
  if (typeof globalThis.setImmediate === "function") globalThis.setImmediate(fn);
  else setTimeout(fn, 0);
};

/** One run's queue of saver writes (one per graph loop). */
export class WriteQueue {
  readonly #saver: CheckpointSaver;
  readonly #durability: Durability;
  #persist: Promise<unknown> = Promise.resolve();
  /** Writes waiting for the next batch. */
  #queue: (() => Promise<unknown>)[] = [];
  /** Flushes the waiting batch early (when it is full). */
  #wake: (() => void) | undefined;
  /** The root loop is returning: its next batch is its last (`BatchOptions.final`). */
  #final = false;

  constructor(saver: CheckpointSaver, durability: Durability) {
    this.#saver = saver;
    this.#durability = durability;
  }

  /** Queues `op` behind the earlier writes, batched when the saver and durability allow. */
  enqueue(op: () => Promise<unknown>): void {
    const saver = this.#saver;
    if (this.#durability === "sync" || !saver.batch) {
      this.#persist = handled(this.#persist.then(op));
      return;
    }
    this.#queue.push(op);
    if (this.#queue.length === 1) {
      const waitForTurnOrFull = () =>
        new Promise<void>((resolve) => {
          this.#wake = resolve;
          nextTurn(resolve);
        });
      this.#persist = handled(this.#persist.then(waitForTurnOrFull).then(() => this.#drain()));
    } else if (this.#queue.length >= MAX_BATCH) {
      this.#wake?.();
    }
  }

  /** Marks the next batch as the run's last (`BatchOptions.final`). */
  markFinal(): void {
    this.#final = true;
  }

  /** Waits for every queued write; rejects with the first that failed. */
  flush(): Promise<unknown> {
    return this.#persist;
  }

  #drain(): Promise<unknown> {
    const ops = this.#queue;
    if (ops.length === 0) return Promise.resolve();
    this.#queue = [];
    const work = async () => {
      for (const op of ops) await op();
    };
    return this.#final ? this.#saver.batch!(work, { final: true }) : this.#saver.batch!(work);
  }
}

/**
 * Marks the write chain handled and returns it. A failed write is reported by `flush()`, which
 * the run awaits when it ends; until then nothing awaits the chain, and a write that fails
 * while a node is still running (the database went away) would be an unhandled rejection,
 * which ends a Node process.
 */
function handled(chain: Promise<unknown>): Promise<unknown> {
  chain.catch(() => {});
  return chain;
}
