/**
 * Property-based tests (fast-check): serialization round-trips every supported value exactly,
 * and a saver reconstructs every checkpoint of a random run exactly, whatever mix of appends,
 * sets and deletes the run made, across snapshots and forks.
 */
import { Annotation, decode, encode, MemorySaver, START, StateGraph } from "@conclave/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const leaf = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double({ noNaN: false }),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.date({ noInvalidDate: true }),
  fc.bigInt(),
  fc.uint8Array({ maxLength: 8 }),
);

const value = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: "small" }, leaf, tie("array"), tie("object"), tie("map"), tie("set")),
  array: fc.array(tie("node"), { maxLength: 4 }),
  // Null-prototype objects decode as plain objects (no prototype is ever revived), so generate plain ones.
  object: fc.dictionary(fc.string({ maxLength: 6 }), tie("node"), {
    maxKeys: 4,
    noNullPrototype: true,
  }),
  map: fc
    .array(fc.tuple(fc.string({ maxLength: 4 }), tie("node")), { maxLength: 3 })
    .map((e) => new Map(e)),
  set: fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 4 }).map((e) => new Set(e)),
})).node;

describe("fuzz: safe serialization", () => {
  it("decode(encode(v)) equals v, and encoding is canonical", () => {
    fc.assert(
      fc.property(value, (v) => {
        const text = encode(v);
        expect(decode(text)).toStrictEqual(v);
        expect(encode(decode(text))).toBe(text);
      }),
      { numRuns: 400 },
    );
  });
});

type Op =
  | { kind: "append"; items: string[] }
  | { kind: "set"; value: number }
  | { kind: "clear" }
  | { kind: "replace"; items: string[] };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant("append" as const),
    items: fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  }),
  fc.record({ kind: fc.constant("set" as const), value: fc.integer() }),
  fc.constant({ kind: "clear" as const }),
  fc.record({
    kind: fc.constant("replace" as const),
    items: fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  }),
);

describe("fuzz: delta checkpoints reconstruct exactly", () => {
  it("every checkpoint of a random run reads back exactly what the engine had, across snapshots", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 40 }), async (ops) => {
        const State = Annotation.Root({
          log: Annotation<string[], string[] | { replace: string[] }>({
            reducer: (a, b) => (Array.isArray(b) ? a.concat(b) : b.replace),
            default: () => [],
          }),
          n: Annotation<number | undefined>(),
          i: Annotation<number>(),
        });
        const seen: { log: string[]; n: number | undefined }[] = [];
        const graph = new StateGraph(State)
          .addNode("step", (s) => {
            const o = ops[s.i]!;
            const update =
              o.kind === "append"
                ? { log: o.items }
                : o.kind === "replace"
                  ? { log: { replace: o.items } }
                  : o.kind === "set"
                    ? { n: o.value }
                    : { n: undefined };
            return { ...update, i: s.i + 1 };
          })
          .addNode("record", (s) => {
            seen.push({ log: [...s.log], n: s.n });
            return {};
          })
          .addEdge(START, "step")
          .addEdge("step", "record")
          .addConditionalEdges("record", (s) => (s.i < ops.length ? "step" : "__end__"))
          .compile({
            checkpointer: new MemorySaver({ snapshotPolicy: { minBytes: 64, maxDeltas: 3 } }),
          });
        const config = { configurable: { thread_id: "fuzz" }, recursionLimit: 200 };
        await graph.invoke({ i: 0 }, config);
        const history = [];
        for await (const snapshot of graph.getStateHistory(config)) history.push(snapshot);
        // The recorder saw exactly the state of each checkpoint whose next node is `record`.
        const recorded = history.filter((h) => h.next[0] === "record").reverse();
        expect(recorded.map((h) => ({ log: h.values.log, n: h.values.n }))).toEqual(seen);
        expect(recorded).toHaveLength(ops.length);
        expect((await graph.checkpointer!.verify("fuzz")).ok).toBe(true);
      }),
      { numRuns: 60 },
    );
  });
});
