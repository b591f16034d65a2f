/**
 * The functional API (`entrypoint`, `task`, `getPreviousState`, `entrypoint.final`) in both
 * engines: parallel tasks, an interrupt and its resume (finished tasks do not run again and
 * stream as cached), values saved for the thread's next call, history, stream modes, tasks in a
 * StateGraph node, task retries and errors.
 */
import { collect, differential, type Lib } from "./harness.ts";

const thread = (id: string) => ({ configurable: { thread_id: id } });

/** The history of a thread, oldest first, as [step, source, values, next]. */
async function history(graph: { getStateHistory(config: unknown): AsyncIterable<unknown> }) {
  const out: unknown[] = [];
  for await (const raw of graph.getStateHistory(thread("t"))) {
    const s = raw as {
      metadata?: { step?: number; source?: string };
      values: unknown;
      next: unknown;
    };
    out.unshift([s.metadata?.step, s.metadata?.source, s.values, s.next]);
  }
  return out;
}

differential(
  "functional: parallel tasks, an interrupt, and a resume that does not run finished tasks again",
  async (lib: Lib) => {
    const ran: number[] = [];
    const addOne = lib.task("addOne", async (n: number) => {
      ran.push(n);
      return n + 1;
    });
    const workflow = lib.entrypoint(
      { name: "review", checkpointer: new lib.MemorySaver() },
      async (numbers: number[]) => {
        const sums = await Promise.all(numbers.map((n) => addOne(n)));
        const verdict = lib.interrupt({ question: "approve?", sums });
        return { sums, verdict };
      },
    );
    const first = await collect(await workflow.stream([1, 2], thread("t")));
    const paused = await workflow.getState(thread("t"));
    const second = await collect(
      await workflow.stream(new lib.Command({ resume: "yes" }) as never, thread("t")),
    );
    return {
      first,
      paused: { values: paused.values, next: paused.next, tasks: paused.tasks.length },
      second,
      ran,
      final: (await workflow.getState(thread("t"))).values,
    };
  },
  {
    first: [
      { addOne: 2 },
      { addOne: 3 },
      { __interrupt__: [{ id: "<id>", value: { question: "approve?", sums: [2, 3] } }] },
    ],
    paused: { values: null, next: ["review"], tasks: 1 },
    second: [
      { addOne: 2, __metadata__: { cached: true } },
      { addOne: 3, __metadata__: { cached: true } },
      { review: { sums: [2, 3], verdict: "yes" } },
    ],
    ran: [1, 2],
    final: { sums: [2, 3], verdict: "yes" },
  },
);

differential(
  "functional: getPreviousState and entrypoint.final keep a value for the thread's next call",
  async (lib: Lib) => {
    const counter = lib.entrypoint(
      { name: "counter", checkpointer: new lib.MemorySaver() },
      async (n: number) => {
        const previous = lib.getPreviousState<number>();
        return lib.entrypoint.final({ value: previous ?? 0, save: (previous ?? 0) + n });
      },
    );
    const returned = [
      await counter.invoke(3, thread("t")),
      await counter.invoke(4, thread("t")),
      await counter.invoke(5, thread("t")),
    ];
    return { returned, history: await history(counter) };
  },
  {
    returned: [0, 3, 7],
    history: [
      [-1, "input", null, ["counter"]],
      [0, "loop", 0, []],
      [1, "input", 0, ["counter"]],
      [2, "loop", 3, []],
      [3, "input", 3, ["counter"]],
      [4, "loop", 7, []],
    ],
  },
);

differential(
  "functional: an entrypoint without a checkpointer takes and returns plain values in every stream mode",
  async (lib: Lib) => {
    const double = lib.task("double", (x: number) => x * 2);
    const workflow = lib.entrypoint("plain", async (x: number, config: unknown) => {
      const configurable = (config as { configurable?: Record<string, unknown> }).configurable;
      return { doubled: await double(x), threadless: configurable?.thread_id === undefined };
    });
    return {
      invoked: await workflow.invoke(21),
      modes: await collect(await workflow.stream(2, { streamMode: ["values", "updates"] })),
      updates: await collect(await workflow.stream(3)),
    };
  },
  {
    invoked: { doubled: 42, threadless: true },
    modes: [
      ["updates", { double: 4 }],
      ["updates", { plain: { doubled: 4, threadless: true } }],
      ["values", { doubled: 4, threadless: true }],
    ],
    updates: [{ double: 6 }, { plain: { doubled: 6, threadless: true } }],
  },
);

differential(
  "functional: a task called in a StateGraph node streams its update before the node's",
  async (lib: Lib) => {
    const shout = lib.task("shout", async (text: string) => text.toUpperCase());
    const State = lib.Annotation.Root({ text: lib.Annotation<string>() });
    const graph = new lib.StateGraph(State)
      .addNode("loud", async (state: { text: string }) => ({ text: await shout(state.text) }))
      .addEdge(lib.START, "loud")
      .compile();
    return collect(await graph.stream({ text: "hi" }, { streamMode: "updates" }));
  },
  [{ shout: "HI" }, { loud: { text: "HI" } }],
);

differential(
  "functional: a task retries under its policy, and a task's failure fails the entrypoint",
  async (lib: Lib) => {
    let calls = 0;
    const flaky = lib.task(
      { name: "flaky", retry: { maxAttempts: 3, initialInterval: 1, jitter: false } },
      async () => {
        calls++;
        if (calls < 3) throw new Error(`attempt ${calls} failed`);
        return calls;
      },
    );
    const broken = lib.task("broken", async () => {
      throw new Error("the disk is full");
    });
    const ok = await lib.entrypoint("ok", async () => flaky()).invoke(0);
    const failed = await lib
      .entrypoint("failing", async () => broken())
      .invoke(1)
      .then(
        () => "returned",
        (error: Error) => error.message,
      );
    return { ok, calls, failed };
  },
  { ok: 3, calls: 3, failed: "the disk is full" },
);
