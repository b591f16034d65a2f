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
    expect(window.total(1200)).toBe(1);
    window.correct(estimate, 1_000);
    expect(window.total(1200)).toBe(1);
  });

  it("keeps exact sums over many expiries, and across growth of its ring", () => {
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

  it("keeps every entry's handle valid while the ring grows with entries in the window", () => {
    const window = new SlidingWindow(1_000_000);
    const handles = Array.from({ length: 500 }, (_, i) => window.add(i, 1));
    for (const handle of handles) window.correct(handle, 2);
    expect(window.total(500)).toBe(1000);
    expect(window.count(500)).toBe(500);
    // A handle that has left the window no longer changes the sum.
    window.add(1_000_100, 5);
    window.correct(handles[0]!, 1_000);
    expect(window.total(1_000_100)).toBe(2 * 399 + 5);
  });
});
