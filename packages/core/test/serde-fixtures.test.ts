/**
 * Frozen v1 fixtures (written once by fixtures/generate-v1.ts) still load: the serde format,
 * the row format, the hash chain, snapshots, forks and a pruned anchor. If one of these tests
 * fails, a change broke reading rows that users already have on disk.
 */
import { readFileSync } from "node:fs";
import {
  type CheckpointRow,
  decode,
  decodePayload,
  encode,
  type ReadRow,
  replayChain,
  rowKey,
  type ThreadHead,
  verifyThread,
} from "@conclave/core";
import { describe, expect, it } from "vitest";
import { FIXTURE_STEPS, FIXTURE_VALUE } from "./fixtures/values.ts";

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./fixtures/v1/${name}`, import.meta.url), "utf8"));

function loadThread(thread: string) {
  return fixture(`rows-${thread}.json`) as { rows: CheckpointRow[]; head: ThreadHead };
}

function rebuild(rows: CheckpointRow[], ns: string, id: string): Record<string, unknown> {
  const byKey = new Map(rows.map((row) => [rowKey(row.ns, row.id), row]));
  const chain: ReadRow[] = [];
  for (let row = byKey.get(rowKey(ns, id)); row !== undefined; ) {
    chain.push(row);
    if (row.snapshot !== null || row.parentId === null) break;
    row = byKey.get(rowKey(ns, row.parentId));
  }
  return replayChain(chain).values;
}

describe("format v1 fixtures", () => {
  it("decode the serde fixture to the exact value, and encoding it is still byte-identical", () => {
    const { encoded } = fixture("serde.json") as { encoded: string };
    expect(decode(encoded)).toEqual(FIXTURE_VALUE);
    expect(Object.is((decode(encoded) as { negZero: number }).negZero, -0)).toBe(true);
    // Equal bytes keep hashes stable; if this fails on purpose, bump SERDE_FORMAT_VERSION.
    expect(encode(FIXTURE_VALUE)).toBe(encoded);
  });

  it("verify the stored chains, including a fork, a namespace and a pruned anchor", () => {
    for (const thread of ["fx-main", "fx-pruned"]) {
      const { rows, head } = loadThread(thread);
      expect(verifyThread(thread, rows, head)).toEqual({ ok: true, checked: rows.length });
    }
  });

  it("rebuild every stored checkpoint to the exact values that were written", () => {
    const rows = [...loadThread("fx-main").rows, ...loadThread("fx-pruned").rows];
    const present = FIXTURE_STEPS.filter((s) => rows.some((r) => r.id === s.id));
    expect(present.map((s) => s.id)).toEqual(
      FIXTURE_STEPS.map((s) => s.id).filter((id) => id !== "fx-0007"),
    );
    for (const step of present) {
      expect(rebuild(rows, step.ns, step.id), step.id).toEqual(step.values);
      const row = rows.find((r) => r.id === step.id)!;
      const payload = decodePayload(row.payload, row.id);
      expect(payload).toMatchObject({
        format: 1,
        id: step.id,
        thread_id: step.thread,
        ns: step.ns,
      });
      expect(payload.delta).toEqual(step.delta);
    }
  });
});
