import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4GenerateResult,
  LanguageModelV4StreamResult,
} from "@ai-sdk/provider";
import type { CallContext } from "./gateway-types.ts";

interface Calls {
  generate(
    alias: string,
    options: LanguageModelV4CallOptions,
    context: CallContext,
  ): Promise<LanguageModelV4GenerateResult>;
  stream(
    alias: string,
    options: LanguageModelV4CallOptions,
    context: CallContext,
  ): Promise<LanguageModelV4StreamResult>;
}

/** A gateway alias as an AI SDK model: every call goes through routing, budgets and metering. */
export class GatewayLanguageModel implements LanguageModelV4 {
  readonly specificationVersion = "v4";
  readonly provider = "conclave";
  readonly modelId: string;
  readonly supportedUrls: Record<string, RegExp[]> = {};
  readonly #calls: Calls;
  readonly #context: CallContext;

  constructor(alias: string, calls: Calls, context: CallContext) {
    this.modelId = alias;
    this.#calls = calls;
    this.#context = context;
  }

  doGenerate(options: LanguageModelV4CallOptions): Promise<LanguageModelV4GenerateResult> {
    return this.#calls.generate(this.modelId, options, this.#context);
  }

  doStream(options: LanguageModelV4CallOptions): Promise<LanguageModelV4StreamResult> {
    return this.#calls.stream(this.modelId, options, this.#context);
  }
}
