/** A usage record for metering tests: a small generated call on the sim deployment "cheap". */
import type { UsageRecord } from "@conclave/core";

export function usageRecord(over: Partial<UsageRecord> & { id: string; ts: string }): UsageRecord {
  return {
    alias: "fast",
    deployment: "cheap",
    provider: "sim",
    model: "sim-cheap",
    tokens: {
      inputNoCache: 10,
      inputCacheRead: 0,
      inputCacheWrite: 0,
      outputText: 5,
      outputReasoning: 0,
    },
    costPico: 20_000_000n,
    priceVersion: "test",
    latencyMs: 1,
    status: "ok",
    streamed: false,
    ...over,
  };
}
