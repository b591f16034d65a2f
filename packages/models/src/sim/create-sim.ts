/**
 * `createSim`: the provider of offline sim models. A provider holds the reply script and the
 * call counter shared by all its models.
 *
 * States of a provider's script: scripted (replies left; each call takes the next one, in call
 * order) -> exhausted (every reply used; calls go to the responder, then the default). A provider
 * with no script starts exhausted. Nothing else changes over its life.
 */
import { NoSuchModelError, type ProviderV4 } from "@ai-sdk/provider";
import { InvalidArgumentError } from "@conclave/core";
import type { PriceSpec } from "../pricing/model-price.ts";
import { SIM_PRICE, SIM_PROVIDER } from "../pricing/sim-price.ts";
import { realClock, type SimClock } from "./sim-clock.ts";
import { SimLanguageModel, type SimModelRuntime } from "./sim-language-model.ts";
import { defaultReply, type SimReply, type SimResponder } from "./sim-reply.ts";

/** Options of {@link createSim}. */
export interface SimOptions {
  /** Seed of every call that sets none itself (default 0). Same seed + same prompt = same reply. */
  seed?: number;
  /** Wait before the first token (default 200 ms). */
  timeToFirstTokenMs?: number;
  /** Wait between tokens (default 10 ms). */
  perTokenMs?: number;
  /** Time source; tests pass `createVirtualClock()` so nothing really sleeps (default real timers). */
  clock?: SimClock;
  /** Canned replies, used one per call in call order before the responder. */
  script?: readonly SimReply[];
  /** Computes replies once the script is used up; `undefined` means the default reply. */
  responder?: SimResponder;
  /** The provider name models report (default `"sim"`, which the price table knows). */
  name?: string;
}

/** The default sim model id. */
export const SIM_DEFAULT_MODEL = "sim-default";

/** A sim provider: callable like AI SDK providers (`sim("id")`) and a `ProviderV4`. */
export interface SimProvider extends ProviderV4 {
  (modelId?: string): SimLanguageModel;
  languageModel(modelId?: string): SimLanguageModel;
  /** The declared USD-per-token price of sim models (also in the price table as provider `sim`). */
  readonly price: Readonly<PriceSpec>;
  /** How many calls the provider's models have started. */
  readonly calls: number;
}

/**
 * Creates a sim provider. Models need no network and no keys, answer deterministically, stream
 * token by token with simulated latency, report usage counted with gpt-tokenizer, and mark every
 * output as simulated (`[simulated]` text prefix, `providerMetadata.sim.simulated`).
 * @example
 * const sim = createSim({ seed: 7, clock: createVirtualClock() });
 * const { text } = await generateText({ model: sim("planner"), prompt: "Plan a trip" });
 */
export function createSim(options: SimOptions = {}): SimProvider {
  const runtime = createRuntime(options);
  const languageModel = (modelId: string = SIM_DEFAULT_MODEL) => {
    if (modelId.trim() === "") {
      throw new InvalidArgumentError('A sim model id must not be empty; use e.g. "sim-default".');
    }
    return new SimLanguageModel(modelId, runtime);
  };
  const unsupported = (modelType: "embeddingModel" | "imageModel") => (modelId: string) => {
    throw new NoSuchModelError({
      modelId,
      modelType,
      message: `The sim provider has only language models; "${modelId}" cannot be a ${modelType}.`,
    });
  };
  return Object.defineProperties(languageModel, {
    specificationVersion: { value: "v4", enumerable: true },
    languageModel: { value: languageModel, enumerable: true },
    embeddingModel: { value: unsupported("embeddingModel"), enumerable: true },
    imageModel: { value: unsupported("imageModel"), enumerable: true },
    price: { value: SIM_PRICE, enumerable: true },
    calls: { get: () => runtime.callCount(), enumerable: true },
  }) as unknown as SimProvider;
}

function createRuntime(options: SimOptions): SimModelRuntime & { callCount(): number } {
  const script = [...(options.script ?? [])];
  let scriptIndex = 0;
  let calls = 0;
  const nonNegative = (value: number | undefined, fallback: number, name: string) => {
    const v = value ?? fallback;
    if (!Number.isFinite(v) || v < 0) {
      throw new InvalidArgumentError(
        `createSim: ${name} must be a non-negative number of ms, but got ${v}.`,
      );
    }
    return v;
  };
  return {
    providerName: options.name ?? SIM_PROVIDER,
    seed: options.seed ?? 0,
    timeToFirstTokenMs: nonNegative(options.timeToFirstTokenMs, 200, "timeToFirstTokenMs"),
    perTokenMs: nonNegative(options.perTokenMs, 10, "perTokenMs"),
    clock: options.clock ?? realClock,
    nextCallIndex: () => calls++,
    callCount: () => calls,
    async replyFor(request) {
      if (scriptIndex < script.length) return { reply: script[scriptIndex++]!, source: "script" };
      const computed = await options.responder?.(request);
      if (computed !== undefined) return { reply: computed, source: "responder" };
      return { reply: defaultReply(request), source: "default" };
    },
  };
}
