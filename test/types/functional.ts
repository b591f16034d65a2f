/**
 * Type-level checks, compiled by `npm run typecheck` (never run): LangGraph.js functional-API
 * code compiles against Conclave after the import change, with the entrypoint's input and
 * output typed from its function.
 */
import {
  Command,
  entrypoint,
  getPreviousState,
  interrupt,
  type LangGraphRunnableConfig,
  MemorySaver,
  task,
} from "@conclave/core";

const compose = task("compose", async (topic: string) => `An essay about ${topic}`);

export const review = entrypoint(
  { name: "review", checkpointer: new MemorySaver() },
  async (topic: string) => {
    const essay = await compose(topic);
    const verdict = interrupt<{ essay: string }, string>({ essay });
    return { essay, verdict };
  },
);

export async function run(): Promise<string> {
  const config = { configurable: { thread_id: "1" } };
  await review.invoke("cats", config);
  const done = await review.invoke(new Command({ resume: "great" }), config);
  return `${done.essay}: ${done.verdict}`;
}

export const counter = entrypoint(
  { name: "counter", checkpointer: new MemorySaver() },
  async (n: number) => {
    const previous = getPreviousState<number>() ?? 0;
    return entrypoint.final({ value: previous, save: previous + n });
  },
);

export async function count(): Promise<number> {
  const total: number = await counter.invoke(2, { configurable: { thread_id: "c" } });
  return total;
}

export const configured = entrypoint(
  "configured",
  async (n: number, config: LangGraphRunnableConfig) => {
    config.writer?.({ progress: n });
    const thread = config.configurable?.thread_id as string | undefined;
    return { n, thread, aborted: config.signal?.aborted ?? false };
  },
);
