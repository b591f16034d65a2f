/**
 * An in-process LanguageModelV4 that answers at once with a fixed reply and usage: the backend
 * that leaves only the AI SDK's and the gateway's own work to time.
 */
import type {
  LanguageModelV4,
  LanguageModelV4FinishReason,
  LanguageModelV4StreamPart,
  LanguageModelV4Usage,
} from "@ai-sdk/provider";

const TEXT = "Durable agents must checkpoint state, meter spend and replay calls exactly once.";
const USAGE: LanguageModelV4Usage = {
  inputTokens: { total: 42, noCache: 42, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 16, text: 16, reasoning: 0 },
};
const STOP: LanguageModelV4FinishReason = { unified: "stop", raw: "stop" };

function parts(): LanguageModelV4StreamPart[] {
  const words = TEXT.match(/\S+\s*/g) ?? [TEXT];
  return [
    { type: "stream-start", warnings: [] },
    { type: "text-start", id: "t0" },
    ...words.map((delta) => ({ type: "text-delta" as const, id: "t0", delta })),
    { type: "text-end", id: "t0" },
    { type: "finish", usage: USAGE, finishReason: STOP },
  ];
}

/** A stub model reporting provider `openai.chat` and model `gpt-4o-mini`. */
export function stubModel(): LanguageModelV4 {
  return {
    specificationVersion: "v4",
    provider: "openai.chat",
    modelId: "gpt-4o-mini",
    supportedUrls: {},
    async doGenerate() {
      return {
        content: [{ type: "text", text: TEXT }],
        finishReason: STOP,
        usage: USAGE,
        warnings: [],
      };
    },
    async doStream() {
      const queued = parts();
      return {
        stream: new ReadableStream<LanguageModelV4StreamPart>({
          start(controller) {
            for (const part of queued) controller.enqueue(part);
            controller.close();
          },
        }),
      };
    },
  };
}
