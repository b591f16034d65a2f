/**
 * Pricing against the bundled LiteLLM snapshot. Every expected cost is worked out by hand in
 * pico-USD (1e-12 USD) from the JSON fields, and the test first pins those fields so a refreshed
 * table that changes a price fails loudly here instead of silently changing the arithmetic.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { costOf, maxCostOf } from "../src/pricing/cost.ts";
import { NoPriceError } from "../src/pricing/errors.ts";
import { formatUsd } from "../src/pricing/money.ts";
import { defaultPriceTable, loadPriceTable, priceFor } from "../src/pricing/price-table.ts";
import { SIM_PROVIDER } from "../src/pricing/sim-price.ts";
import { BUNDLED_PRICES_URL } from "../src/pricing/snapshot.ts";

const raw = JSON.parse(readFileSync(BUNDLED_PRICES_URL, "utf8")) as Record<
  string,
  Record<string, unknown>
>;
const table = defaultPriceTable();

function usage(
  noCache: number,
  output: number,
  extra: { cacheRead?: number; cacheWrite?: number; reasoning?: number } = {},
) {
  return {
    input: { noCache, cacheRead: extra.cacheRead ?? 0, cacheWrite: extra.cacheWrite ?? 0 },
    output: { text: output, reasoning: extra.reasoning ?? 0 },
  };
}

describe("priceFor: lookup", () => {
  it("finds bare, provider-prefixed, AI SDK provider ids and dated versions", () => {
    expect(table.priceFor("openai.chat", "gpt-4o").model).toBe("gpt-4o");
    expect(table.priceFor("openai", "openai/gpt-4o").model).toBe("gpt-4o");
    expect(table.priceFor("google.generative-ai", "gemini-2.5-pro").model).toBe(
      "gemini/gemini-2.5-pro",
    );
    expect(table.priceFor("xai", "grok-4-0709").model).toBe("xai/grok-4-0709");
    expect(table.priceFor("anthropic.messages", "claude-sonnet-4-5-20250929").model).toBe(
      "claude-sonnet-4-5-20250929",
    );
    // Not in the table dated; the undated alias carries the price.
    expect(raw["claude-sonnet-4-5-20991231"]).toBeUndefined();
    expect(table.priceFor("anthropic", "claude-sonnet-4-5-20991231").model).toBe(
      "claude-sonnet-4-5",
    );
    expect(priceFor(undefined, "gpt-4o-mini").provider).toBe("openai");
  });

  it("filters bare keys by litellm_provider: an OpenAI model is not priced for Anthropic", () => {
    expect(raw["gpt-4o"]?.litellm_provider).toBe("openai");
    expect(() => table.priceFor("anthropic", "gpt-4o")).toThrow(NoPriceError);
  });

  it("versions prices by table hash and snapshot date", () => {
    expect(table.version).toBe("litellm:2026-07-24:4c6858bb791b");
    expect(table.size).toBe(2981); // 2,982 models; two keys differ only in case
    expect(table.priceFor("openai", "gpt-4o").priceVersion).toBe(table.version);
  });

  it("names the model, close matches and the fix when no price is known", () => {
    let error: unknown;
    try {
      table.priceFor("openai", "gpt-4o-mega");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(NoPriceError);
    const noPrice = error as NoPriceError;
    expect(noPrice.code).toBe("MODEL_PRICE_MISSING");
    expect(noPrice.closeMatches).toEqual(["gpt-4o-mini", "gpt-4o", "gpt-4-0314"]);
    expect(noPrice.message).toContain('No price for model "gpt-4o-mega" from provider "openai"');
    expect(noPrice.message).toContain("Close matches: gpt-4o-mini, gpt-4o");
    expect(noPrice.message).toContain("set a price on the deployment");
    expect(noPrice.message).toContain(table.version);
  });

  it("explains an entry that has no per-token price", () => {
    expect(raw["openai/sora-2"]?.input_cost_per_token).toBeUndefined();
    expect(() => table.priceFor("openai", "sora-2")).toThrow(/has no per-token price/);
  });
});

describe("costOf: real models", () => {
  it("gpt-4o: uncached input, cache read and text output", () => {
    expect(raw["gpt-4o"]).toMatchObject({
      input_cost_per_token: 0.0000025, // 2,500,000 pico
      output_cost_per_token: 0.00001, // 10,000,000 pico
      cache_read_input_token_cost: 0.00000125, // 1,250,000 pico
    });
    const cost = costOf(table.priceFor("openai", "gpt-4o"), usage(1200, 350, { cacheRead: 800 }));
    expect(cost.input).toBe(1200n * 2_500_000n);
    expect(cost.cacheRead).toBe(800n * 1_250_000n);
    expect(cost.output).toBe(350n * 10_000_000n);
    expect(cost.total).toBe(7_500_000_000n);
    expect(formatUsd(cost.total, 4)).toBe("0.0075");
  });

  it("claude-sonnet-4-5: cache write at cache_creation_input_token_cost", () => {
    expect(raw["claude-sonnet-4-5-20250929"]).toMatchObject({
      input_cost_per_token: 0.000003,
      output_cost_per_token: 0.000015,
      cache_read_input_token_cost: 3e-7,
      cache_creation_input_token_cost: 0.00000375,
    });
    const price = table.priceFor("anthropic.messages", "claude-sonnet-4-5-20250929");
    const cost = costOf(price, usage(2000, 500, { cacheRead: 10_000, cacheWrite: 4000 }));
    // 2000*3e6 + 10000*3e5 + 4000*3.75e6 + 500*1.5e7 = 6e9 + 3e9 + 1.5e10 + 7.5e9
    expect(cost.total).toBe(31_500_000_000n);
    expect(cost.cacheWrite).toBe(15_000_000_000n);
    expect(cost.tierAboveTokens).toBeUndefined();
  });

  it("reasoning at output_cost_per_reasoning_token when listed, else at the output rate", () => {
    expect(raw["dashscope/qwen-turbo"]).toMatchObject({
      output_cost_per_token: 2e-7,
      output_cost_per_reasoning_token: 5e-7,
    });
    const qwen = costOf(
      table.priceFor("dashscope", "qwen-turbo"),
      usage(0, 100, { reasoning: 400 }),
    );
    expect(qwen.output).toBe(100n * 200_000n);
    expect(qwen.reasoning).toBe(400n * 500_000n);

    expect(raw.o3?.output_cost_per_reasoning_token).toBeUndefined();
    expect(raw.o3?.output_cost_per_token).toBe(0.000008);
    const o3 = costOf(table.priceFor("openai", "o3"), usage(0, 100, { reasoning: 400 }));
    expect(o3.reasoning).toBe(400n * 8_000_000n);
  });

  it("cache writes fall back to the input rate when the model lists no cache-write price", () => {
    expect(raw.o3?.cache_creation_input_token_cost).toBeUndefined();
    expect(raw.o3?.input_cost_per_token).toBe(0.000002);
    const cost = costOf(table.priceFor("openai", "o3"), usage(0, 0, { cacheWrite: 1000 }));
    expect(cost.cacheWrite).toBe(1000n * 2_000_000n);
  });

  it("accepts the AI SDK's provider-level and flattened usage shapes", () => {
    const price = table.priceFor("openai", "gpt-4o");
    const v4 = costOf(price, {
      inputTokens: { total: 2000, noCache: undefined, cacheRead: 800, cacheWrite: undefined },
      outputTokens: { total: 350, text: undefined, reasoning: undefined },
    });
    const flat = costOf(price, {
      inputTokens: 2000,
      inputTokenDetails: { noCacheTokens: 1200, cacheReadTokens: 800, cacheWriteTokens: 0 },
      outputTokens: 350,
      outputTokenDetails: { textTokens: 350, reasoningTokens: 0 },
      totalTokens: 2350,
    });
    expect(v4.total).toBe(7_500_000_000n);
    expect(flat.total).toBe(7_500_000_000n);
  });

  it("rejects negative or fractional token counts with INVALID_USAGE", () => {
    const price = table.priceFor("openai", "gpt-4o");
    expect(() => costOf(price, usage(-1, 0))).toThrow(/"noCache" is -1/);
    expect(() => costOf(price, usage(0, 1.5))).toThrow(
      expect.objectContaining({ code: "INVALID_USAGE" }),
    );
  });
});

describe("costOf: long-context tiers (the prompt includes cached tokens)", () => {
  const cases = [
    // model, threshold, base in/out, tier in/out (pico per token), from the JSON fields
    ["xai", "grok-4-0709", 128_000, [3_000_000n, 15_000_000n], [6_000_000n, 30_000_000n]],
    [
      "anthropic",
      "claude-sonnet-4-5",
      200_000,
      [3_000_000n, 15_000_000n],
      [6_000_000n, 22_500_000n],
    ],
    ["openai", "gpt-5.4", 272_000, [2_500_000n, 15_000_000n], [5_000_000n, 22_500_000n]],
  ] as const;

  it.each(cases)(
    "%s %s: below, at and above %i tokens",
    (provider, model, threshold, base, tier) => {
      const entry = raw[provider === "xai" ? `xai/${model}` : model]!;
      const suffix = `_above_${threshold / 1000}k_tokens`;
      expect(BigInt(Math.round(Number(entry[`input_cost_per_token${suffix}`]) * 1e12))).toBe(
        tier[0],
      );
      expect(BigInt(Math.round(Number(entry[`output_cost_per_token${suffix}`]) * 1e12))).toBe(
        tier[1],
      );
      const price = table.priceFor(provider, model);
      for (const [prompt, rates, tierUsed] of [
        [threshold - 1, base, undefined],
        [threshold, base, undefined],
        [threshold + 1, tier, threshold],
      ] as const) {
        const cost = costOf(price, usage(prompt, 1000));
        expect(cost.total).toBe(BigInt(prompt) * rates[0] + 1000n * rates[1]);
        expect(cost.tierAboveTokens).toBe(tierUsed);
      }
    },
  );

  it("crosses a tier through cached tokens and bills the cache at tier cache rates", () => {
    expect(raw["claude-sonnet-4-5"]).toMatchObject({
      cache_read_input_token_cost_above_200k_tokens: 6e-7,
      cache_creation_input_token_cost_above_200k_tokens: 0.0000075,
    });
    const price = table.priceFor("anthropic", "claude-sonnet-4-5");
    const cost = costOf(price, usage(100_000, 10, { cacheRead: 99_999, cacheWrite: 2 }));
    expect(cost.promptTokens).toBe(200_001);
    expect(cost.tierAboveTokens).toBe(200_000);
    expect(cost.total).toBe(
      100_000n * 6_000_000n + 99_999n * 600_000n + 2n * 7_500_000n + 10n * 22_500_000n,
    );
  });

  it("bills cache reads at the tier input rate when the model lists no cache price", () => {
    expect(raw["xai/grok-4-0709"]?.cache_read_input_token_cost).toBeUndefined();
    const price = table.priceFor("xai", "grok-4-0709");
    const cost = costOf(price, usage(128_000, 0, { cacheRead: 1 }));
    expect(cost.cacheRead).toBe(6_000_000n);
  });
});

describe("overrides", () => {
  it("table overrides merge over the entry, deployment overrides win over both", () => {
    const custom = table.withOverrides({ "openai/gpt-4o": { input_cost_per_token: "0.000002" } });
    const merged = custom.priceFor("openai.chat", "gpt-4o");
    expect(merged.source).toBe("override");
    expect(merged.rates.input).toBe(2_000_000n);
    expect(merged.rates.output).toBe(10_000_000n); // kept from the table
    expect(merged.priceVersion).toMatch(/^litellm:2026-07-24:4c6858bb791b\+override:[0-9a-f]{8}$/);

    const deployment = custom.priceFor("openai", "gpt-4o", { input_cost_per_token: 0.000001 });
    expect(deployment.rates.input).toBe(1_000_000n);
    expect(deployment.rates.cacheRead).toBe(1_250_000n);
    expect(table.priceFor("openai", "gpt-4o").rates.input).toBe(2_500_000n); // original untouched
  });

  it("prices a self-hosted model that the table does not know", () => {
    const price = table.priceFor("vllm", "llama-3.3-70b-local", {
      input_cost_per_token: "0.0000001",
      output_cost_per_token: "0.0000002",
    });
    expect(costOf(price, usage(1000, 1000)).total).toBe(300_000_000n);
    const viaLoad = loadPriceTable(undefined, {
      overrides: { "vllm/llama-3.3-70b-local": { input_cost_per_token: 1e-7 } },
    });
    expect(viaLoad.priceFor("vllm", "llama-3.3-70b-local").rates.input).toBe(100_000n);
  });

  it("has a built-in price for the offline sim model", () => {
    const price = table.priceFor(SIM_PROVIDER, "sim-default");
    expect(price.source).toBe("builtin");
    expect(costOf(price, usage(100_000, 100_000)).total).toBe(500_000_000_000n); // $0.10 + $0.40
  });
});

describe("maxCostOf", () => {
  it("reserves every prompt token at the dearest input rate and max output at the output rate", () => {
    const price = table.priceFor("anthropic", "claude-sonnet-4-5");
    // Cache writes (3.75e-6) cost more than uncached input (3e-6).
    expect(maxCostOf(price, { promptTokens: 1000, maxOutputTokens: 100 })).toBe(
      1000n * 3_750_000n + 100n * 15_000_000n,
    );
  });
});
