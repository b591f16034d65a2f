/**
 * Conclave's InMemoryCache and the engine's use of a cache: entries expire after their ttl (on
 * an injected clock), a hit is a copy the node cannot change, namespaces clear separately, and a
 * cache that fails to store does not fail the run.
 */
import {
  Annotation,
  type CacheFullKey,
  InMemoryCache,
  type NodeCache,
  START,
  StateGraph,
} from "@conclave/core";
import { describe, expect, it, vi } from "vitest";

const key = (name: string): CacheFullKey => [["ns", name], "k"];

describe("InMemoryCache", () => {
  it("expires an entry after its ttl in seconds, and keeps one without ttl", async () => {
    let now = 1_000;
    const cache = new InMemoryCache(() => now);
    await cache.set([
      { key: key("short"), value: [["out", 1]], ttl: 2 },
      { key: key("forever"), value: [["out", 2]] },
    ]);
    now += 1_999;
    expect(await cache.get([key("short"), key("forever")])).toHaveLength(2);
    now += 1;
    expect(await cache.get([key("short"), key("forever")])).toEqual([
      { key: key("forever"), value: [["out", 2]] },
    ]);
  });

  it("hands out copies, and clears one namespace or all", async () => {
    const cache = new InMemoryCache();
    await cache.set([
      { key: key("a"), value: { list: [1] } },
      { key: key("b"), value: 2 },
    ]);
    const [hit] = await cache.get([key("a")]);
    (hit!.value as { list: number[] }).list.push(99);
    expect((await cache.get([key("a")]))[0]!.value).toEqual({ list: [1] });
    await cache.clear([["ns", "a"]]);
    expect((await cache.get([key("a"), key("b")])).map((e) => e.value)).toEqual([2]);
    await cache.clear();
    expect(await cache.get([key("b")])).toEqual([]);
  });
});

describe("a graph with a node cache", () => {
  const State = Annotation.Root({ n: Annotation<number>(), out: Annotation<number>() });

  it("still runs when the cache fails to store, and warns", async () => {
    const broken: NodeCache = {
      get: async () => [],
      set: async () => {
        throw new Error("the cache server is down");
      },
      clear: async () => {},
    };
    let runs = 0;
    const graph = new StateGraph(State)
      .addNode(
        "double",
        (s: { n: number }) => {
          runs++;
          return { out: s.n * 2 };
        },
        { cachePolicy: {} },
      )
      .addEdge(START, "double")
      .compile({ cache: broken });
    const warn = vi.spyOn(process, "emitWarning").mockImplementation(() => {});
    try {
      expect(await graph.invoke({ n: 2 })).toEqual({ n: 2, out: 4 });
      expect(await graph.invoke({ n: 2 })).toEqual({ n: 2, out: 4 });
      expect(runs).toBe(2);
      expect(String(warn.mock.calls[0]?.[0])).toContain("the cache server is down");
    } finally {
      warn.mockRestore();
    }
  });
});

describe("a cached node that returns LangChain messages", () => {
  it("is cached by Conclave's InMemoryCache, its messages stored plain", async () => {
    const { AIMessage } = await import("@langchain/core/messages");
    const { MessagesAnnotation } = await import("@conclave/core");
    let runs = 0;
    const graph = new StateGraph(MessagesAnnotation)
      .addNode(
        "answer",
        () => {
          runs++;
          return { messages: [new AIMessage({ content: "hi", id: "a1" })] };
        },
        { cachePolicy: { keyFunc: () => "same" } },
      )
      .addEdge(START, "answer")
      .compile({ cache: new InMemoryCache() });
    const warn = vi.spyOn(process, "emitWarning");
    try {
      await graph.invoke({ messages: [{ role: "user", content: "q", id: "u1" }] });
      const second = await graph.invoke({ messages: [{ role: "user", content: "q", id: "u1" }] });
      expect(runs).toBe(1);
      expect(second.messages.at(-1)).toMatchObject({ type: "ai", content: "hi", id: "a1" });
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });
});

describe("node policies Conclave does not support yet", () => {
  it("refuses an errorHandler on a node or as a default, with what to do", () => {
    const State = Annotation.Root({ n: Annotation<number>() });
    const handler = { errorHandler: () => ({}) } as never;
    expect(() => new StateGraph(State).addNode("a", () => ({}), handler)).toThrow(
      expect.objectContaining({
        code: "UNSUPPORTED_OPTION",
        message: expect.stringContaining('Node "a" has an errorHandler'),
      }),
    );
    expect(() => new StateGraph(State).setNodeDefaults(handler)).toThrow(
      expect.objectContaining({ code: "UNSUPPORTED_OPTION" }),
    );
  });
});
