/**
 * Streaming support. `readToFirstToken` holds a provider stream back until its first output
 * part, so a stream that fails before any token can still go to another deployment. `relayStream`
 * then hands the caller everything, counts delivered tokens, and turns a break after tokens into
 * a {@link StreamInterruptedError} instead of a retry.
 *
 * A relayed stream's states: buffered (replaying parts read while peeking) -> live (reading the
 * provider) -> finished (done; usage captured) | interrupted (error or error part after tokens)
 * | cancelled (the caller cancelled). Exactly one end is reported.
 */
import type {
  LanguageModelV4StreamPart,
  LanguageModelV4StreamResult,
  LanguageModelV4Usage,
} from "@ai-sdk/provider";
import { StreamInterruptedError } from "./router-errors.ts";
import type { StreamTap } from "./router-types.ts";

/** A provider stream read up to (and including) its first output part. */
export interface PeekedStream {
  readonly result: LanguageModelV4StreamResult;
  readonly reader: ReadableStreamDefaultReader<LanguageModelV4StreamPart>;
  /** Parts read so far, the first output part last (if any). */
  readonly buffered: readonly LanguageModelV4StreamPart[];
  /** The provider stream ended while peeking (an empty answer). */
  readonly ended: boolean;
}

/** How a relayed stream ended. */
export type StreamEnd =
  | { readonly kind: "finished"; readonly usage: LanguageModelV4Usage | undefined }
  | { readonly kind: "interrupted"; readonly error: StreamInterruptedError }
  | { readonly kind: "cancelled" };

/** Parts that carry output; the first one is the "first token". */
const OUTPUT_PARTS = new Set([
  "text-delta",
  "reasoning-delta",
  "tool-input-delta",
  "tool-call",
  "file",
]);

/** Parts counted as delivered tokens (deltas approximate tokens for every major provider). */
const TOKEN_PARTS = new Set(["text-delta", "reasoning-delta", "tool-input-delta"]);

/** Thrown while peeking when the provider stream sent an `error` part before any output. */
export class EarlyStreamError extends Error {
  /** Creates it from the part's error value, kept as the cause for classification. */
  readonly part: unknown;
  constructor(part: unknown) {
    super("stream error before the first token");
    this.part = part;
  }
}

/**
 * Reads `result.stream` until its first output part. Cancels the provider stream and rethrows
 * when it fails (or `signal` aborts) before that; an `error` part throws {@link EarlyStreamError}.
 */
export async function readToFirstToken(
  result: LanguageModelV4StreamResult,
  signal: AbortSignal | undefined,
): Promise<PeekedStream> {
  const reader = result.stream.getReader();
  const onAbort = () => void reader.cancel(signal?.reason).catch(() => {});
  signal?.addEventListener("abort", onAbort, { once: true });
  const buffered: LanguageModelV4StreamPart[] = [];
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return { result, reader, buffered, ended: true };
      if (value.type === "error") throw new EarlyStreamError(value.error);
      buffered.push(value);
      if (OUTPUT_PARTS.has(value.type)) return { result, reader, buffered, ended: false };
    }
  } catch (error) {
    void reader.cancel(error).catch(() => {});
    throw error instanceof EarlyStreamError ? error.part : error;
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}

/**
 * Relays a peeked stream to the caller and reports its end once through `onEnd`; `tap` sees
 * every relayed part and finishes (awaited) before a normal close.
 */
export function relayStream(
  peeked: PeekedStream,
  deploymentId: string,
  onEnd: (end: StreamEnd) => void,
  tap?: StreamTap,
): ReadableStream<LanguageModelV4StreamPart> {
  const queue = [...peeked.buffered];
  let delivered = 0;
  let usage: LanguageModelV4Usage | undefined;
  let ended = false;
  const end = (value: StreamEnd) => {
    if (ended) return;
    ended = true;
    onEnd(value);
  };
  const interrupt = (controller: ReadableStreamDefaultController<unknown>, cause: unknown) => {
    const error = new StreamInterruptedError(deploymentId, delivered, cause);
    void peeked.reader.cancel(error).catch(() => {});
    end({ kind: "interrupted", error });
    void Promise.resolve(tap?.abandon?.({ kind: "interrupted", delivered })).catch(() => {});
    controller.error(error);
  };
  const deliver = (
    controller: ReadableStreamDefaultController<LanguageModelV4StreamPart>,
    part: LanguageModelV4StreamPart,
  ) => {
    // Some providers send empty deltas (a role-only chunk); they deliver nothing.
    if (TOKEN_PARTS.has(part.type) && "delta" in part && part.delta !== "") delivered++;
    if (part.type === "finish") usage = part.usage;
    tap?.part?.(part);
    controller.enqueue(part);
  };
  const finish = async (controller: ReadableStreamDefaultController<LanguageModelV4StreamPart>) => {
    end({ kind: "finished", usage });
    if (tap?.finish) {
      try {
        await tap.finish(usage);
      } catch (error) {
        return controller.error(error);
      }
    }
    controller.close();
  };
  return new ReadableStream<LanguageModelV4StreamPart>(
    {
      async pull(controller) {
        const next = queue.shift();
        if (next) return deliver(controller, next);
        if (peeked.ended) return finish(controller);
        let read: ReadableStreamReadResult<LanguageModelV4StreamPart>;
        try {
          read = await peeked.reader.read();
        } catch (error) {
          return interrupt(controller, error);
        }
        if (read.done) return finish(controller);
        if (read.value.type === "error") return interrupt(controller, read.value.error);
        deliver(controller, read.value);
      },
      async cancel(reason) {
        end({ kind: "cancelled" });
        await peeked.reader.cancel(reason).catch(() => {});
        await Promise.resolve(tap?.abandon?.({ kind: "cancelled", delivered })).catch(() => {});
      },
    },
    { highWaterMark: 0 },
  );
}

/** Prompt plus output tokens of a usage, or `undefined` when the provider reported neither. */
export function usageTokens(usage: LanguageModelV4Usage | undefined): number | undefined {
  const input = usage?.inputTokens.total;
  const output = usage?.outputTokens.total;
  if (input === undefined && output === undefined) return undefined;
  return (input ?? 0) + (output ?? 0);
}
