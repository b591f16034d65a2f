/**
 * Helpers for the router tests: sim-backed deployments with their own price, gated replies,
 * prompts and a stream reader. Each deployment gets its own sim provider, so scripts and call
 * counts are per deployment.
 */
import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4FunctionTool,
  LanguageModelV4StreamPart,
} from "@ai-sdk/provider";
import { type ModelPrice, parseModelPrice } from "../src/pricing/model-price.ts";
import type { Deployment } from "../src/router/router-types.ts";
import { createSim, type SimProvider } from "../src/sim/create-sim.ts";
import type { SimClock } from "../src/sim/sim-clock.ts";
import type { SimReply, SimResponder } from "../src/sim/sim-reply.ts";

/** A USD-per-token price as a ModelPrice. */
export function price(inputPerToken: string, outputPerToken: string): ModelPrice {
  const parsed = parseModelPrice(
    { input_cost_per_token: inputPerToken, output_cost_per_token: outputPerToken },
    { model: "test", source: "override", priceVersion: "test" },
  );
  return parsed!;
}

/** Options of {@link simDeployment}. */
export interface SimDeploymentOptions extends Partial<Omit<Deployment, "id" | "model">> {
  clock: SimClock;
  script?: readonly SimReply[];
  responder?: SimResponder;
  timeToFirstTokenMs?: number;
  perTokenMs?: number;
}

/** A deployment backed by its own sim provider; returns both. */
export function simDeployment(
  id: string,
  options: SimDeploymentOptions,
): { deployment: Deployment; sim: SimProvider } {
  const { clock, script, responder, timeToFirstTokenMs, perTokenMs, ...rest } = options;
  const sim = createSim({
    clock,
    seed: 1,
    timeToFirstTokenMs: timeToFirstTokenMs ?? 0,
    perTokenMs: perTokenMs ?? 0,
    ...(script ? { script } : {}),
    ...(responder ? { responder } : {}),
  });
  return { deployment: modelDeployment(id, sim(id), rest), sim };
}

/** A deployment around any model, with permissive defaults. */
export function modelDeployment(
  id: string,
  model: LanguageModelV4,
  rest: Partial<Omit<Deployment, "id" | "model">> = {},
): Deployment {
  return {
    id,
    alias: "main",
    model,
    provider: model.provider,
    modelId: model.modelId,
    price: price("0.000001", "0.000004"),
    contextWindow: 128_000,
    capabilities: { tools: true, structuredOutput: true, vision: true },
    ...rest,
  };
}

/** Call options with one user message. */
export function ask(
  text: string,
  extra: Partial<LanguageModelV4CallOptions> = {},
): LanguageModelV4CallOptions {
  return { prompt: [{ role: "user", content: [{ type: "text", text }] }], ...extra };
}

/** A tool definition, so the call needs the `tools` capability. */
export const WEATHER_TOOL: LanguageModelV4FunctionTool = {
  type: "function",
  name: "weather",
  description: "Get the weather",
  inputSchema: { type: "object", properties: { city: { type: "string" } } },
};

/** A reply held until released: a responder piece for gating sim calls. */
export function holdable(): {
  hold: () => Promise<undefined>;
  releaseAll: () => void;
  held: () => number;
} {
  let waiting: Array<() => void> = [];
  return {
    hold: () => new Promise<undefined>((resolve) => waiting.push(() => resolve(undefined))),
    releaseAll: () => {
      const all = waiting;
      waiting = [];
      for (const release of all) release();
    },
    held: () => waiting.length,
  };
}

/** Reads a stream to the end; returns the text and the error it ended with, if any. */
export async function drainParts(
  stream: ReadableStream<LanguageModelV4StreamPart>,
): Promise<{ text: string; parts: LanguageModelV4StreamPart[]; error: unknown }> {
  const parts: LanguageModelV4StreamPart[] = [];
  const reader = stream.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parts.push(value);
    }
    return { text: textOf(parts), parts, error: undefined };
  } catch (error) {
    return { text: textOf(parts), parts, error };
  }
}

function textOf(parts: readonly LanguageModelV4StreamPart[]): string {
  return parts.map((p) => (p.type === "text-delta" ? p.delta : "")).join("");
}

/** Lets pending promise callbacks run (microtasks and one macrotask turn). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
