/**
 * Prompt token counting in chunks: exact for ordinary text (cuts fall after whitespace, where the
 * tokenizer splits words anyway), close for one unbroken run, and linear in time.
 */
import { countTokens } from "gpt-tokenizer";
import { describe, expect, it } from "vitest";
import { countTextTokens } from "../src/sim/sim-prompt.ts";
import { TokenMemo } from "../src/sim/token-memo.ts";

const OPTIONS = { disallowedSpecial: new Set<string>() };

describe("countTextTokens", () => {
  it("matches the tokenizer exactly on long ordinary text", () => {
    const words = ["durable", "agent", "runtime,", "checkpoint.", "Résumé", "数据"];
    const text = Array.from(
      { length: 12_000 },
      (_, i) => `${words[i % words.length]}${i % 13}`,
    ).join(" ");
    expect(text.length).toBeGreaterThan(50_000);
    expect(countTextTokens(text)).toBe(countTokens(text, OPTIONS));
  });

  it("counts short text in one piece", () => {
    expect(countTextTokens("hello world")).toBe(countTokens("hello world", OPTIONS));
  });

  it("stays within one token per forced cut on an unbroken run", () => {
    const run = "ab".repeat(5_000);
    const exact = countTokens(run, OPTIONS);
    const cuts = Math.ceil(run.length / 2_000);
    expect(Math.abs(countTextTokens(run) - exact)).toBeLessThanOrEqual(cuts);
  });
});

describe("TokenMemo", () => {
  const text = (i: number) => `a conversation turn long enough to remember, number ${i}`;

  it("counts a text once while it is remembered, and again after it was forgotten", () => {
    const memo = new TokenMemo(2, 1_000);
    const counted: string[] = [];
    const count = (t: string) => {
      counted.push(t);
      return t.length;
    };
    expect(memo.count(text(1), count)).toBe(text(1).length);
    expect(memo.count(text(1), count)).toBe(text(1).length);
    memo.count(text(2), count);
    memo.count(text(1), count); // now the most recently used
    memo.count(text(3), count); // evicts text(2)
    memo.count(text(1), count);
    memo.count(text(2), count);
    expect(counted).toEqual([text(1), text(2), text(3), text(2)]);
    expect(memo.size).toBe(2);
  });

  it("bounds the characters it holds, and skips short and oversized texts", () => {
    const memo = new TokenMemo(100, 120);
    for (let i = 0; i < 10; i++) memo.count(text(i), (t) => t.length);
    expect(memo.size).toBe(2);
    memo.count("short", (t) => t.length);
    memo.count("x".repeat(500), (t) => t.length);
    expect(memo.size).toBe(2);
  });
});
