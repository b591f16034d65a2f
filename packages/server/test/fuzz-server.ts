/**
 * The server the OpenAPI fuzz test talks to: the full API (LangGraph, OpenAI and governance
 * routes, the WebSocket) with every optional service, over a memory store (or SQLite with
 * FUZZ_STORE=sqlite), with graphs that end on their own (no gate waits for the test). Two
 * tenants: the caller ("acme") and another ("globex") whose assistant, thread, run, checkpoint,
 * cron and budget hold a secret no answer to acme may show. `refresh()` makes acme a fresh set of records (a fuzzed DELETE may have removed the
 * last) and returns the hints that aim valid-looking requests at them.
 */
import { randomBytes } from "node:crypto";
import {
  MemoryAuditLog,
  MemoryBudgetStore,
  MemoryLedger,
  MemorySettingsStore,
} from "@conclave/core";
import { SqlitePlatformStore } from "@conclave/sqlite";
import fc from "fast-check";
import { API_EXTENSIONS, API_MODULES } from "../src/index.ts";
import { type Hints, unpoisoned } from "./fuzz-arbitraries.ts";
import type { Ids } from "./fuzz-requests.ts";
import { startTestServer, type TestServer } from "./harness.ts";
import { graphs as langGraphGraphs } from "./langgraph-fixtures.ts";
import { createGraphs } from "./openai-graphs.ts";

/** The ids of one tenant's records. */
export interface Fixture {
  assistant_id: string;
  thread_id: string;
  run_id: string;
  checkpoint_id: string;
  cron_id: string;
  budget_id: string;
}

const NODES = ["inc", "double", "ask", "publish", "reply", "explode", "model", "__start__"];
const MODES = ["values", "updates", "messages", "messages-tuple", "custom", "debug", "tasks"];

/** Graphs whose runs end by themselves: none waits on a gate or a latch. */
function fuzzGraphs() {
  const { counter, approval, chat, failing } = langGraphGraphs;
  const { echo, broken, "sim-chat": simChat } = createGraphs().graphs;
  return { counter, approval, chat, failing, echo, "sim-chat": simChat, broken };
}

/** A JSON call that must succeed (fixture setup). */
async function call(url: string, key: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`fixture ${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** An assistant, a thread that ran it (so it has a run and a checkpoint) and a cron. */
async function makeFixture(url: string, key: string, secret: string): Promise<Fixture> {
  const assistant = await call(url, key, "POST", "/assistants", {
    graph_id: "echo",
    name: `assistant ${secret}`,
    metadata: { secret },
  });
  const assistant_id = String(assistant.assistant_id);
  const thread = await call(url, key, "POST", "/threads", { metadata: { secret } });
  const thread_id = String(thread.thread_id);
  await call(url, key, "POST", `/threads/${thread_id}/runs/wait`, {
    assistant_id,
    input: { messages: [{ role: "user", content: `remember ${secret}` }] },
  });
  const [run] = (await call(url, key, "GET", `/threads/${thread_id}/runs`)) as unknown as {
    run_id: string;
  }[];
  const state = await call(url, key, "GET", `/threads/${thread_id}/state`);
  const checkpoint = state.checkpoint as { checkpoint_id: string };
  const cron = await call(url, key, "POST", `/threads/${thread_id}/runs/crons`, {
    assistant_id,
    schedule: "0 0 1 1 *",
    metadata: { secret },
  });
  const budget_id = `budget-${secret.split("-")[0]}`;
  await call(url, key, "PUT", `/budgets/${budget_id}`, {
    limit_usd: "12.50",
    scope: { kind: "thread", value: secret },
  });
  return {
    budget_id,
    assistant_id,
    thread_id,
    run_id: run!.run_id,
    checkpoint_id: checkpoint.checkpoint_id,
    cron_id: String(cron.cron_id),
  };
}

const pick = (...values: unknown[]) => fc.constantFrom(...values);
const mostly = (usual: fc.Arbitrary<unknown>, rare: fc.Arbitrary<unknown>) =>
  fc.oneof({ arbitrary: usual, weight: 5 }, { arbitrary: rare, weight: 1 });

/** Field hints aiming at `mine`, now and then at `theirs` or at nothing. */
function hintsFor(mine: Fixture, theirs: Fixture, graphIds: string[]): Hints {
  const id = (key: keyof Fixture) =>
    mostly(pick(mine[key]), fc.oneof(fc.uuid(), pick(theirs[key])));
  const table: Record<string, fc.Arbitrary<unknown>> = {
    assistant_id: mostly(
      pick(...graphIds, mine.assistant_id),
      pick("no-such", theirs.assistant_id),
    ),
    graph_id: mostly(pick(...graphIds), fc.string({ maxLength: 12 })),
    // Not "broken": a run that fails by design is a 500 on /v1 (OpenAI's server_error). Not
    // "sim-chat" either: the gateway counts prompt tokens with gpt-tokenizer, whose time grows
    // with the square of an unbroken run of text (60k characters take 3 s, 600k about 5 min,
    // blocking the event loop), and /v1 content is where the huge-string kind puts such runs.
    // Runs of sim-chat through the LangGraph routes still cover the gateway with short prompts.
    model: mostly(pick("echo", mine.assistant_id), pick(theirs.assistant_id)),
    thread_id: id("thread_id"),
    run_id: id("run_id"),
    cron_id: id("cron_id"),
    checkpoint_id: id("checkpoint_id"),
    budget_id: id("budget_id"),
    time_zone: mostly(pick("UTC", "Europe/Paris"), fc.string({ maxLength: 12 })),
    tz: mostly(pick("UTC", "Asia/Tokyo"), fc.string({ maxLength: 12 })),
    by: mostly(pick("model", "agent,day", "thread"), fc.string({ maxLength: 12 })),
    before: id("checkpoint_id"),
    webhook: pick(null),
    // A delayed run starts at the worker's next safety pass (every 5 s): waiting is slow.
    after_seconds: pick(null, 0),
    schedule: mostly(pick("0 0 1 1 *", "*/10 * * * *", "@hourly"), fc.string({ maxLength: 12 })),
    timezone: mostly(pick("UTC", "Europe/Paris"), fc.string({ maxLength: 12 })),
    input: fc.oneof(
      fc.record({ n: fc.integer() }),
      fc.record({ messages: fc.array(fc.record({ role: pick("user"), content: fc.string() })) }),
      fc.record({ topic: fc.string() }),
      fc.jsonValue({ maxDepth: 2 }).map(unpoisoned),
    ),
    as_node: mostly(pick(...NODES), fc.string({ maxLength: 8 })),
    // Node names differ by graph, so lists of them are mostly refused: keep them rare.
    interrupt_before: mostly(pick("*", null, []), fc.subarray(NODES.slice(0, 7))),
    interrupt_after: mostly(pick("*", null, []), fc.subarray(NODES.slice(0, 7))),
    // A run takes input or a command, not both.
    command: mostly(
      pick(null),
      fc.record({ resume: fc.jsonValue({ maxDepth: 1 }).map(unpoisoned) }),
    ),
    goto: mostly(pick(...NODES), fc.string({ maxLength: 8 })),
    node: pick(...NODES),
    ttl: pick(null),
    recursion_limit: fc.integer({ min: 1, max: 50 }),
    version: fc.integer({ min: 1, max: 3 }),
    sort_by: pick("created_at", "updated_at", "name", "thread_id", "status"),
    stream_mode: fc.oneof(pick(...MODES), fc.subarray(MODES, { minLength: 1 })),
  };
  return (name) => table[name];
}

/** A running fuzz server with its two tenants. */
export interface FuzzServer {
  url: string;
  server: TestServer;
  /** The text every record of the other tenant holds. */
  secret: string;
  theirs: Fixture;
  theirKey: string;
  /** Fresh records for the caller, and the hints and ids that aim requests at them. */
  refresh(): Promise<Ids>;
  /** A fresh admin key and read-only key for the caller (each key has its own rate limit). */
  keys(): Promise<{ admin: string; "read-only": string }>;
  close(): Promise<void>;
}

/** Starts the server and makes the other tenant's records. */
export async function startFuzzServer(): Promise<FuzzServer> {
  const store =
    process.env.FUZZ_STORE === "sqlite"
      ? SqlitePlatformStore.fromConnString(":memory:")
      : undefined;
  const graphs = fuzzGraphs();
  const server = await startTestServer({
    graphs,
    modules: API_MODULES,
    extensions: API_EXTENSIONS,
    store,
    // Every optional service, so the governance routes do their work rather than answer 501.
    runtime: {
      settings: new MemorySettingsStore(),
      audit: { log: new MemoryAuditLog(), durability: "sync" },
    },
    services: { budgets: new MemoryBudgetStore(), ledger: new MemoryLedger() },
  });
  const secret = `globex-secret-${randomBytes(6).toString("hex")}`;
  const theirKey = await server.key("globex");
  const theirs = await makeFixture(server.url, theirKey, secret);
  const graphIds = Object.keys(graphs);
  return {
    url: server.url,
    server,
    secret,
    theirs,
    theirKey,
    async refresh() {
      const key = await server.key("acme");
      // Assistant and budget ids are per tenant: a fuzzed create may have given acme one with
      // globex's id, which a foreign-id request would then find.
      for (const path of [`/assistants/${theirs.assistant_id}`, `/budgets/${theirs.budget_id}`])
        await fetch(`${server.url}${path}`, {
          method: "DELETE",
          headers: { authorization: `Bearer ${key}` },
        });
      const mine = await makeFixture(server.url, key, "acme-public");
      return {
        hints: hintsFor(mine, theirs, graphIds),
        foreignHints: hintsFor(theirs, mine, graphIds),
        foreign: (name) => (name === "model" ? theirs.assistant_id : theirs[name as keyof Fixture]),
      };
    },
    async keys() {
      return {
        admin: await server.key("acme"),
        "read-only": await server.key("acme", ["runs:read"]),
      };
    },
    close: () => server.close(),
  };
}
