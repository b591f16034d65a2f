/**
 * The price table: LiteLLM's model map loaded once, looked up by (provider, model id), with
 * overrides. Precedence, highest first: the deployment's own price (the `override` argument of
 * {@link PriceTable.priceFor}), the table's `overrides`, the built-in `sim` price, the data.
 * Override fields are merged over the table entry of the same model, so a deployment can change
 * only its input rate and keep the rest.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { toError } from "@conclave/core";
import { NoPriceError, PriceTableError } from "./errors.ts";
import { canonicalProvider, closeMatches, modelIdVariants, sellsUnder } from "./model-key.ts";
import {
  type ModelPrice,
  type PriceSource,
  type PriceSpec,
  parseModelPrice,
} from "./model-price.ts";
import { SIM_PRICE, SIM_PROVIDER } from "./sim-price.ts";
import { BUNDLED_PRICES_URL, BUNDLED_SNAPSHOT } from "./snapshot.ts";

/** Options of {@link loadPriceTable} and {@link createPriceTable}. */
export interface PriceTableOptions {
  /** Prices that win over the data, keyed `provider/model` (provider as LiteLLM names it) or `model`. */
  overrides?: Readonly<Record<string, PriceSpec>>;
  /** The snapshot date of a custom table file (the bundled one knows its own). */
  snapshotDate?: string;
}

/** Top-level keys of LiteLLM's file that are not models. */
const NOT_MODELS = new Set(["sample_spec", "fallback_generalizations"]);

/** A loaded price table. Immutable; {@link PriceTable.priceFor} caches resolved prices. */
export class PriceTable {
  /** `litellm:<snapshot date>:<first 12 hex of the file's sha256>`; stored with every cost. */
  readonly version: string;
  readonly #entries: ReadonlyMap<string, PriceSpec>;
  readonly #overrides: ReadonlyMap<string, PriceSpec>;
  readonly #cache = new Map<string, ModelPrice>();

  constructor(
    entries: Readonly<Record<string, PriceSpec>>,
    version: string,
    overrides: Readonly<Record<string, PriceSpec>> = {},
  ) {
    this.version = version;
    this.#entries = lowerKeyed(entries, (key) => !NOT_MODELS.has(key));
    this.#overrides = lowerKeyed(overrides, () => true);
  }

  /** The number of model entries in the data. */
  get size(): number {
    return this.#entries.size;
  }

  /** A table with the same data and `overrides` merged over this table's overrides. Pure. */
  withOverrides(overrides: Readonly<Record<string, PriceSpec>>): PriceTable {
    return new PriceTable(Object.fromEntries(this.#entries), this.version, {
      ...Object.fromEntries(this.#overrides),
      ...overrides,
    });
  }

  /**
   * The price of `modelId` from `provider` (an AI SDK provider id such as `openai.chat`, or a
   * LiteLLM provider name; `undefined` matches any seller). `override` is the deployment's own
   * price and wins over everything else.
   * @throws NoPriceError (code `MODEL_PRICE_MISSING`) when no price is known.
   * @example table.priceFor("anthropic.messages", "claude-sonnet-4-5-20250929")
   */
  priceFor(provider: string | undefined, modelId: string, override?: PriceSpec): ModelPrice {
    const cacheKey = `${provider ?? ""}\u0000${modelId}`;
    const cached = override === undefined ? this.#cache.get(cacheKey) : undefined;
    if (cached) return cached;
    const canonical = canonicalProvider(provider);
    const found = this.#find(canonical, modelId);
    const spec = override === undefined ? found?.spec : { ...found?.spec, ...override };
    const source: PriceSource = override !== undefined ? "override" : (found?.source ?? "table");
    const price =
      spec &&
      parseModelPrice(spec, {
        model: found?.key ?? modelId,
        source,
        priceVersion: versionOf(this.version, source, override ?? found?.overrideSpec),
      });
    if (!price) throw this.#noPrice(provider, canonical, modelId, found?.key);
    if (override === undefined) this.#cache.set(cacheKey, price);
    return price;
  }

  #find(provider: string | undefined, modelId: string): Found | undefined {
    const variants = modelIdVariants(provider, modelId);
    const data = this.#findData(provider, variants);
    for (const id of variants) {
      for (const key of provider ? [`${provider}/${id}`, id] : [id]) {
        const spec = this.#overrides.get(key);
        if (!spec) continue;
        const merged = { ...data?.spec, ...spec };
        return { key: data?.key ?? key, spec: merged, source: "override", overrideSpec: spec };
      }
    }
    return data;
  }

  #findData(provider: string | undefined, variants: readonly string[]): Found | undefined {
    if (provider === SIM_PROVIDER) {
      return { key: `${SIM_PROVIDER}/${variants[0]}`, spec: SIM_PRICE, source: "builtin" };
    }
    for (const id of variants) {
      const prefixed = provider && this.#entries.get(`${provider}/${id}`);
      if (prefixed) return { key: `${provider}/${id}`, spec: prefixed, source: "table" };
      const bare = this.#entries.get(id);
      const seller = typeof bare?.litellm_provider === "string" ? bare.litellm_provider : undefined;
      if (bare && (!provider || sellsUnder(seller, provider))) {
        return { key: id, spec: bare, source: "table" };
      }
    }
    return undefined;
  }

  #noPrice(
    provider: string | undefined,
    canonical: string | undefined,
    modelId: string,
    foundKey: string | undefined,
  ): NoPriceError {
    const who = provider === undefined ? "" : ` from provider "${provider}"`;
    const fix =
      `set a price on the deployment, e.g. price: { input_cost_per_token: "0.0000025", ` +
      `output_cost_per_token: "0.00001" } (USD per token), or pass overrides to loadPriceTable().`;
    if (foundKey !== undefined) {
      return new NoPriceError(
        { provider, modelId, closeMatches: [] },
        `Model "${modelId}"${who} is in price table ${this.version} as "${foundKey}" but has no ` +
          `per-token price (it is billed per second, image or query); ${fix}`,
      );
    }
    const keys = [...this.#entries].filter(
      ([key, spec]) =>
        !canonical ||
        key.startsWith(`${canonical}/`) ||
        sellsUnder(spec.litellm_provider, canonical),
    );
    const matches = closeMatches(
      (keys.length > 0 ? keys : [...this.#entries]).map(([key]) => key),
      modelId,
    );
    const hint = matches.length > 0 ? ` Close matches: ${matches.join(", ")}.` : "";
    return new NoPriceError(
      { provider, modelId, closeMatches: matches },
      `No price for model "${modelId}"${who} in price table ${this.version}.${hint} If the id ` +
        `is right, ${fix}`,
    );
  }
}

interface Found {
  key: string;
  spec: PriceSpec;
  source: PriceSource;
  overrideSpec?: PriceSpec;
}

function lowerKeyed(
  record: Readonly<Record<string, PriceSpec>>,
  keep: (key: string) => boolean,
): Map<string, PriceSpec> {
  const map = new Map<string, PriceSpec>();
  for (const [key, spec] of Object.entries(record)) {
    if (keep(key) && spec !== null && typeof spec === "object") map.set(key.toLowerCase(), spec);
  }
  return map;
}

function versionOf(tableVersion: string, source: PriceSource, override?: PriceSpec): string {
  if (source === "builtin") return `${tableVersion}+builtin:${SIM_PROVIDER}`;
  if (override === undefined) return tableVersion;
  const digest = createHash("sha256").update(stableJson(override)).digest("hex").slice(0, 8);
  return `${tableVersion}+override:${digest}`;
}

function stableJson(spec: PriceSpec): string {
  return JSON.stringify(
    Object.keys(spec)
      .sort()
      .map((key) => [key, spec[key]]),
  );
}

/**
 * Builds a table from entries already in memory (tests, a price map fetched by the caller).
 * `version` names the data; it is stored with every cost computed from it. Pure.
 */
export function createPriceTable(
  entries: Readonly<Record<string, PriceSpec>>,
  version: string,
  options: PriceTableOptions = {},
): PriceTable {
  return new PriceTable(entries, version, options.overrides);
}

/**
 * Reads a LiteLLM-format price table from `path` (default: the bundled snapshot). The version is
 * `litellm:<date>:<sha256 prefix>`, where the date is the bundled snapshot's when the bytes match
 * it, else `options.snapshotDate`, else `unknown-date`. Reads the file synchronously (about 1.6 MB).
 * @throws PriceTableError (code `PRICE_TABLE_INVALID`) when the file is missing or not a JSON object.
 */
export function loadPriceTable(
  path: string | URL = BUNDLED_PRICES_URL,
  options: PriceTableOptions = {},
): PriceTable {
  const shown = path instanceof URL ? fileURLToPath(path) : path;
  let bytes: Buffer;
  let data: unknown;
  try {
    bytes = readFileSync(path);
    data = JSON.parse(bytes.toString("utf8"));
  } catch (error) {
    throw new PriceTableError(
      shown,
      `Cannot read the price table at ${shown}: ${toError(error).message}. Pass the path of a ` +
        `LiteLLM model_prices_and_context_window.json, or omit it to use the bundled snapshot.`,
      { cause: error },
    );
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new PriceTableError(
      shown,
      `The price table at ${shown} is ${Array.isArray(data) ? "an array" : String(data)}, not a ` +
        `JSON object of model entries; use a LiteLLM model_prices_and_context_window.json.`,
    );
  }
  const sha = createHash("sha256").update(bytes).digest("hex");
  const date =
    sha === BUNDLED_SNAPSHOT.sha256
      ? BUNDLED_SNAPSHOT.date
      : (options.snapshotDate ?? "unknown-date");
  return new PriceTable(
    data as Record<string, PriceSpec>,
    `litellm:${date}:${sha.slice(0, 12)}`,
    options.overrides,
  );
}

let bundled: PriceTable | undefined;

/** The bundled snapshot, loaded on first use and shared. */
export function defaultPriceTable(): PriceTable {
  bundled ??= loadPriceTable();
  return bundled;
}

/**
 * Looks a price up in the bundled table: shorthand for `defaultPriceTable().priceFor(...)`.
 * @throws NoPriceError (code `MODEL_PRICE_MISSING`) when no price is known.
 * @example priceFor("openai", "gpt-4o").rates.input // 2_500_000n pico-USD per token
 */
export function priceFor(
  provider: string | undefined,
  modelId: string,
  override?: PriceSpec,
): ModelPrice {
  return defaultPriceTable().priceFor(provider, modelId, override);
}
