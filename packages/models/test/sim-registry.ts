/** The registry most gateway tests use: one `sim` deployment, "cheap", under alias "fast". */
import { createRegistry, createVirtualClock, type ModelRegistry } from "../src/index.ts";

/** $1 per million input tokens and $2 per million output tokens, so costs are easy to check. */
export const CHEAP_PRICE = { input_cost_per_token: 0.000001, output_cost_per_token: 0.000002 };

/** Streams at once (no simulated latency) on a virtual clock. */
export function cheapSimRegistry(): ModelRegistry {
  return createRegistry({
    env: {},
    sim: { clock: createVirtualClock(), timeToFirstTokenMs: 0, perTokenMs: 0 },
    deployments: [
      { id: "cheap", alias: "fast", provider: "sim", model: "sim-cheap", price: CHEAP_PRICE },
    ],
  });
}
