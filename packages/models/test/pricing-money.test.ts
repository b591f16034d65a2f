/** Exact money: decimal USD to integer pico-USD and back, and the 1,000-call exact sum. */
import { readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { costOf } from "../src/pricing/cost.ts";
import { formatUsd, toUsd, usdToPico } from "../src/pricing/money.ts";
import { defaultPriceTable } from "../src/pricing/price-table.ts";
import { BUNDLED_PRICES_URL } from "../src/pricing/snapshot.ts";

describe("usdToPico / formatUsd / toUsd", () => {
  it("converts decimal strings and JSON numbers exactly", () => {
    expect(usdToPico("0.0000025")).toBe(2_500_000n);
    expect(usdToPico(2.5e-6)).toBe(2_500_000n);
    expect(usdToPico(1e-7)).toBe(100_000n);
    expect(usdToPico("1.25E-10")).toBe(125n);
    expect(usdToPico(3)).toBe(3_000_000_000_000n);
    expect(usdToPico("0")).toBe(0n);
  });

  it("rounds float artefacts past 12 decimals half-to-even", () => {
    expect(usdToPico(0.0000029999900000000002)).toBe(2_999_990n);
    expect(usdToPico("0.0000000000005")).toBe(0n); // half, to even
    expect(usdToPico("0.0000000000015")).toBe(2n);
  });

  it("rejects negative and non-numeric prices with INVALID_PRICE", () => {
    expect(() => usdToPico(-1)).toThrow(expect.objectContaining({ code: "INVALID_PRICE" }));
    expect(() => usdToPico("abc")).toThrow(/got "abc"/);
    expect(() => usdToPico(Number.NaN)).toThrow(/INVALID_PRICE|non-negative/);
  });

  it("formats to the cent (half-to-even) and converts to a display number", () => {
    expect(formatUsd(12_345_678_900_000n, 2)).toBe("12.35");
    expect(formatUsd(5_000_000_000n, 2)).toBe("0.00"); // half a cent, to even
    expect(formatUsd(15_000_000_000n, 2)).toBe("0.02");
    expect(formatUsd(7_500_000_000n)).toBe("0.007500");
    expect(formatUsd(-1_000_000_000_000n, 0)).toBe("-1");
    expect(toUsd(7_500_000_000n)).toBe(0.0075);
  });
});

describe("bundled data", () => {
  it("ships in the package and resolves from src and from dist", () => {
    const manifest = JSON.parse(
      readFileSync(new URL("../package.json", import.meta.url), "utf8"),
    ) as { files: string[] };
    expect(manifest.files).toContain("data");
    const fromDist = new URL(
      "../../data/model-prices.json",
      pathToFileURL(fileURLToPath(new URL("../dist/pricing/snapshot.js", import.meta.url))),
    );
    expect(fileURLToPath(fromDist)).toBe(fileURLToPath(BUNDLED_PRICES_URL));
    const notice = readFileSync(new URL("../data/NOTICE.md", import.meta.url), "utf8");
    expect(notice).toContain("Copyright (c) 2023 Berri AI");
    expect(notice).toContain("4c6858bb791bd06e91e767670a58e088190f19579d11785217aa418edfd4fe51");
  });
});

/** mulberry32: a tiny seeded PRNG, so the "random" calls are the same on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** "$2.50 per million tokens" to pico-USD per token, by string arithmetic (no floats). */
function perMillion(dollars: string): bigint {
  const [whole, fraction = ""] = dollars.split(".");
  return BigInt(whole + fraction.padEnd(6, "0")); // $/M * 1e12 / 1e6 = $/M * 1e6
}

describe("1,000 calls sum exactly", () => {
  // Rates written from the providers' $/M price lists, independent of the JSON parser.
  const models = {
    "openai/gpt-4o": {
      input: "2.50",
      output: "10",
      cacheRead: "1.25",
      cacheWrite: "2.50",
      tier: 0,
    },
    "anthropic/claude-sonnet-4-5": {
      input: "3",
      output: "15",
      cacheRead: "0.30",
      cacheWrite: "3.75",
      tier: 200_000,
    },
    "gemini/gemini-2.5-flash": {
      input: "0.30",
      output: "2.50",
      cacheRead: "0.03",
      cacheWrite: "0.30",
      tier: 0,
    },
    "sim/sim-default": {
      input: "1",
      output: "4",
      cacheRead: "0.10",
      cacheWrite: "1.25",
      tier: 200_000,
    },
  } as const;
  const tierRates = {
    "anthropic/claude-sonnet-4-5": {
      input: "6",
      output: "22.50",
      cacheRead: "0.60",
      cacheWrite: "7.50",
    },
    "sim/sim-default": { input: "2", output: "8", cacheRead: "0.10", cacheWrite: "1.25" },
  } as const;

  it("equals the total computed from per-bucket token sums, to the pico-dollar", () => {
    const random = seeded(20260724);
    const int = (max: number) => Math.floor(random() * max);
    const names = Object.keys(models) as (keyof typeof models)[];
    const table = defaultPriceTable();
    // Independent method: add up tokens per (model, rate set, bucket), multiply once at the end.
    const tokens = new Map<string, bigint>();
    const add = (key: string, n: number) => tokens.set(key, (tokens.get(key) ?? 0n) + BigInt(n));
    let total = 0n;
    let floatTotal = 0;
    for (let call = 0; call < 1000; call++) {
      const name = names[int(names.length)]!;
      const big = random() < 0.1;
      const usage = {
        input: { noCache: int(big ? 250_000 : 8000), cacheRead: int(4000), cacheWrite: int(2000) },
        output: { text: int(2000), reasoning: 0 },
      };
      const [provider, model] = name.split("/") as [string, string];
      const cost = costOf(table.priceFor(provider, model), usage);
      total += cost.total;
      floatTotal += toUsd(cost.total);
      const prompt = usage.input.noCache + usage.input.cacheRead + usage.input.cacheWrite;
      const set = models[name].tier > 0 && prompt > models[name].tier ? "tier" : "base";
      add(`${name}|${set}|input`, usage.input.noCache);
      add(`${name}|${set}|cacheRead`, usage.input.cacheRead);
      add(`${name}|${set}|cacheWrite`, usage.input.cacheWrite);
      add(`${name}|${set}|output`, usage.output.text);
    }
    let expected = 0n;
    for (const [key, count] of tokens) {
      const [name, set, bucket] = key.split("|") as [keyof typeof models, string, "input"];
      const rates = set === "tier" ? tierRates[name as keyof typeof tierRates] : models[name];
      expected += count * perMillion(rates[bucket]);
    }
    expect(tokens.has("anthropic/claude-sonnet-4-5|tier|input")).toBe(true);
    expect(total).toBe(expected);
    expect(formatUsd(total, 2)).toBe(formatUsd(expected, 2));
    // A float accumulator is close, but only the integer sum is guaranteed to the cent.
    expect(Math.abs(floatTotal - toUsd(expected))).toBeLessThan(1e-6);
  });
});
