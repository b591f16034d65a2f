/**
 * The pure audit chain check on rows in memory and on exported JSONL files: each kind of
 * damage is reported at the first bad seq with its reason, and never thrown. Also the group
 * commit queue the network adapters append through.
 */
import {
  AuditAppendQueue,
  type AuditEvent,
  type AuditHead,
  type AuditRow,
  auditRowFromEvent,
  exportAuditJsonl,
  MemoryAuditLog,
  type PreparedAuditEvent,
  verifyAuditLines,
  verifyAuditRows,
} from "@conclave/core";
import { describe, expect, it } from "vitest";
import { auditEvents } from "../../../test/contracts/audit.contract.ts";

async function seeded(): Promise<{ rows: AuditRow[]; head: AuditHead; lines: string[] }> {
  const log = new MemoryAuditLog();
  const events = await log.append(auditEvents("acme", 6));
  const lines: string[] = [];
  const { head } = await exportAuditJsonl(log, "acme", (line) => lines.push(line.trimEnd()));
  return { rows: events.map(auditRowFromEvent), head, lines };
}

describe("verifyAuditRows", () => {
  type Tamper = (rows: AuditRow[], head: AuditHead) => AuditHead | undefined;
  /** Mutates the rows, keeping the head as it was. */
  const rowsOnly =
    (change: (rows: AuditRow[]) => void): Tamper =>
    (rows, head) => {
      change(rows);
      return head;
    };
  const cases: Array<[string, Tamper, number, string]> = [
    [
      "an edited field",
      rowsOnly((rows) => {
        rows[2]!.kind = "run.finished";
      }),
      3,
      "hash-mismatch",
    ],
    [
      "edited data",
      rowsOnly((rows) => {
        rows[3]!.data = rows[3]!.data.replace("3", "4");
      }),
      4,
      "hash-mismatch",
    ],
    ["a deleted first row", rowsOnly((rows) => rows.splice(0, 1)), 1, "seq-gap"],
    ["a deleted middle row", rowsOnly((rows) => rows.splice(2, 1)), 3, "seq-gap"],
    ["a deleted newest row", rowsOnly((rows) => rows.pop()), 6, "truncated"],
    [
      "a renumbered swap",
      rowsOnly((rows) => {
        [rows[1]!.seq, rows[4]!.seq] = [rows[4]!.seq, rows[1]!.seq];
        rows.sort((a, b) => a.seq - b.seq);
      }),
      2,
      "broken-link",
    ],
    [
      "a replaced prevHash",
      rowsOnly((rows) => {
        rows[4]!.prevHash = "f".repeat(64);
      }),
      5,
      "broken-link",
    ],
    ["a missing head", () => undefined, 6, "head-missing"],
    ["a stale head", (rows, head) => ({ ...head, seq: 5, hash: rows[4]!.hash }), 6, "beyond-head"],
    [
      "a replaced head hash",
      (_rows, head) => ({ ...head, hash: "0".repeat(64) }),
      6,
      "head-mismatch",
    ],
  ];
  for (const [name, tamper, seq, reason] of cases) {
    it(`reports ${name} at seq ${seq} as ${reason}`, async () => {
      const { rows, head } = await seeded();
      expect(verifyAuditRows("acme", rows, head)).toMatchObject({ ok: true, count: 6 });
      const result = verifyAuditRows("acme", rows, tamper(rows, head));
      expect(result).toMatchObject({ ok: false, tenant: "acme", seq, reason });
      expect(result.ok === false && result.message.length).toBeGreaterThan(20);
    });
  }

  it("reports a whole tenant deleted when the tenant count says one is missing", () => {
    expect(verifyAuditRows("acme", [], undefined, { tenantMissing: true })).toMatchObject({
      ok: false,
      seq: 1,
      reason: "tenant-missing",
    });
    expect(verifyAuditRows("acme", [], undefined)).toMatchObject({ ok: true, count: 0 });
  });
});

describe("verifyAuditLines", () => {
  const edit = (lines: string[], i: number, change: (event: AuditEvent) => void) => {
    const event = JSON.parse(lines[i]!) as AuditEvent;
    change(event);
    lines[i] = JSON.stringify(event);
  };
  const cases: Array<[string, (lines: string[]) => void, number, string]> = [
    ["edited data", (l) => edit(l, 2, (e) => (e.data.i = 99)), 3, "hash-mismatch"],
    ["an edited actor", (l) => edit(l, 0, (e) => (e.actor = "user:mallory")), 1, "hash-mismatch"],
    ["a deleted line", (l) => l.splice(3, 1), 4, "seq-gap"],
    ["swapped lines", (l) => ([l[1], l[4]] = [l[4]!, l[1]!]), 2, "seq-gap"],
    ["a deleted newest event", (l) => l.splice(5, 1), 6, "truncated"],
    ["a missing head line", (l) => l.pop(), 7, "truncated"],
    ["lines after the head", (l) => l.push(l[0]!), 7, "beyond-head"],
    ["a line that is not JSON", (l) => (l[2] = "{oops"), 3, "row-corrupt"],
    ["another tenant's line", (l) => edit(l, 1, (e) => (e.tenant = "other")), 2, "row-corrupt"],
  ];
  for (const [name, tamper, seq, reason] of cases) {
    it(`reports ${name} at seq ${seq} as ${reason}`, async () => {
      const { lines } = await seeded();
      expect(await verifyAuditLines(lines)).toMatchObject({ ok: true, count: 6 });
      tamper(lines);
      expect(await verifyAuditLines(lines)).toMatchObject({ ok: false, seq, reason });
    });
  }

  it("accepts an async line source with blank lines, and an empty tenant's export", async () => {
    const { lines, head } = await seeded();
    async function* source() {
      for (const line of lines) yield `${line}\n`;
      yield "";
    }
    expect(await verifyAuditLines(source())).toEqual({ ok: true, tenant: "acme", count: 6, head });
    const empty: string[] = [];
    await exportAuditJsonl(new MemoryAuditLog(), "none", (line) => empty.push(line));
    expect(await verifyAuditLines(empty)).toMatchObject({ ok: true, tenant: "none", count: 0 });
  });
});

describe("AuditAppendQueue", () => {
  const prepared = (tag: string): PreparedAuditEvent[] => [
    {
      tenant: "t",
      id: tag,
      ts: "2026-01-01T00:00:00.000Z",
      kind: "tool.call",
      actor: null,
      runId: null,
      threadId: null,
      data: "{}",
    },
  ];
  const stored = (batch: PreparedAuditEvent[]) =>
    batch.map(
      (e, i) => ({ ...e, seq: i, data: {}, prevHash: "", hash: "" }) as unknown as AuditEvent,
    );

  it("groups the calls made while a write is in flight, in call order", async () => {
    const batches: string[][] = [];
    const queue = new AuditAppendQueue(async (batch) => {
      batches.push(batch.map((e) => e.id));
      return stored(batch);
    });
    const results = await Promise.all(["a", "b", "c"].map((tag) => queue.enqueue(prepared(tag))));
    expect(batches).toEqual([["a"], ["b", "c"]]);
    expect(results.map((r) => r.map((e) => e.id))).toEqual([["a"], ["b"], ["c"]]);
  });

  it("retries a rejected group call by call, so only the failing call fails", async () => {
    const queue = new AuditAppendQueue(
      async (batch) => {
        if (batch.some((e) => e.id === "bad"))
          throw Object.assign(new Error("rejected"), { code: "23505" });
        return stored(batch);
      },
      { isRejection: (error) => (error as { code?: string }).code === "23505" },
    );
    const calls = ["first", "ok", "bad", "ok2"].map((tag) => queue.enqueue(prepared(tag)));
    const settled = await Promise.allSettled(calls);
    expect(settled.map((s) => s.status)).toEqual([
      "fulfilled",
      "fulfilled",
      "rejected",
      "fulfilled",
    ]);
  });

  it("fails the whole group when the error does not prove a rollback", async () => {
    let writes = 0;
    const queue = new AuditAppendQueue(async (batch) => {
      writes++;
      if (batch.length > 1) throw new Error("connection lost");
      return stored(batch);
    });
    const settled = await Promise.allSettled(
      ["a", "b", "c"].map((t) => queue.enqueue(prepared(t))),
    );
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "rejected", "rejected"]);
    expect(writes).toBe(2);
  });
});
