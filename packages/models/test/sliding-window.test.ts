import { describe, expect, it } from "vitest";
import { SlidingWindow } from "../src/router/sliding-window.ts";

describe("SlidingWindow", () => {
  it("sums and counts the entries of the last window; older ones fall out", () => {
    const window = new SlidingWindow(1000);
    window.add(0, 5);
    window.add(400, 7);
    expect(window.total(999)).toBe(12);
    expect(window.count(999)).toBe(2);
    expect(window.nextExpiry(999)).toBe(1000);
    // An entry leaves once it is windowMs old.
    expect(window.total(1000)).toBe(7);
    expect(window.nextExpiry(1000)).toBe(1400);
    expect(window.total(1400)).toBe(0);
    expect(window.count(1400)).toBe(0);
    expect(window.nextExpiry(1400)).toBe(undefined);
  });

  it("corrects an entry's amount while it is in the window, and not after", () => {
    const window = new SlidingWindow(1000);
    const estimate = window.add(0, 100);
    window.add(500, 1);
    window.correct(estimate, 40);
    expect(window.total(600)).toBe(41);
    expect(estimate.amount).toBe(40);
    expect(window.total(1200)).toBe(1);
    window.correct(estimate, 1_000);
    expect(window.total(1200)).toBe(1);
  });

  it("keeps exact sums over many expiries (the array is compacted as it goes)", () => {
    const window = new SlidingWindow(100);
    let expected = 0;
    for (let t = 0; t < 50_000; t++) {
      window.add(t, (t % 7) + 1);
      if (t >= 99) {
        expected = 0;
        for (let s = t - 99; s <= t; s++) expected += (s % 7) + 1;
        expect(window.total(t)).toBe(expected);
      }
    }
    expect(window.count(49_999)).toBe(100);
  });
});
