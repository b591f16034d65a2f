/**
 * `copyCheckpoints` on every saver (memory, SQLite, PostgreSQL): a thread with a fork, a
 * subgraph's namespace and pending writes (an interrupted step) is copied under the same
 * checkpoint ids; every checkpoint of the copy reads as the source's, the copy's hash chain
 * verifies, a run resumes on the copy, and a list that grew is stored as appends.
 */
import {
  Annotation,
  type CheckpointSaver,
  Command,
  interrupt,
  MemorySaver,
  START,
  StateGraph,
} from "@conclave/core";
import { PostgresSaver } from "@conclave/postgres";
import { SqliteSaver } from "@conclave/sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../test/support/postgres.ts";
import { copyCheckpoints, deltaBetween } from "../src/thread-copy.ts";

const State = Annotation.Root({
  log: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

const child = new StateGraph(State)
  .addNode("inner", () => ({ log: ["inner"] }))
  .addEdge(START, "inner")
  .compile();

function graphOn(saver: CheckpointSaver) {
  return new StateGraph(State)
    .addNode("first", () => ({ log: ["first"] }))
    .addNode("sub", child)
    .addNode("ask", () => ({ log: [`answer:${interrupt<string, string>("why?")}`] }))
    .addEdge(START, "first")
    .addEdge("first", "sub")
    .addEdge("sub", "ask")
    .compile({ checkpointer: saver });
}

let db: TestDatabase | undefined;
beforeAll(async () => {
  db = await createTestDatabase("thread_copy");
});
afterAll(async () => {
  await db?.drop();
});

const savers: [string, () => Promise<CheckpointSaver & { end?: () => Promise<void> }>][] = [
  ["memory", async () => new MemorySaver()],
  ["SQLite", async () => SqliteSaver.fromConnString(":memory:")],
  [
    "PostgreSQL",
    async () => {
      const saver = PostgresSaver.fromConnString(db!.url, { schema: `copy_${Date.now()}` });
      await saver.setup();
      return saver;
    },
  ],
];

const thread = (id: string) => ({ configurable: { thread_id: id } });

async function everyCheckpoint(saver: CheckpointSaver, threadId: string) {
  const out = [];
  for await (const t of saver.list(thread(threadId)))
    out.push({
      id: t.checkpoint.id,
      ns: t.config.configurable.checkpoint_ns,
      parent: t.parentConfig?.configurable.checkpoint_id,
      values: t.checkpoint.channel_values,
      writes: t.pendingWrites,
      metadata: t.metadata,
    });
  return out;
}

for (const [name, make] of savers) {
  describe(`copyCheckpoints on the ${name} saver`, () => {
    it("copies every checkpoint, namespace and pending write; the copy resumes on its own", async () => {
      const saver = await make();
      try {
        const graph = graphOn(saver);
        await graph.invoke({ log: ["start"] }, thread("src"));
        // A fork from the first checkpoint after "first": history with a branch.
        const states = [];
        for await (const s of graph.getStateHistory(thread("src"))) states.push(s);
        const afterFirst = states.find((s) => s.next.includes("sub"))!;
        await graph.updateState(afterFirst.config, { log: ["forked"] });
        await graph.invoke(null, thread("src"));

        const count = await copyCheckpoints(saver, "src", "dst");
        const source = await everyCheckpoint(saver, "src");
        expect(count).toBe(source.length);
        expect(source.some((c) => c.ns !== "")).toBe(true);
        expect(source.some((c) => c.writes.length > 0)).toBe(true);
        expect(await everyCheckpoint(saver, "dst")).toEqual(source);
        expect((await saver.verify("dst")).ok).toBe(true);

        const resumed = await graph.invoke(new Command({ resume: "because" }), thread("dst"));
        expect(resumed.log.at(-1)).toBe("answer:because");
        expect((await graph.getState(thread("src"))).next).toEqual(["ask"]);
      } finally {
        await saver.end?.();
      }
    });
  });
}

describe("deltaBetween", () => {
  it("stores a grown list as an append, a changed value as a set, a gone one as a delete", () => {
    const before = { log: [{ a: 1 }, "b"], n: 1, gone: true, same: { x: [1] } };
    const after = { log: [{ a: 1 }, "b", "c"], n: 2, same: { x: [1] } };
    expect(deltaBetween(before, after)).toEqual({
      gone: { op: "delete" },
      log: { op: "append", items: ["c"] },
      n: { op: "set", value: 2 },
    });
    expect(deltaBetween({ log: ["a", "b"] }, { log: ["a", "x", "c"] })).toEqual({
      log: { op: "set", value: ["a", "x", "c"] },
    });
  });
});
