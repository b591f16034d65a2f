/**
 * The concurrent-writers scenario shared by the SQLite and PostgreSQL tests: two processes
 * append to different threads of one store at once; afterwards every thread verifies and every
 * checkpoint reads back exactly.
 */
import type { CheckpointSaver } from "@conclave/core";
import { expect } from "vitest";
import { chatStates, threadId } from "./checkpoints.ts";
import { runOverlapping, startWorker } from "./workers.ts";

/** Steps each worker appends. */
export const CONCURRENT_STEPS = 300;

/** Runs two overlapping writer processes against `target`; returns their thread ids. */
export async function runTwoWriters(
  kind: "sqlite" | "postgres",
  target: string,
  schema?: string,
): Promise<string[]> {
  const threads = [threadId("writer-a"), threadId("writer-b")];
  const workers = threads.map((t) => startWorker(kind, target, t, CONCURRENT_STEPS, schema));
  await runOverlapping(workers);
  return threads;
}

/** Asserts each thread verifies and reads back exactly what the workers wrote. */
export async function expectExactThreads(saver: CheckpointSaver, threads: string[]): Promise<void> {
  const states = chatStates(CONCURRENT_STEPS);
  for (const thread of threads) {
    expect(await saver.verify(thread)).toEqual({ ok: true, checked: CONCURRENT_STEPS });
    const tuples = [];
    for await (const tuple of saver.list({ configurable: { thread_id: thread } }))
      tuples.push(tuple);
    expect(tuples).toHaveLength(CONCURRENT_STEPS);
    tuples.forEach((tuple, i) => {
      expect(tuple.checkpoint.channel_values).toEqual(states[CONCURRENT_STEPS - 1 - i]);
    });
  }
}

/** How often the thread changes along the stored order: >= 2 proves the writes overlapped. */
export function switches(threadsInStoredOrder: string[]): number {
  let count = 0;
  for (let i = 1; i < threadsInStoredOrder.length; i++) {
    if (threadsInStoredOrder[i] !== threadsInStoredOrder[i - 1]) count++;
  }
  return count;
}
