/**
 * A child process that appends a chat thread through a saver, for the concurrent-writer tests.
 * Run by `node --import ./test/support/resolve-source.ts append-worker.ts <kind> <target>
 * <thread> <steps> [schema]`, where kind is "sqlite" (target: file) or "postgres" (target: URL,
 * with an optional schema).
 *
 * Protocol on stdio, so the parent can force overlap without sleeping: the worker prints
 * "ready" and waits for "go"; after half its steps prints "half" and waits for "go" again;
 * prints "done" at the end.
 */
import { createInterface } from "node:readline";
import type { CheckpointSaver } from "@conclave/core";
import { PostgresSaver } from "@conclave/postgres";
import { SqliteSaver } from "@conclave/sqlite";
import { chatStates, checkpointOf, meta } from "./checkpoints.ts";

const [kind, target, thread, stepsText, schema] = process.argv.slice(2);
const steps = Number(stepsText);
const lines = createInterface({ input: process.stdin });
const input = lines[Symbol.asyncIterator]();

async function waitForGo(signal: string): Promise<void> {
  process.stdout.write(`${signal}\n`);
  const line = await input.next();
  if (line.done || line.value !== "go") throw new Error(`expected "go", got ${String(line.value)}`);
}

async function open(): Promise<{ saver: CheckpointSaver; close: () => Promise<void> }> {
  if (kind === "sqlite") {
    const saver = SqliteSaver.fromConnString(target!);
    await saver.setup();
    return { saver, close: async () => saver.close() };
  }
  const saver = PostgresSaver.fromConnString(target!, schema ? { schema } : {});
  await saver.setup();
  return { saver, close: () => saver.end() };
}

const { saver, close } = await open();
const states = chatStates(steps);
await waitForGo("ready");
let parent: string | undefined;
for (let i = 0; i < steps; i++) {
  if (i === Math.floor(steps / 2)) await waitForGo("half");
  const configurable =
    parent === undefined ? { thread_id: thread! } : { thread_id: thread!, checkpoint_id: parent };
  const config = await saver.put(
    { configurable },
    checkpointOf(states[i - 1] ?? {}, states[i]!),
    meta(i - 1),
  );
  parent = config.configurable.checkpoint_id;
}
await close();
lines.close();
// Exit only once "done" is flushed: pipe writes are asynchronous, and exiting earlier can drop
// the line the parent is waiting for.
process.stdout.write("done\n", () => process.exit(0));
