/**
 * The contract every `Store` passes. Each adapter's test file calls {@link runStoreContract}
 * with a factory; the same assertions then run against memory, SQLite and PostgreSQL. Each
 * test makes its own store (with its own clock and embeddings), so tests never share rows.
 * Ranking tests assert relative order of clearly better matches, never exact scores.
 */
import {
  InvalidArgumentError,
  NotSerializableError,
  type Store,
  StoreEmbeddingError,
  type StoreEmbeddings,
  type StoreOptions,
} from "@conclave/core";
import { describe, expect, it } from "vitest";

/** A store under test and how to dispose of it. */
export interface StoreHandle {
  store: Store;
  cleanup: () => Promise<void>;
}

/** Makes a fresh, empty store with the given options. */
export type MakeStore = (options: StoreOptions) => Promise<StoreHandle>;

/** A clock the test moves by hand. */
export function manualClock(start = 1_700_000_000_000) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

const CONCEPTS: Record<string, number> = { cat: 0, kitten: 0, feline: 0, dog: 1, puppy: 1 };

/**
 * A deterministic fake embedding: bag of words over 16 dims, where synonyms share a dim
 * (cat/kitten/feline, dog/puppy) and other words hash into dims 2..15.
 */
export function fakeEmbeddings(): StoreEmbeddings & { calls: string[][] } {
  const calls: string[][] = [];
  const dims = 16;
  const embed = (texts: string[]) => {
    calls.push(texts);
    return texts.map((text) => {
      const v = new Array<number>(dims).fill(0);
      for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
        let h = 0;
        for (const ch of word) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
        v[CONCEPTS[word] ?? 2 + (h % (dims - 2))]! += 1;
      }
      return v;
    });
  };
  return { dims, embed, calls };
}

/** Registers the whole contract suite for one store implementation. */
export function runStoreContract(name: string, makeStore: MakeStore): void {
  describe(`Store contract: ${name}`, () => {
    const withStore = (
      options: StoreOptions,
      body: (store: Store) => Promise<void>,
    ): (() => Promise<void>) => {
      return async () => {
        const handle = await makeStore(options);
        try {
          await body(handle.store);
        } finally {
          await handle.cleanup();
        }
      };
    };
    crudContract(withStore);
    namespaceContract(withStore);
    searchContract(withStore);
    ttlContract(withStore);
    errorContract(withStore);
  });
}

type WithStore = (
  options: StoreOptions,
  body: (store: Store) => Promise<void>,
) => () => Promise<void>;

function crudContract(withStore: WithStore): void {
  const clock = manualClock();
  it(
    "puts, gets, overwrites (keeping createdAt) and deletes",
    withStore({ clock: clock.now }, async (store) => {
      const t0 = clock.now();
      await store.put(["users", "u1"], "prefs", { theme: "dark", n: 1, tags: ["a"], x: null });
      const item = await store.get(["users", "u1"], "prefs");
      expect(item).toMatchObject({ namespace: ["users", "u1"], key: "prefs" });
      expect(item?.value).toEqual({ theme: "dark", n: 1, tags: ["a"], x: null });
      expect(item?.createdAt.getTime()).toBe(t0);
      expect(item?.updatedAt.getTime()).toBe(t0);
      clock.advance(500);
      await store.put(["users", "u1"], "prefs", { theme: "light" });
      const again = await store.get(["users", "u1"], "prefs");
      expect(again?.value).toEqual({ theme: "light" });
      expect(again?.createdAt.getTime()).toBe(t0);
      expect(again?.updatedAt.getTime()).toBe(t0 + 500);
      expect(await store.get(["users", "u1"], "missing")).toBeNull();
      await store.delete(["users", "u1"], "prefs");
      expect(await store.get(["users", "u1"], "prefs")).toBeNull();
      await store.delete(["users", "u1"], "prefs");
    }),
  );

  it(
    "returns copies: mutating a result or the put value does not change the store",
    withStore({}, async (store) => {
      const value = { list: [1, 2], nested: { s: "é\u0000x" } };
      await store.put(["a"], "k", value);
      value.list.push(3);
      const item = await store.get(["a"], "k");
      (item!.value.list as number[]).push(4);
      expect((await store.get(["a"], "k"))?.value).toEqual({
        list: [1, 2],
        nested: { s: "é\u0000x" },
      });
    }),
  );

  it(
    "batch runs get, put, delete (value null), search and listNamespaces in order",
    withStore({}, async (store) => {
      const results = await store.batch([
        { namespace: ["b"], key: "k1", value: { v: 1 } },
        { namespace: ["b", "c"], key: "k2", value: { v: 2 } },
        { namespace: ["b"], key: "k1" },
        { namespace: ["b"], key: "k1", value: null },
        { namespace: ["b"], key: "k1" },
        { namespacePrefix: ["b"], filter: { v: 2 } },
        { matchConditions: [{ matchType: "prefix", path: ["b"] }] },
      ]);
      expect(results[0]).toBeUndefined();
      expect((results[2] as { value: unknown }).value).toEqual({ v: 1 });
      expect(results[4]).toBeNull();
      expect((results[5] as { key: string }[]).map((i) => i.key)).toEqual(["k2"]);
      expect(results[6]).toEqual([["b", "c"]]);
    }),
  );
}

function namespaceContract(withStore: WithStore): void {
  it(
    "isolates namespaces and searches by label prefix, not string prefix",
    withStore({}, async (store) => {
      await store.put(["docs"], "k", { at: "docs" });
      await store.put(["docs", "a"], "k", { at: "docs.a" });
      await store.put(["docs", "a", "deep"], "k", { at: "docs.a.deep" });
      await store.put(["docsx"], "k", { at: "docsx" });
      expect((await store.get(["docs", "a"], "k"))?.value).toEqual({ at: "docs.a" });
      const at = async (prefix: string[]) =>
        (await store.search(prefix)).map((i) => i.value.at).sort();
      expect(await at(["docs"])).toEqual(["docs", "docs.a", "docs.a.deep"]);
      expect(await at(["docs", "a"])).toEqual(["docs.a", "docs.a.deep"]);
      expect(await at([])).toEqual(["docs", "docs.a", "docs.a.deep", "docsx"]);
      expect(await at(["nope"])).toEqual([]);
    }),
  );

  it(
    "lists namespaces with prefix, suffix, wildcards, maxDepth, limit and offset",
    withStore({}, async (store) => {
      for (const ns of [
        ["u", "1", "mem"],
        ["u", "2", "mem"],
        ["u", "2", "prefs"],
        ["v", "1"],
      ]) {
        await store.put(ns, "k", { x: 1 });
      }
      expect(await store.listNamespaces()).toEqual([
        ["u", "1", "mem"],
        ["u", "2", "mem"],
        ["u", "2", "prefs"],
        ["v", "1"],
      ]);
      expect(await store.listNamespaces({ prefix: ["u", "2"] })).toEqual([
        ["u", "2", "mem"],
        ["u", "2", "prefs"],
      ]);
      expect(await store.listNamespaces({ suffix: ["mem"] })).toEqual([
        ["u", "1", "mem"],
        ["u", "2", "mem"],
      ]);
      expect(await store.listNamespaces({ prefix: ["u", "*", "prefs"] })).toEqual([
        ["u", "2", "prefs"],
      ]);
      expect(await store.listNamespaces({ maxDepth: 1 })).toEqual([["u"], ["v"]]);
      expect(await store.listNamespaces({ limit: 2, offset: 1 })).toEqual([
        ["u", "2", "mem"],
        ["u", "2", "prefs"],
      ]);
    }),
  );
}

function searchContract(withStore: WithStore): void {
  const clock = manualClock();
  it(
    "filters with plain values and $eq/$ne/$gt/$gte/$lt/$lte; newest first without a query",
    withStore({ clock: clock.now }, async (store) => {
      for (const [key, n] of [
        ["a", 1],
        ["b", 2],
        ["c", 3],
        ["d", 4],
      ] as const) {
        clock.advance(10);
        await store.put(["f"], key, { n, kind: n % 2 ? "odd" : "even", meta: { tier: `t${n}` } });
      }
      const keys = async (filter: Record<string, unknown>, extra = {}) =>
        (await store.search(["f"], { filter, ...extra })).map((i) => i.key);
      expect(await keys({})).toEqual(["d", "c", "b", "a"]);
      expect(await keys({ kind: "odd" })).toEqual(["c", "a"]);
      expect(await keys({ kind: { $ne: "odd" } })).toEqual(["d", "b"]);
      expect(await keys({ n: { $gt: 1, $lte: 3 } })).toEqual(["c", "b"]);
      expect(await keys({ n: { $gte: 3 } })).toEqual(["d", "c"]);
      expect(await keys({ n: { $lt: 2 } })).toEqual(["a"]);
      expect(await keys({ "meta.tier": { $eq: "t4" } })).toEqual(["d"]);
      expect(await keys({ "meta.tier": { $gt: "t2" } })).toEqual(["d", "c"]);
      expect(await keys({ n: { $gt: "1" } })).toEqual([]);
      expect(await keys({ missing: 1 })).toEqual([]);
      expect(await keys({}, { limit: 2, offset: 1 })).toEqual(["c", "b"]);
      expect((await store.search(["f"], { limit: 0 })).length).toBe(0);
    }),
  );

  it(
    "ranks full-text matches: more mentions rank higher, non-matching items are excluded",
    withStore({}, async (store) => {
      await store.put(["kb"], "once", { text: "A recipe for apple pie with cinnamon and sugar." });
      await store.put(["kb"], "thrice", { text: "Apple orchard: apple picking, apple cider." });
      await store.put(["kb"], "none", { text: "Banana bread with walnuts." });
      await store.put(["kb2"], "other", { text: "apple apple apple apple" });
      for (let i = 0; i < 4; i++) await store.put(["kb"], `filler${i}`, { text: `notes ${i}` });
      const hits = await store.search(["kb"], { query: "apple" });
      expect(hits.map((h) => h.key)).toEqual(["thrice", "once"]);
      expect(hits[0]!.score!).toBeGreaterThan(hits[1]!.score!);
      expect(hits[1]!.score!).toBeGreaterThan(0);
      const multi = await store.search(["kb"], { query: "banana walnuts" });
      expect(multi.map((h) => h.key)).toEqual(["none"]);
      const both = await store.search(["kb"], { query: "cinnamon apple" });
      expect(both[0]!.key).toBe("once");
      expect(await store.search(["kb"], { query: "durian" })).toEqual([]);
      const filtered = await store.search(["kb"], {
        query: "apple",
        filter: { text: { $ne: "x" } },
        limit: 1,
      });
      expect(filtered.map((h) => h.key)).toEqual(["thrice"]);
    }),
  );

  it(
    "indexes only the chosen fields; index: false items are found by filter, not by query",
    withStore({}, async (store) => {
      await store.put(
        ["p"],
        "titled",
        { title: "zebra facts", body: "giraffe" },
        { index: ["title"] },
      );
      await store.put(["p"], "hidden", { title: "zebra secrets", tag: "t" }, { index: false });
      await store.put(["p"], "legacy", { title: "zebra legacy" }, false);
      expect((await store.search(["p"], { query: "zebra" })).map((h) => h.key)).toEqual(["titled"]);
      expect(await store.search(["p"], { query: "giraffe" })).toEqual([]);
      expect((await store.search(["p"], { filter: { tag: "t" } })).map((h) => h.key)).toEqual([
        "hidden",
      ]);
    }),
  );

  it(
    "hybrid search: with embeddings, the semantically closer item wins without shared words",
    withStore({ embeddings: fakeEmbeddings() }, async (store) => {
      await store.put(["m"], "dog", { text: "the puppy sleeps on the sofa" });
      await store.put(["m"], "cat", { text: "my feline sleeps on the sofa" });
      await store.put(["m"], "plain", { text: "unrelated words here" }, { index: false });
      const hits = await store.search(["m"], { query: "kitten" });
      expect(hits[0]!.key).toBe("cat");
      expect(hits.map((h) => h.key)).not.toContain("plain");
      expect(hits[0]!.score!).toBeGreaterThan(hits[1]!.score!);
      const worded = await store.search(["m"], { query: "puppy sofa" });
      expect(worded[0]!.key).toBe("dog");
      expect(
        (await store.search(["m"], { query: "kitten", filter: { text: { $ne: "x" } }, limit: 1 }))
          .length,
      ).toBe(1);
    }),
  );
}

function ttlContract(withStore: WithStore): void {
  const clock = manualClock();
  it(
    "expires items by the injected clock: invisible at once, removed by sweepExpired",
    withStore({ clock: clock.now }, async (store) => {
      await store.put(["t"], "short", { text: "ephemeral note" }, { ttlMs: 1000 });
      await store.put(["t", "x"], "long", { text: "ephemeral too" }, { ttlMs: 5000 });
      await store.put(["t"], "kept", { text: "lasting note" });
      clock.advance(999);
      expect(await store.get(["t"], "short")).not.toBeNull();
      clock.advance(1);
      expect(await store.get(["t"], "short")).toBeNull();
      expect((await store.search(["t"])).map((i) => i.key).sort()).toEqual(["kept", "long"]);
      expect((await store.search(["t"], { query: "ephemeral" })).map((i) => i.key)).toEqual([
        "long",
      ]);
      expect(await store.listNamespaces()).toEqual([["t"], ["t", "x"]]);
      expect(await store.sweepExpired()).toBe(1);
      expect(await store.sweepExpired()).toBe(0);
      clock.advance(4000);
      expect(await store.listNamespaces()).toEqual([["t"]]);
      await store.put(["t", "x"], "long", { text: "renewed" });
      clock.advance(1_000_000);
      expect((await store.get(["t", "x"], "long"))?.value).toEqual({ text: "renewed" });
      expect(await store.sweepExpired()).toBe(0);
    }),
  );

  it(
    "a put over an expired item starts a new item (new createdAt)",
    withStore({ clock: clock.now }, async (store) => {
      await store.put(["r"], "k", { v: 1 }, { ttlMs: 10 });
      clock.advance(20);
      await store.put(["r"], "k", { v: 2 });
      const item = await store.get(["r"], "k");
      expect(item?.createdAt.getTime()).toBe(clock.now());
    }),
  );
}

function errorContract(withStore: WithStore): void {
  const code = async (work: Promise<unknown>) => {
    const error = await work.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    return error as { code?: string; message: string; constructor: unknown };
  };
  it(
    "rejects bad namespaces, keys, ttl, filters and paging with InvalidArgumentError codes",
    withStore({}, async (store) => {
      const cases: [() => Promise<unknown>, string, RegExp][] = [
        [() => store.put([], "k", { v: 1 }), "STORE_INVALID_NAMESPACE", /non-empty array/],
        [() => store.put(["a.b"], "k", { v: 1 }), "STORE_INVALID_NAMESPACE", /"a\.b"/],
        [() => store.get(["a", ""], "k"), "STORE_INVALID_NAMESPACE", /non-empty strings/],
        [() => store.put(["a"], "", { v: 1 }), "STORE_INVALID_KEY", /non-empty string/],
        [() => store.put(["a"], "k", { v: 1 }, { ttlMs: -5 }), "STORE_INVALID_TTL", /-5/],
        [() => store.put(["a"], "k", { v: 1 }, { ttlMs: 0 }), "STORE_INVALID_TTL", /> 0/],
        [
          () => store.search(["a"], { filter: { v: { $in: [1] } } }),
          "STORE_INVALID_FILTER",
          /\$in/,
        ],
        [() => store.search(["a"], { limit: -1 }), "STORE_INVALID_OPTION", /-1/],
        [() => store.search(["a.b"]), "STORE_INVALID_NAMESPACE", /a\.b/],
      ];
      for (const [work, expected, message] of cases) {
        const error = await code(work());
        expect(error).toBeInstanceOf(InvalidArgumentError);
        expect(error.code).toBe(expected);
        expect(error.message).toMatch(message);
      }
      expect(await store.listNamespaces()).toEqual([]);
    }),
  );

  it(
    "rejects values JSON cannot store exactly with NotSerializableError naming the path",
    withStore({}, async (store) => {
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      const cases: [unknown, string][] = [
        [{ f: () => 1 }, "$.f"],
        [{ when: new Date(0) }, "$.when"],
        [{ n: Number.NaN }, "$.n"],
        [{ list: [1, 10n] }, "$.list[1]"],
        [cyclic, "$.self"],
        ["text", "$"],
        [[1, 2], "$"],
      ];
      for (const [value, path] of cases) {
        const error = await code(store.put(["a"], "k", value as Record<string, unknown>));
        expect(error).toBeInstanceOf(NotSerializableError);
        expect((error as unknown as NotSerializableError).path).toBe(path);
      }
      expect(await store.get(["a"], "k")).toBeNull();
    }),
  );

  it(
    "rejects an embedding model that returns the wrong dimensions",
    withStore(
      { embeddings: { dims: 3, embed: (texts) => texts.map(() => [1, 2]) } },
      async (store) => {
        const error = await code(store.put(["e"], "k", { text: "hello" }));
        expect(error).toBeInstanceOf(StoreEmbeddingError);
        expect(error.message).toMatch(/length 2.*dims is 3/);
        expect(await store.get(["e"], "k")).toBeNull();
      },
    ),
  );
}
