/**
 * The declared price of the offline `sim` model. Sim calls are metered and budgeted like real
 * ones, so tests of budgets and cost reports see real-looking money. The rates sit in the range
 * of a mid-size hosted model ($1 in / $4 out per million tokens) and use exact decimals.
 */
import type { PriceSpec } from "./model-price.ts";

/** The provider id of the offline sim model, as the price table and the sim provider use it. */
export const SIM_PROVIDER = "sim";

/**
 * USD-per-token price of every `sim` model id: $1.00/M input, $4.00/M output, $0.10/M cache
 * reads, $1.25/M cache writes, $4.00/M reasoning; a 2x tier above 200k prompt tokens so tier
 * logic can be exercised offline.
 */
export const SIM_PRICE: Readonly<PriceSpec> = Object.freeze({
  litellm_provider: SIM_PROVIDER,
  input_cost_per_token: "0.000001",
  output_cost_per_token: "0.000004",
  cache_read_input_token_cost: "0.0000001",
  cache_creation_input_token_cost: "0.00000125",
  output_cost_per_reasoning_token: "0.000004",
  input_cost_per_token_above_200k_tokens: "0.000002",
  output_cost_per_token_above_200k_tokens: "0.000008",
  max_input_tokens: 1_000_000,
  max_output_tokens: 64_000,
});
