import {
  type BudgetDefinition,
  Command,
  type Ledger,
  MemoryBudgetStore,
  MemoryLedger,
  MemorySaver,
  MessagesAnnotation,
  START,
  StateGraph,
} from "@conclave/core";
import { generateText, streamText } from "ai";
import { describe, expect, it } from "vitest";
import {
  createGateway,
  createRegistry,
  createVirtualClock,
  flushAllGateways,
  type GatewayEvent,
  usdToPico,
} from "../src/index.ts";
import { cheapSimRegistry } from "./sim-registry.ts";

// $1 per million input tokens and $2 per million output tokens, so costs are easy to check.
const price = { input_cost_per_token: 0.000001, output_cost_per_token: 0.000002 };

function setup(budgets: BudgetDefinition[] = [], script?: { text: string }[]) {
  const registry = createRegistry({
    env: {},
    sim: { clock: createVirtualClock(), timeToFirstTokenMs: 0, perTokenMs: 0, script },
    deployments: [
      { id: "cheap", alias: "fast", provider: "sim", model: "sim-cheap", price },
      {
        id: "pricey",
        alias: "smart",
        provider: "sim",
        model: "sim-pricey",
        price: { input_cost_per_token: 0.00001, output_cost_per_token: 0.00003 },
      },
    ],
  });
  const ledger = new MemoryLedger();
  const store = new MemoryBudgetStore();
  const events: GatewayEvent[] = [];
  const gateway = createGateway({
    registry,
    aliases: { fast: { strategy: "ordered" }, smart: { strategy: "ordered", downgradeTo: "fast" } },
    ledger,
    budgets: store,
    defaultMaxOutputTokens: 50,
    onEvent: (e) => events.push(e),
  });
  return Promise.all(budgets.map((b) => store.setBudget(b))).then(() => ({
    gateway,
    ledger,
    store,
    events,
  }));
}

describe("the model gateway", () => {
  it("meters generateText and streamText exactly, with a routing decision", async () => {
    const { gateway, ledger, events } = await setup();
    const generated = await generateText({
      model: gateway.model("fast"),
      prompt: "Summarise the risks of durable agents",
    });
    const streamed = streamText({
      model: gateway.model("fast"),
      prompt: "Summarise the risks of durable agents",
    });
    expect(await streamed.text).toBe(generated.text);
    expect(generated.text.startsWith("[simulated]")).toBe(true);
    const records = await ledger.list({});
    expect(records).toHaveLength(2);
    const [plain, stream] = records;
    expect(stream!.streamed).toBe(true);
    expect(stream!.tokens).toEqual(plain!.tokens);
    const expected =
      BigInt(plain!.tokens.inputNoCache) * 1_000_000n +
      BigInt(plain!.tokens.outputText) * 2_000_000n;
    expect(plain!.costPico).toBe(expected);
    expect(stream!.costPico).toBe(expected);
    expect(events.filter((e) => e.type === "model:decision")).toHaveLength(2);
  });

  it("50 concurrent calls against a budget that affords 10 reservations: spend never exceeds the limit", async () => {
    const { gateway, ledger, store } = await setup([]);
    const call = {
      prompt: [{ role: "user" as const, content: [{ type: "text" as const, text: "hi" }] }],
      maxOutputTokens: 50,
    };
    const reservation = gateway.maxCost("fast", call);
    const limitPico = reservation * 10n;
    await store.setBudget({
      id: "b",
      scope: { kind: "global" },
      limitPico,
      period: "none",
      action: "fail",
    });
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () =>
        generateText({
          model: gateway.model("fast"),
          prompt: "hi",
          maxOutputTokens: 50,
          maxRetries: 0,
        }),
      ),
    );
    const ok = results.filter((r) => r.status === "fulfilled").length;
    const [status] = await store.status(new Date(), ["b"]);
    const records = await ledger.list({});
    const actual = records[0]!.costPico;
    // Ten reservations always fit; calls settle below their reservation, so a few more may be admitted later.
    expect(ok).toBeGreaterThanOrEqual(10);
    expect(BigInt(ok) * actual).toBeLessThanOrEqual(limitPico);
    expect(status!.spentPico).toBe(BigInt(ok) * actual);
    expect(status!.spentPico).toBeLessThanOrEqual(limitPico);
    expect(status!.reservedPico).toBe(0n);
    const refused = results.filter((r) => r.status === "rejected");
    expect(refused.length).toBe(50 - ok);
    expect(refused.length).toBeGreaterThan(0);
    expect((refused[0] as PromiseRejectedResult).reason).toMatchObject({ code: "BUDGET_EXCEEDED" });
    expect(records.length).toBe(ok);
  });

  it("downgrades to the cheaper alias when the budget's action is downgrade", async () => {
    const { gateway, ledger } = await setup([
      {
        id: "d",
        scope: { kind: "global" },
        limitPico: usdToPico("0.001"),
        period: "day",
        action: "downgrade",
      },
    ]);
    await generateText({
      model: gateway.model("smart"),
      prompt: "plan the migration",
      maxOutputTokens: 50,
    });
    const [record] = await ledger.list({});
    expect(record!.alias).toBe("fast");
    expect(record!.deployment).toBe("cheap");
  });

  it("reports threshold alerts once as spend crosses them", async () => {
    const { gateway, events } = await setup([
      {
        id: "t",
        scope: { kind: "global" },
        limitPico: usdToPico("0.01"),
        period: "none",
        action: "fail",
        alertThresholds: [0.001, 0.5],
      },
    ]);
    await generateText({
      model: gateway.model("fast"),
      prompt: "hello there",
      maxOutputTokens: 20,
    });
    await generateText({
      model: gateway.model("fast"),
      prompt: "hello there",
      maxOutputTokens: 20,
    });
    const alerts = events.filter((e) => e.type === "budget:alert");
    expect(alerts).toEqual([expect.objectContaining({ budgetId: "t", threshold: 0.001 })]);
  });

  it("inside a graph: pauses on an exhausted budget, resumes after the limit is raised, never re-calls a finished model call", async () => {
    const { gateway, store, ledger } = await setup([
      {
        id: "run",
        scope: { kind: "thread", value: "t1" },
        limitPico: usdToPico("0.0003"),
        period: "none",
        action: "pause",
      },
    ]);
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("agent", async (_state, config) => {
        const models = gateway.forNode(config);
        const first = await generateText({
          model: models.model("fast"),
          prompt: "draft a plan",
          maxOutputTokens: 20,
        });
        const second = await generateText({
          model: models.model("smart"),
          prompt: "critique the plan",
          maxOutputTokens: 20,
        });
        return { messages: [{ role: "assistant", content: `${first.text} | ${second.text}` }] };
      })
      .addEdge(START, "agent")
      .compile({ checkpointer: new MemorySaver() });
    const config = { configurable: { thread_id: "t1" } };
    const paused = await graph.invoke({ messages: [["user", "go"]] }, config);
    expect(paused.__interrupt__?.[0]?.value).toMatchObject({
      type: "budget",
      budgetId: "run",
      alias: "smart",
    });
    expect((await ledger.list({})).length).toBe(1);
    await store.setBudget({
      id: "run",
      scope: { kind: "thread", value: "t1" },
      limitPico: usdToPico("1"),
      period: "none",
      action: "pause",
    });
    const done = await graph.invoke(new Command({ resume: { approved: false } }), config);
    expect(done.messages.at(-1)?.content).toContain("[simulated]");
    const records = await ledger.list({});
    expect(records.map((r) => r.alias)).toEqual(["fast", "smart"]);
    expect(records.every((r) => r.threadId === "t1" && r.node === "agent")).toBe(true);
    const state = await graph.getState(config);
    const tasks = state.metadata?.tasks as { usage: unknown[] }[] | undefined;
    expect(tasks?.[0]?.usage).toHaveLength(1);
  });

  it("streams tokens in stream mode messages with node and model metadata, labelled simulated", async () => {
    const { gateway } = await setup();
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("writer", async (_state, config) => {
        const result = streamText({
          model: gateway.forNode(config).model("fast"),
          prompt: "write a haiku",
        });
        return { messages: [{ role: "assistant", content: await result.text }] };
      })
      .addNode("checker", async (_state, config) => {
        const { text } = await generateText({
          model: gateway.forNode(config).model("fast"),
          prompt: "check it",
        });
        return { messages: [{ role: "assistant", content: text }] };
      })
      .addEdge(START, "writer")
      .addEdge("writer", "checker")
      .compile();
    const chunks: [{ content: string }, Record<string, unknown>][] = [];
    for await (const chunk of await graph.stream(
      { messages: [["user", "go"]] },
      { streamMode: "messages" },
    )) {
      chunks.push(chunk as [{ content: string }, Record<string, unknown>]);
    }
    const writer = chunks.filter(([, meta]) => meta.langgraph_node === "writer");
    const checker = chunks.filter(([, meta]) => meta.langgraph_node === "checker");
    expect(writer.length).toBeGreaterThan(3);
    expect(
      writer
        .map(([m]) => m.content)
        .join("")
        .startsWith("[simulated]"),
    ).toBe(true);
    expect(writer[0]![1]).toMatchObject({
      ls_provider: "sim",
      conclave_alias: "fast",
      conclave_deployment: "cheap",
      simulated: true,
    });
    expect(checker).toHaveLength(1);
    expect(checker[0]![0].content.startsWith("[simulated]")).toBe(true);
  });
});

describe("flushAllGateways", () => {
  it("waits for the usage writes of every gateway in the process", async () => {
    // A ledger whose writes finish only when the test says so (a slow database).
    const pending: (() => void)[] = [];
    const slow = new MemoryLedger();
    const record = slow.record.bind(slow);
    slow.record = (r) => new Promise<void>((resolve) => pending.push(() => resolve(record(r))));
    const registry = cheapSimRegistry();
    const aliases = { fast: { strategy: "ordered" as const } };
    const gateways = [1, 2].map(() => createGateway({ registry, aliases, ledger: slow }));
    for (const gateway of gateways)
      await generateText({ model: gateway.model("fast"), prompt: "hello" });
    let flushed = false;
    const flushing = flushAllGateways().then(() => {
      flushed = true;
    });
    await expect.poll(() => pending.length).toBe(2);
    pending.shift()!();
    await Promise.resolve();
    expect(flushed).toBe(false);
    pending.shift()!();
    await flushing;
    expect(await slow.list({})).toHaveLength(2);
  });
});

describe("usage writes and the caller", () => {
  it("waits for the write when the ledger's reads might not see it yet (readsOwnWrites unset)", async () => {
    const memory = new MemoryLedger();
    let release: () => void = () => {};
    let recording = false;
    // A ledger on a pool of connections, as PostgreSQL's: another connection may read first.
    const pooled: Ledger = {
      record: (r) =>
        new Promise<void>((resolve) => {
          recording = true;
          release = () => resolve(memory.record(r));
        }),
      query: (q) => memory.query(q),
      list: (q) => memory.list(q),
    };
    const registry = cheapSimRegistry();
    const gateway = createGateway({
      registry,
      aliases: { fast: { strategy: "ordered" } },
      ledger: pooled,
    });
    let answered = false;
    const call = generateText({ model: gateway.model("fast"), prompt: "hello" }).then(() => {
      answered = true;
    });
    await expect.poll(() => recording).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(answered).toBe(false);
    release();
    await call;
    expect(await pooled.list({})).toHaveLength(1);
  });
});
