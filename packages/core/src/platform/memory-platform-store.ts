/**
 * The in-memory platform store: for tests, examples and single-process embedding without a
 * database file. It keeps the same contract as the SQL stores (one contract suite), but holds
 * nothing across restarts, so it cannot recover a crashed run.
 */

import { MemorySaver } from "../checkpoint/memory-saver.ts";
import type { CheckpointSaver } from "../checkpoint/types.ts";
import { LeaseLostError } from "./errors.ts";
import {
  MemoryAssistants,
  MemoryCrons,
  type MemoryPlatformState,
  MemoryThreads,
} from "./memory-resources.ts";
import { MemoryRunQueue, type QueueContext } from "./memory-run-queue.ts";
import { MemoryWorkerRegistry } from "./memory-workers.ts";
import type { PlatformStore } from "./store.ts";
import type { Fence, WakeEvent } from "./types.ts";

export class MemoryPlatformStore implements PlatformStore {
  readonly assistants: MemoryAssistants;
  readonly threads: MemoryThreads;
  readonly runs: MemoryRunQueue;
  readonly workers: MemoryWorkerRegistry;
  readonly crons: MemoryCrons;
  readonly saver: MemorySaver;
  readonly #state: MemoryPlatformState = {
    assistants: new Map(),
    threads: new Map(),
    threadOwners: new Map(),
    runs: new Map(),
    crons: new Map(),
  };
  readonly #listeners = new Set<(event: WakeEvent) => void>();

  constructor(options: { saver?: MemorySaver } = {}) {
    this.saver = options.saver ?? new MemorySaver();
    const ctx: QueueContext = {
      state: this.#state,
      workers: new Map(),
      // Listeners run after the current change completes, as a database's would after commit.
      emit: (event) => queueMicrotask(() => this.#deliver(event)),
    };
    this.assistants = new MemoryAssistants(this.#state);
    this.threads = new MemoryThreads(this.#state);
    this.runs = new MemoryRunQueue(ctx);
    this.workers = new MemoryWorkerRegistry(ctx);
    this.crons = new MemoryCrons(this.#state);
  }

  fencedSaver(fence: Fence): CheckpointSaver {
    return this.saver.guarded(() => {
      const run = this.#state.runs.get(fence.runId);
      if (run?.status !== "running" || run.generation !== fence.generation)
        throw new LeaseLostError(fence);
    });
  }

  async subscribe(listener: (event: WakeEvent) => void) {
    this.#listeners.add(listener);
    return async () => {
      this.#listeners.delete(listener);
    };
  }

  async ping() {}

  async close() {
    this.#listeners.clear();
  }

  #deliver(event: WakeEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A failing listener must not stop the others or the store; the worker logs its own errors.
      }
    }
  }
}
