/**
 * The functional API (`entrypoint`, `task`, `getPreviousState`, `entrypoint.final`) in both
 * engines: parallel tasks, an interrupt and its resume (finished tasks do not run again and
 * stream as cached), values saved for the thread's next call, history, stream modes, tasks in a
 * StateGraph node, task retries and errors.
 */
import { HumanMessage } from "@langchain/core/messages";
import { FakeListChatModel } from "@langchain/core/utils/testing";
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

differential(
  "functional: a task that calls a task, resumed after an interrupt, replays in order",
  async (lib: Lib) => {
    const ran: string[] = [];
    const inner = lib.task("inner", async (n: number) => {
      ran.push("inner");
      return n + 1;
    });
    const outer = lib.task("outer", async (n: number) => {
      ran.push("outer");
      return (await inner(n)) * 10;
    });
    const after = lib.task("after", async (n: number) => {
      ran.push("after");
      return n + 100;
    });
    const workflow = lib.entrypoint(
      { name: "nested", checkpointer: new lib.MemorySaver() },
      async (n: number) => {
        const a = await outer(n);
        const b = await after(a);
        return { a, b, verdict: lib.interrupt("ok?") };
      },
    );
    const first = await collect(await workflow.stream(1, thread("t")));
    const resume = new lib.Command({ resume: "yes" }) as never;
    const second = await collect(await workflow.stream(resume, thread("t")));
    return { first, second, ran };
  },
  {
    first: [
      { inner: 2 },
      { outer: 20 },
      { after: 120 },
      { __interrupt__: [{ id: "<id>", value: "ok?" }] },
    ],
    second: [
      { outer: 20, __metadata__: { cached: true } },
      { after: 120, __metadata__: { cached: true } },
      { nested: { a: 20, b: 120, verdict: "yes" } },
    ],
    ran: ["outer", "inner", "after"],
  },
);

differential(
  "functional: with exit durability, an interrupted or failed run keeps its finished tasks",
  async (lib: Lib) => {
    const ran: string[] = [];
    let fail = true;
    const step = lib.task("step", async (n: number) => {
      ran.push(`step ${n}`);
      return n * 2;
    });
    const workflow = lib.entrypoint(
      { name: "exit", checkpointer: new lib.MemorySaver() },
      async (n: number) => {
        const doubled = await step(n);
        if (n === 1) return doubled + Number(lib.interrupt("more?"));
        if (fail) throw new Error("flaky");
        return doubled;
      },
    );
    const exit = { durability: "exit" as const };
    await workflow.invoke(1, { ...thread("i"), ...exit });
    const resumed = await workflow.invoke(new lib.Command({ resume: 5 }) as never, {
      ...thread("i"),
      ...exit,
    });
    await workflow.invoke(2, { ...thread("f"), ...exit }).catch(() => undefined);
    fail = false;
    const retried = await workflow.invoke(null as never, { ...thread("f"), ...exit });
    return { resumed, retried, ran };
  },
  { resumed: 7, retried: 4, ran: ["step 1", "step 2"] },
);

differential(
  "functional: updateState writes as the entrypoint; null returns stream as null",
  async (lib: Lib) => {
    const workflow = lib.entrypoint(
      { name: "memo", checkpointer: new lib.MemorySaver() },
      async (n: number) => ({ n, previous: lib.getPreviousState() ?? null }),
    );
    await workflow.invoke(1, thread("t"));
    await workflow.updateState(thread("t"), { n: 99 } as never);
    const updated = (await workflow.getState(thread("t"))).values;
    const next = await workflow.invoke(2, thread("t"));
    const nothing = lib.entrypoint("nothing", async () => null);
    return { updated, next, streamed: await collect(await nothing.stream(1)) };
  },
  {
    updated: { n: 99 },
    next: { n: 2, previous: { n: 99 } },
    streamed: [{ nothing: null }],
  },
);

differential(
  "functional: a model called in a task streams messages as that task; its message result is saved",
  async (lib: Lib) => {
    const model = new FakeListChatModel({ responses: ["hi"] });
    const callModel = lib.task("callModel", async (q: string) =>
      model.invoke([new HumanMessage(q)]),
    );
    const workflow = lib.entrypoint(
      { name: "chat", checkpointer: new lib.MemorySaver() },
      async (q: string) => (await callModel(q)).content,
    );
    const events = await collect(
      await workflow.stream("x", { ...thread("t"), streamMode: "messages" }),
    );
    const tokens = events.map((event) => {
      const [chunk, meta] = event as [{ content: string }, Record<string, unknown>];
      return [chunk.content, meta.langgraph_node, meta.langgraph_triggers];
    });
    return { tokens, answer: (await workflow.getState(thread("t"))).values };
  },
  {
    tokens: [
      ["h", "callModel", ["__pregel_push"]],
      ["i", "callModel", ["__pregel_push"]],
    ],
    answer: "hi",
  },
);
