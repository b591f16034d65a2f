import { describe, expect, it } from "vitest";
import { uuidV7 } from "../src/uuid-v7.ts";

const FORMAT = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("uuidV7", () => {
  it("is a version 7, RFC 9562 variant UUID carrying the millisecond", () => {
    const at = Date.parse("2026-11-22T14:15:00.000Z");
    const id = uuidV7(at);
    expect(id).toMatch(FORMAT);
    expect(Number.parseInt(id.replace(/-/g, "").slice(0, 12), 16)).toBe(at);
  });

  it("sorts by time as a string, and does not repeat", () => {
    const ids = Array.from({ length: 5000 }, (_, i) => uuidV7(1_700_000_000_000 + i));
    expect([...ids].sort()).toEqual(ids);
    const sameMs = Array.from({ length: 5000 }, () => uuidV7(1_700_000_000_000));
    expect(new Set(sameMs).size).toBe(sameMs.length);
    for (const id of sameMs) expect(id).toMatch(FORMAT);
  });
});
