/**
 * @conclave/models: the model gateway. Providers come through AI SDK 7; the offline `sim` model,
 * pricing, routing, metering and budgets live here.
 */
export {};
