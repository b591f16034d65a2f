/**
 * Prompt token counting in chunks: exact for ordinary text (cuts fall after whitespace, where the
 * tokenizer splits words anyway), close for one unbroken run, and linear in time.
 */
import { countTokens } from "gpt-tokenizer";
import { describe, expect, it } from "vitest";
import { countTextTokens } from "../src/sim/sim-prompt.ts";

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
