/**
 * Errors the pricing layer throws. Both are terminal: retrying cannot conjure a price, so the
 * caller must fix the configuration.
 */
import { ConclaveError } from "@conclave/core";

/** Options every pricing error takes (core's `ConclaveErrorOptions`, which core does not export). */
interface ConclaveErrorOptions {
  cause?: unknown;
}

/**
 * No price is known for a model: it is not in the price table, or it has no per-token price.
 * The message names the model, lists close matches and says how to set a price.
 */
export class NoPriceError extends ConclaveError {
  readonly provider: string | undefined;
  readonly modelId: string;
  /** Up to three table keys that look like the requested id, closest first. */
  readonly closeMatches: readonly string[];
  constructor(
    details: { provider: string | undefined; modelId: string; closeMatches: readonly string[] },
    message: string,
    options?: ConclaveErrorOptions,
  ) {
    super("MODEL_PRICE_MISSING", message, options);
    this.provider = details.provider;
    this.modelId = details.modelId;
    this.closeMatches = details.closeMatches;
  }
}

/** A price table file cannot be read or is not a JSON object of model entries. */
export class PriceTableError extends ConclaveError {
  readonly path: string;
  constructor(path: string, message: string, options?: ConclaveErrorOptions) {
    super("PRICE_TABLE_INVALID", message, options);
    this.path = path;
  }
}
