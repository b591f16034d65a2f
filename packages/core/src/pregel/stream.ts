import type { StreamMode } from "./types.ts";

/** Where a run sends stream events. Modes not requested cost nothing: callers check `modes`. */
export interface StreamSink {
  readonly modes: ReadonlySet<StreamMode>;
  /** Whether events from subgraphs are wanted. */
  readonly subgraphs: boolean;
  emit(ns: readonly string[], mode: StreamMode, chunk: unknown): void;
}

/** A sink that wants nothing (plain `invoke`). */
export const SILENT_SINK: StreamSink = { modes: new Set(), subgraphs: false, emit() {} };

const PASS_THROUGH: readonly StreamMode[] = ["custom", "messages"];

/**
 * The sink a subgraph uses: its parent's when subgraph events are wanted; otherwise only `custom`
 * and `messages` events pass through (LangGraph streams a subgraph's writer output and LLM tokens
 * either way).
 */
export function childSink(parent: StreamSink): StreamSink {
  if (parent.subgraphs) return parent;
  const modes = new Set(PASS_THROUGH.filter((m) => parent.modes.has(m)));
  if (modes.size === 0) return SILENT_SINK;
  return {
    modes,
    subgraphs: false,
    emit: (ns, mode, chunk) => {
      if (modes.has(mode)) parent.emit(ns, mode, chunk);
    },
  };
}

/**
 * An async-iterable queue between the running graph (producer) and the caller's `for await`
 * (consumer). Events are buffered, so a slow consumer never blocks a superstep. Breaking out of
 * the loop calls `onCancel`, which aborts the run.
 */
export class StreamQueue<T> implements AsyncIterableIterator<T> {
  #items: T[] = [];
  #head = 0;
  #waiting: ((result: IteratorResult<T>) => void) | undefined;
  #failWaiting: ((error: unknown) => void) | undefined;
  #done = false;
  #error: unknown;
  #hasError = false;
  readonly #onCancel: () => void;

  constructor(onCancel: () => void) {
    this.#onCancel = onCancel;
  }

  push(item: T): void {
    if (this.#done) return;
    if (this.#waiting) {
      const resolve = this.#waiting;
      this.#waiting = undefined;
      resolve({ value: item, done: false });
    } else this.#items.push(item);
  }

  close(error?: unknown, failed = false): void {
    if (this.#done) return;
    this.#done = true;
    if (failed) {
      this.#error = error;
      this.#hasError = true;
    }
    const resolve = this.#waiting;
    const reject = this.#failWaiting;
    this.#waiting = undefined;
    this.#failWaiting = undefined;
    if (this.#head < this.#items.length) return;
    if (failed) reject?.(error);
    else resolve?.({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#head < this.#items.length) {
      const value = this.#items[this.#head++]!;
      if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
        this.#items = this.#items.slice(this.#head);
        this.#head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.#done) {
      if (this.#hasError) {
        this.#hasError = false;
        return Promise.reject(this.#error);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => {
      this.#waiting = resolve;
      this.#failWaiting = reject;
    });
  }

  return(): Promise<IteratorResult<T>> {
    if (!this.#done) {
      this.#done = true;
      this.#onCancel();
    }
    this.#items = [];
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
