/**
 * The contract every `Ledger` passes: exact round trips, idempotent records, aggregation by
 * every dimension and their combinations, local-day grouping across DST changes and in zones
 * east and west of UTC, filters, exact sums past int64, and time-ordered listing. Each test
 * gets a fresh, empty ledger from the factory.
 */
import type { Ledger, LedgerDimension, LedgerRow, UsageRecord } from "@conclave/core";
import { describe, expect, it } from "vitest";

/** A ledger under test and how to dispose of it. */
export interface LedgerHandle {
  ledger: Ledger;
  cleanup: () => Promise<void>;
}

/** Makes a fresh, empty ledger. */
export type MakeLedger = () => Promise<LedgerHandle>;

/** A usage record with defaults; `over` replaces fields. */
export function usage(id: string, ts: string, over: Partial<UsageRecord> = {}): UsageRecord {
  return {
    id,
    ts,
    alias: "smart",
    deployment: "openai-east",
    provider: "openai",
    model: "gpt-x",
    tokens: {
      inputNoCache: 10,
      inputCacheRead: 2,
      inputCacheWrite: 1,
      outputText: 5,
      outputReasoning: 3,
    },
    costPico: 1_000n,
    priceVersion: "2026-11",
    latencyMs: 120.5,
    status: "ok",
    streamed: false,
    ...over,
  };
}

/** Six calls across two models, deployments, aliases, agents, threads and tenants. */
const FIXTURE: UsageRecord[] = [
  usage("a", "2026-11-20T10:00:00.000Z", {
    model: "m1",
    deployment: "d1",
    alias: "fast",
    agent: "planner",
    threadId: "t1",
    tenant: "acme",
    runId: "r1",
    costPico: 100n,
  }),
  usage("b", "2026-11-20T11:00:00.000Z", {
    model: "m1",
    deployment: "d2",
    alias: "fast",
    agent: "coder",
    threadId: "t1",
    tenant: "acme",
    runId: "r1",
    costPico: 200n,
  }),
  usage("c", "2026-11-21T09:00:00.000Z", {
    model: "m2",
    deployment: "d2",
    alias: "smart",
    agent: "coder",
    threadId: "t2",
    tenant: "acme",
    runId: "r2",
    costPico: 400n,
  }),
  usage("d", "2026-11-21T23:30:00.000Z", {
    model: "m2",
    deployment: "d3",
    alias: "smart",
    threadId: "t3",
    tenant: "globex",
    runId: "r3",
    costPico: 800n,
  }),
  usage("e", "2026-11-22T00:30:00.000Z", {
    model: "m1",
    deployment: "d1",
    alias: "fast",
    agent: "planner",
    tenant: "globex",
    costPico: 1_600n,
  }),
  usage("f", "2026-11-22T16:00:00.000Z", {
    model: "m2",
    deployment: "d3",
    alias: "smart",
    agent: "planner",
    threadId: "t3",
    tenant: "globex",
    runId: "r3",
    costPico: 3_200n,
  }),
];

const VALUE: Record<Exclude<LedgerDimension, "day">, (r: UsageRecord) => string | undefined> = {
  model: (r) => r.model,
  deployment: (r) => r.deployment,
  alias: (r) => r.alias,
  agent: (r) => r.agent,
  thread: (r) => r.threadId,
  tenant: (r) => r.tenant,
};

/** Cost per key value, the way a reader of the fixture would add it up. */
function costsBy(dimension: Exclude<LedgerDimension, "day">): Map<string | undefined, bigint> {
  const sums = new Map<string | undefined, bigint>();
  for (const r of FIXTURE)
    sums.set(VALUE[dimension](r), (sums.get(VALUE[dimension](r)) ?? 0n) + r.costPico);
  return sums;
}

function summary(rows: LedgerRow[]): Array<[LedgerRow["key"], number, bigint]> {
  return rows.map((r) => [r.key, r.calls, r.costPico]);
}

/** Registers the whole ledger contract for one implementation. */
export function runLedgerContract(name: string, makeLedger: MakeLedger): void {
  describe(`Ledger contract: ${name}`, () => {
    const withLedger = (work: (ledger: Ledger) => Promise<void>) => async () => {
      const handle = await makeLedger();
      try {
        await work(handle.ledger);
      } finally {
        await handle.cleanup();
      }
    };
    recordContract(withLedger);
    groupingContract(withLedger);
    dayContract(withLedger);
    filterContract(withLedger);
  });
}

type WithLedger = (work: (ledger: Ledger) => Promise<void>) => () => Promise<void>;

async function recordAll(ledger: Ledger, records: UsageRecord[] = FIXTURE): Promise<void> {
  for (const record of records) await ledger.record(record);
}

function recordContract(withLedger: WithLedger): void {
  it(
    "round-trips a record exactly, leaving absent fields absent",
    withLedger(async (ledger) => {
      const full = usage("full", "2026-11-22T10:00:00+01:00", {
        runId: "r",
        threadId: "t",
        node: "n",
        agent: "a",
        tenant: "x",
        ttftMs: 33,
        streamed: true,
        status: "cancelled",
        costPico: 2n ** 62n + 7n,
      });
      const bare = usage("bare", "2026-11-22T10:00:00.500Z", { status: "error" });
      await ledger.record(full);
      await ledger.record(bare);
      expect(await ledger.list({})).toEqual([full, bare]);
    }),
  );

  it(
    "records the same id once: the first record wins",
    withLedger(async (ledger) => {
      await ledger.record(usage("same", "2026-11-22T10:00:00.000Z", { costPico: 5n }));
      await ledger.record(usage("same", "2026-11-22T11:00:00.000Z", { costPico: 7n }));
      await Promise.all([1, 2, 3].map(() => ledger.record(usage("same", "2026-11-22T12:00:00Z"))));
      const list = await ledger.list({});
      expect(list.map((r) => [r.id, r.costPico])).toEqual([["same", 5n]]);
      expect(summary(await ledger.query({ groupBy: [] }))).toEqual([[{}, 1, 5n]]);
    }),
  );

  it(
    "lists in time order, whatever the recording order, up to a limit",
    withLedger(async (ledger) => {
      await recordAll(ledger, [...FIXTURE].reverse());
      expect((await ledger.list({})).map((r) => r.id)).toEqual(["a", "b", "c", "d", "e", "f"]);
      expect((await ledger.list({ limit: 2 })).map((r) => r.id)).toEqual(["a", "b"]);
      expect((await ledger.list({ tenant: "globex", limit: 2 })).map((r) => r.id)).toEqual([
        "d",
        "e",
      ]);
    }),
  );

  it(
    "sums cost exactly past the int64 range (three calls of 2^63-1 pico-USD)",
    withLedger(async (ledger) => {
      const max = 2n ** 63n - 1n;
      await recordAll(
        ledger,
        ["x", "y", "z"].map((id) => usage(id, "2026-11-22T10:00:00Z", { costPico: max })),
      );
      const [total] = await ledger.query({ groupBy: [] });
      expect(total?.costPico).toBe(3n * max);
      expect(total?.tokens).toEqual({
        inputNoCache: 30,
        inputCacheRead: 6,
        inputCacheWrite: 3,
        outputText: 15,
        outputReasoning: 9,
      });
    }),
  );

  it(
    "answers an empty ledger with no rows",
    withLedger(async (ledger) => {
      expect(await ledger.query({ groupBy: [] })).toEqual([]);
      expect(await ledger.query({ groupBy: ["day"], timeZone: "Asia/Tokyo" })).toEqual([]);
      expect(await ledger.list({})).toEqual([]);
    }),
  );
}

function groupingContract(withLedger: WithLedger): void {
  for (const dimension of Object.keys(VALUE) as Array<keyof typeof VALUE>) {
    it(
      `aggregates by ${dimension}`,
      withLedger(async (ledger) => {
        await recordAll(ledger);
        const rows = await ledger.query({ groupBy: [dimension] });
        const expected = costsBy(dimension);
        // A missing value (no agent, no thread) is its own group, ordered first.
        const keys = [...expected.keys()];
        const defined = keys.filter((k) => k !== undefined).sort();
        expect(rows.map((r) => r.key[dimension])).toEqual(
          keys.includes(undefined) ? [undefined, ...defined] : defined,
        );
        for (const row of rows) {
          expect(row.costPico).toBe(expected.get(row.key[dimension]));
          const calls = FIXTURE.filter((r) => VALUE[dimension](r) === row.key[dimension]).length;
          expect(row.calls).toBe(calls);
          expect(row.tokens.inputNoCache).toBe(10 * calls);
        }
      }),
    );
  }

  it(
    "aggregates by several dimensions at once, ordered by the key",
    withLedger(async (ledger) => {
      await recordAll(ledger);
      const rows = await ledger.query({ groupBy: ["tenant", "model", "tenant"] });
      expect(summary(rows)).toEqual([
        [{ tenant: "acme", model: "m1" }, 2, 300n],
        [{ tenant: "acme", model: "m2" }, 1, 400n],
        [{ tenant: "globex", model: "m1" }, 1, 1_600n],
        [{ tenant: "globex", model: "m2" }, 2, 4_000n],
      ]);
      expect(summary(await ledger.query({ groupBy: [] }))).toEqual([[{}, 6, 6_300n]]);
    }),
  );
}

function dayContract(withLedger: WithLedger): void {
  it(
    "groups by day in UTC and in a zone east of UTC",
    withLedger(async (ledger) => {
      await recordAll(ledger);
      expect(summary(await ledger.query({ groupBy: ["day"] }))).toEqual([
        [{ day: "2026-11-20" }, 2, 300n],
        [{ day: "2026-11-21" }, 2, 1_200n],
        [{ day: "2026-11-22" }, 2, 4_800n],
      ]);
      // Tokyo is UTC+9: 23:30Z on the 21st is the 22nd there, and 16:00Z on the 22nd the 23rd.
      expect(
        summary(await ledger.query({ groupBy: ["day", "tenant"], timeZone: "Asia/Tokyo" })),
      ).toEqual([
        [{ day: "2026-11-20", tenant: "acme" }, 2, 300n],
        [{ day: "2026-11-21", tenant: "acme" }, 1, 400n],
        [{ day: "2026-11-22", tenant: "globex" }, 2, 2_400n],
        [{ day: "2026-11-23", tenant: "globex" }, 1, 3_200n],
      ]);
    }),
  );

  it(
    "groups by day across the autumn DST change (a 25-hour day in New York)",
    withLedger(async (ledger) => {
      await recordAll(ledger, [
        usage("oct31", "2026-11-01T03:59:59.999Z"), // 23:59:59.999 EDT on Oct 31
        usage("start", "2026-11-01T04:00:00.000Z"), // 00:00 EDT on Nov 1
        usage("late", "2026-11-02T04:30:00.000Z"), // 23:30 EST, still Nov 1 (25th hour)
        usage("nov2", "2026-11-02T05:00:00.000Z"), // 00:00 EST on Nov 2
      ]);
      const expected = [
        [{ day: "2026-10-31" }, 1, 1_000n],
        [{ day: "2026-11-01" }, 2, 2_000n],
        [{ day: "2026-11-02" }, 1, 1_000n],
      ];
      const zone = "America/New_York";
      expect(summary(await ledger.query({ groupBy: ["day"], timeZone: zone }))).toEqual(expected);
      const bounded = await ledger.query({
        groupBy: ["day"],
        timeZone: zone,
        from: new Date("2026-11-01T04:00:00Z"),
        to: new Date("2026-11-02T05:00:00Z"),
      });
      expect(summary(bounded)).toEqual([[{ day: "2026-11-01" }, 2, 2_000n]]);
    }),
  );

  it(
    "groups by day across the spring DST change (a 23-hour day in Paris)",
    withLedger(async (ledger) => {
      await recordAll(ledger, [
        usage("mar28", "2026-03-28T23:30:00.000Z"), // 00:30 CET on Mar 29
        usage("gap", "2026-03-29T01:30:00.000Z"), // 03:30 CEST, after 02:00 was skipped
        usage("last", "2026-03-29T21:59:59.999Z"), // 23:59:59.999 CEST on Mar 29
        usage("mar30", "2026-03-29T22:00:00.000Z"), // 00:00 CEST on Mar 30
      ]);
      expect(summary(await ledger.query({ groupBy: ["day"], timeZone: "Europe/Paris" }))).toEqual([
        [{ day: "2026-03-29" }, 3, 3_000n],
        [{ day: "2026-03-30" }, 1, 1_000n],
      ]);
    }),
  );
}

function filterContract(withLedger: WithLedger): void {
  it(
    "filters by from (inclusive), to (exclusive), tenant, thread and run",
    withLedger(async (ledger) => {
      await recordAll(ledger);
      const ids = async (q: Parameters<Ledger["list"]>[0]) =>
        (await ledger.list(q)).map((r) => r.id);
      const from = new Date("2026-11-20T11:00:00.000Z");
      const to = new Date("2026-11-22T00:30:00.000Z");
      expect(await ids({ from, to })).toEqual(["b", "c", "d"]);
      expect(await ids({ tenant: "acme" })).toEqual(["a", "b", "c"]);
      expect(await ids({ threadId: "t3" })).toEqual(["d", "f"]);
      expect(await ids({ runId: "r1" })).toEqual(["a", "b"]);
      expect(await ids({ tenant: "globex", runId: "r3", from: to })).toEqual(["f"]);
      const rows = await ledger.query({ groupBy: ["agent"], from, to, tenant: "acme" });
      expect(summary(rows)).toEqual([[{ agent: "coder" }, 2, 600n]]);
      const byDay = await ledger.query({
        groupBy: ["day"],
        from,
        threadId: "t3",
        timeZone: "Asia/Tokyo",
      });
      expect(summary(byDay)).toEqual([
        [{ day: "2026-11-22" }, 1, 800n],
        [{ day: "2026-11-23" }, 1, 3_200n],
      ]);
    }),
  );
}
