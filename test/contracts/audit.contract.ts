/**
 * The contract every `AuditLog` passes: gapless per-tenant numbering, the documented hash
 * formula (recomputed here independently of core), atomic batches across tenants, validation
 * before any write, redaction before hashing, list filters and paging, verify over chains
 * longer than one page, concurrent appends staying linear, and an export that verifies
 * offline. Each test gets a fresh, empty log from the factory.
 */
import { createHash } from "node:crypto";
import {
  type AuditEvent,
  type AuditLog,
  type AuditLogOptions,
  exportAuditJsonl,
  type NewAuditEvent,
  verifyAuditLines,
} from "@conclave/core";
import { afterEach, describe, expect, it } from "vitest";

/** A log under test and how to dispose of it. */
export interface AuditHandle {
  log: AuditLog;
  cleanup: () => Promise<void>;
}

/** Makes a fresh, empty log with the given options. */
export type MakeAuditLog = (options?: AuditLogOptions) => Promise<AuditHandle>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** An event with defaults; `over` replaces fields. */
export function auditEvent(tenant: string, over: Partial<NewAuditEvent> = {}): NewAuditEvent {
  return { tenant, kind: "run.created", actor: "key:k1", data: {}, ...over };
}

/** `n` events of one tenant, numbered in their data. */
export function auditEvents(tenant: string, n: number, from = 0): NewAuditEvent[] {
  return Array.from({ length: n }, (_, i) =>
    auditEvent(tenant, { kind: "tool.call", runId: `r${(from + i) % 3}`, data: { i: from + i } }),
  );
}

/**
 * The documented hash, computed without core: keys of the payload and of the data sorted,
 * data embedded as its JSON text, then sha256(prevHash + "\n" + payload).
 */
export function expectedHash(event: AuditEvent): string {
  const data = `{${Object.keys(event.data)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify(event.data[k])}`)
    .join(",")}}`;
  const payload =
    `{"actor":${JSON.stringify(event.actor)},"data":${JSON.stringify(data)},"format":1,` +
    `"id":${JSON.stringify(event.id)},"kind":${JSON.stringify(event.kind)},` +
    `"runId":${JSON.stringify(event.runId ?? null)},"seq":${event.seq},` +
    `"tenant":${JSON.stringify(event.tenant)},"threadId":${JSON.stringify(event.threadId ?? null)},` +
    `"ts":${JSON.stringify(event.ts)}}`;
  return createHash("sha256").update(`${event.prevHash}\n${payload}`).digest("hex");
}

/** Runs the audit contract against one implementation. */
export function runAuditContract(name: string, make: MakeAuditLog): void {
  describe(`AuditLog contract: ${name}`, () => {
    let handle: AuditHandle | undefined;
    const open = async (options?: AuditLogOptions) => {
      handle = await make(options);
      return handle.log;
    };
    afterEach(async () => {
      await handle?.cleanup();
      handle = undefined;
    });

    it("numbers each tenant's events 1, 2, 3... and chains them with the documented hash", async () => {
      const log = await open();
      const first = await log.append([
        auditEvent("acme", { runId: "r1", data: { b: 2, a: "x" } }),
        auditEvent("acme", { kind: "run.started", actor: null, threadId: "t1" }),
      ]);
      const [third] = await log.append([auditEvent("acme", { kind: "run.finished" })]);
      const events = [...first, third!];
      expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
      expect(events.map((e) => e.prevHash)).toEqual(["", events[0]!.hash, events[1]!.hash]);
      for (const event of events) {
        expect(event.id).toMatch(UUID);
        expect(event.ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        expect(event.hash).toBe(expectedHash(event));
      }
      expect(await log.list({ tenant: "acme" })).toEqual(events);
      expect(await log.head("acme")).toEqual({ tenant: "acme", seq: 3, hash: events[2]!.hash });
      expect(await log.verify("acme")).toMatchObject({ ok: true, count: 3 });
    });

    it("chains events whose text mimics the payload's own keys, and any Unicode", async () => {
      const log = await open();
      const tricky = ',"seq":0,"tenant":"x"';
      const stored = await log.append([
        auditEvent("acme", { runId: tricky, threadId: `t${tricky}`, actor: `user:${tricky}` }),
        auditEvent("acme", { data: { note: `é 日本 🧪 a\u0301 \\ "q"\n${tricky}`, seq: 7 } }),
        auditEvent(`ténant${tricky}`, { kind: "tool.call", data: { seq: "0" } }),
      ]);
      for (const event of stored) expect(event.hash).toBe(expectedHash(event));
      expect(stored.map((e) => e.seq)).toEqual([1, 2, 1]);
      expect(await log.verify("acme")).toMatchObject({ ok: true, count: 2 });
      expect(await log.verify(`ténant${tricky}`)).toMatchObject({ ok: true, count: 1 });
      expect(await log.list({ tenant: "acme" })).toEqual(stored.slice(0, 2));
    });

    it("stores absent fields as absent and takes ts from the clock or the event", async () => {
      const log = await open({ now: () => new Date("2026-11-22T14:15:00Z") });
      const [a, b] = await log.append([
        auditEvent("acme", { data: undefined }),
        auditEvent("acme", { ts: "2026-01-02T03:04:05+01:00" }),
      ]);
      expect(a).not.toHaveProperty("runId");
      expect(a).not.toHaveProperty("threadId");
      expect(a).toMatchObject({ ts: "2026-11-22T14:15:00.000Z", actor: "key:k1", data: {} });
      expect(b!.ts).toBe("2026-01-02T02:04:05.000Z");
    });

    it("appends a batch spanning tenants in order, each tenant on its own chain", async () => {
      const log = await open();
      const stored = await log.append(["a", "b", "a", "b", "a"].map((t) => auditEvent(t)));
      expect(stored.map((e) => `${e.tenant}${e.seq}`)).toEqual(["a1", "b1", "a2", "b2", "a3"]);
      expect(stored[2]!.prevHash).toBe(stored[0]!.hash);
      expect(await log.head("b")).toMatchObject({ seq: 2, hash: stored[3]!.hash });
      expect(await log.verify("a")).toMatchObject({ ok: true, count: 3 });
      expect(await log.verify("b")).toMatchObject({ ok: true, count: 2 });
      expect(await log.append([])).toEqual([]);
    });

    it("writes nothing of a batch holding one invalid event", async () => {
      const log = await open();
      await log.append([auditEvent("a")]);
      const bad = [auditEvent("a"), auditEvent("b"), auditEvent("a", { kind: "Run.Created" })];
      await expect(log.append(bad)).rejects.toMatchObject({
        code: "AUDIT_INVALID_EVENT",
        field: "kind",
        index: 2,
        message: expect.stringMatching(/"Run\.Created".*"run\.created".*Nothing in this batch/),
      });
      expect(await log.list({ tenant: "a" })).toHaveLength(1);
      expect(await log.head("b")).toBeUndefined();
      expect(await log.verify("a")).toMatchObject({ ok: true, count: 1 });
    });

    it("rejects events JSON cannot hold, naming the field and the value", async () => {
      const log = await open();
      const cases: Array<[Partial<NewAuditEvent>, string, RegExp]> = [
        [{ tenant: "" }, "tenant", /got ""/],
        [{ actor: undefined as unknown as null }, "actor", /got undefined/],
        [{ runId: "r\u0000" }, "runId", /control character/],
        [{ data: [1] as unknown as Record<string, unknown> }, "data", /expected an object/],
        [{ data: { fn: () => 1 } }, "data.fn", /cannot be stored as JSON/],
        [{ data: { at: [new Map()] } }, "data.at[0]", /is a Map/],
        [{ data: { n: Number.NaN } }, "data.n", /cannot be stored as JSON/],
        [{ ts: "yesterday" }, "ts", /"yesterday"/],
      ];
      for (const [over, field, message] of cases) {
        const attempt = log.append([auditEvent("a", over)]);
        await expect(attempt).rejects.toMatchObject({ code: "AUDIT_INVALID_EVENT", field });
        await expect(attempt).rejects.toThrow(message);
      }
      expect(await log.head("a")).toBeUndefined();
    });

    it("normalises data to JSON: bigint, Date, undefined and -0", async () => {
      const log = await open();
      const data = { cost: 12n, at: new Date(0), gone: undefined, list: [undefined, -0] };
      const [event] = await log.append([auditEvent("a", { data })]);
      const expected = { cost: "12", at: "1970-01-01T00:00:00.000Z", list: [null, 0] };
      expect(event!.data).toEqual(expected);
      expect((await log.list({ tenant: "a" }))[0]!.data).toEqual(expected);
    });

    it("redacts secrets before hashing and storing", async () => {
      const log = await open({ extraSecrets: ["hunter2-registered"] });
      const secrets = ["sk-proj-abcdefghijklmnop", "sk-ant-api03-zyxwvut", "tok123", "hunter2"];
      const [event] = await log.append([
        auditEvent("a", {
          actor: "key:sk-proj-abcdefghijklmnop",
          data: {
            request: { headers: { Authorization: "Bearer tok123", "X-Api-Key": "k" } },
            prompt: "my key is sk-ant-api03-zyxwvut and pw hunter2-registered",
            users: [{ name: "ada", password: "hunter2" }],
          },
        }),
      ]);
      expect(event!.data).toEqual({
        request: { headers: { Authorization: "[REDACTED]", "X-Api-Key": "[REDACTED]" } },
        prompt: "my key is [REDACTED] and pw [REDACTED]",
        users: [{ name: "ada", password: "[REDACTED]" }],
      });
      expect(event!.actor).toBe("key:[REDACTED]");
      expect(event!.hash).toBe(expectedHash(event!));
      const lines: string[] = [];
      await exportAuditJsonl(log, "a", (line) => lines.push(line));
      for (const secret of secrets) expect(lines.join("")).not.toContain(secret);
      expect(await log.verify("a")).toMatchObject({ ok: true, count: 1 });
    });

    it("lists by seq with afterSeq, limit, runId, kinds and a time range", async () => {
      const log = await open();
      const at = (minute: number) => `2026-11-22T10:${String(minute).padStart(2, "0")}:00.000Z`;
      await log.append(
        Array.from({ length: 10 }, (_, i) =>
          auditEvent("a", {
            kind: i % 2 === 0 ? "model.call" : "tool.call",
            runId: i < 5 ? "r1" : "r2",
            ts: at(i),
          }),
        ),
      );
      await log.append([auditEvent("b", { runId: "r1", ts: at(3) })]);
      const seqs = async (query: Parameters<AuditLog["list"]>[0]) =>
        (await log.list(query)).map((e) => e.seq);
      expect(await seqs({ tenant: "a", afterSeq: 3, limit: 4 })).toEqual([4, 5, 6, 7]);
      expect(await seqs({ tenant: "a", runId: "r2", kinds: ["tool.call"] })).toEqual([6, 8, 10]);
      expect(await seqs({ tenant: "a", from: at(2), to: new Date(at(5)) })).toEqual([3, 4, 5]);
      expect(await seqs({ tenant: "a", kinds: [] })).toEqual([]);
      expect(await seqs({ tenant: "a", from: "+275760-01-01T00:00:00Z" })).toEqual([]);
      expect(await seqs({ tenant: "b" })).toEqual([1]);
      expect(await seqs({ tenant: "c" })).toEqual([]);
      await expect(log.list({ tenant: "a", limit: 0 })).rejects.toMatchObject({
        code: "AUDIT_INVALID_QUERY",
      });
      await expect(log.list({ tenant: "a", kinds: ["BAD"] })).rejects.toThrow(/"BAD"/);
      await expect(log.verify("")).rejects.toMatchObject({ code: "AUDIT_INVALID_QUERY" });
    });

    it("verifies a chain longer than a read page, and an unknown tenant as empty", async () => {
      const log = await open();
      for (let i = 0; i < 4; i++) await log.append(auditEvents("big", 1300, i * 1300));
      const result = await log.verify("big");
      expect(result).toMatchObject({ ok: true, count: 5200, head: { seq: 5200 } });
      expect(await log.verify("nobody")).toEqual({
        ok: true,
        tenant: "nobody",
        count: 0,
        head: undefined,
      });
    });

    it("keeps chains linear under concurrent appends", async () => {
      const log = await open();
      const calls = Array.from({ length: 40 }, (_, i) =>
        log.append([
          auditEvent("a", { data: { i } }),
          auditEvent(i % 2 ? "b" : "a", { data: { i } }),
        ]),
      );
      const stored = (await Promise.all(calls)).flat();
      const a = await log.list({ tenant: "a" });
      expect(a.map((e) => e.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
      expect(new Set(stored.map((e) => e.id)).size).toBe(80);
      expect(await log.verify("a")).toMatchObject({ ok: true, count: 60 });
      expect(await log.verify("b")).toMatchObject({ ok: true, count: 20 });
    });

    it("exports JSONL that verifies offline, with the head as the last line", async () => {
      const log = await open();
      await log.append(auditEvents("a", 25));
      await log.append([auditEvent("a", { data: { $t: "literal", nested: { k: [1, "two"] } } })]);
      const lines: string[] = [];
      const exported = await exportAuditJsonl(log, "a", (line) => lines.push(line), {
        pageSize: 7,
      });
      const head = await log.head("a");
      expect(exported).toEqual({ head, count: 26 });
      expect(lines).toHaveLength(27);
      expect(lines.every((line) => line.endsWith("\n"))).toBe(true);
      expect(JSON.parse(lines[0]!)).toMatchObject({ format: 1, seq: 1, tenant: "a", prevHash: "" });
      expect(JSON.parse(lines[26]!)).toEqual({ head });
      expect(await verifyAuditLines(lines)).toEqual({ ok: true, tenant: "a", count: 26, head });
    });
  });
}
