/**
 * Facts about the bundled price table and where it lives. The JSON sits in the package's `data/`
 * folder, two levels above both `src/pricing/` (tests, type-stripped node) and `dist/pricing/`
 * (the built package), so one module-relative URL finds it from either.
 */

/** The snapshot of LiteLLM's table bundled as `data/model-prices.json` (see `data/NOTICE.md`). */
export const BUNDLED_SNAPSHOT = {
  /** The day upstream `main` was fetched. */
  date: "2026-07-24",
  /** sha256 of the file's bytes; a table with other bytes gets the date `unknown-date`. */
  sha256: "4c6858bb791bd06e91e767670a58e088190f19579d11785217aa418edfd4fe51",
  source: "BerriAI/litellm model_prices_and_context_window.json (main), MIT",
} as const;

/** Location of the bundled price table, resolved from this module's URL. */
export const BUNDLED_PRICES_URL: URL = new URL("../../data/model-prices.json", import.meta.url);
