/**
 * The same scenarios against all four fixture APIs, each through its real AI SDK provider:
 * text, streaming, usage, tool calls, structured output and injected faults.
 */
import { APICallError, generateText, Output, streamText, tool } from "ai";
import { afterEach, describe, expect, test } from "vitest";
import { z } from "zod";
import { drain } from "./fixtures/drain.ts";
import {
  createGate,
  createManualClock,
  FIXTURE_TARGETS,
  type FixtureServer,
  type FixtureServerOptions,
  liveFixtureServers,
  type ReplyUsage,
  splitText,
  startFixtureServer,
  type TargetName,
} from "./fixtures/index.ts";

const USAGE: ReplyUsage = {
  input: 1200,
  cachedInput: 800,
  cacheWrite: 100,
  output: 300,
  reasoning: 120,
};

/** What each provider reports for {@link USAGE}, read off the installed provider source. */
const EXPECTED_USAGE: Record<TargetName, unknown> = {
  "openai-chat": usage(1200, [300, 800, 100], 300, [180, 120]),
  "openai-responses": usage(1200, [300, 800, 100], 300, [180, 120]),
  "anthropic-messages": usage(1200, [300, 800, 100], 300, [180, 120]),
  // No cache-write field on compatible servers, so the written tokens count as uncached.
  "openai-compatible": usage(1200, [400, 800, undefined], 300, [180, 120]),
};

function usage(
  input: number,
  [noCacheTokens, cacheReadTokens, cacheWriteTokens]: Array<number | undefined>,
  output: number,
  [textTokens, reasoningTokens]: number[],
) {
  return {
    inputTokens: input,
    inputTokenDetails: { noCacheTokens, cacheReadTokens, cacheWriteTokens },
    outputTokens: output,
    outputTokenDetails: { textTokens, reasoningTokens },
    totalTokens: input + output,
  };
}

const weather = tool({
  description: "Weather for a city",
  inputSchema: z.object({ city: z.string() }),
});

/** Stream faults are asserted through the stream; keep the SDK from also logging them. */
const quiet = { maxRetries: 0, onError: () => {} };

/** Appends each non-empty text delta to `log` as it arrives. */
async function collect(stream: AsyncIterable<string>, log: string[]): Promise<void> {
  for await (const delta of stream) if (delta.length > 0) log.push(delta);
}

let server: FixtureServer | undefined;

async function start(options?: FixtureServerOptions): Promise<FixtureServer> {
  server = await startFixtureServer(options);
  return server;
}

afterEach(async () => {
  await server?.close();
  server = undefined;
  expect(liveFixtureServers()).toBe(0);
});

describe.each(FIXTURE_TARGETS)("$name", (target) => {
  test("generateText returns the scripted text over a non-streaming request", async () => {
    const fixture = await start();
    fixture.script({ text: "Hello from the fixture." });
    const result = await generateText({ model: target.model(fixture), prompt: "Say hello" });
    expect(result.text).toBe("Hello from the fixture.");
    expect(result.finishReason).toBe("stop");
    expect(fixture.requests).toHaveLength(1);
    expect(fixture.requests[0]).toMatchObject({ method: "POST", path: target.path, stream: false });
    expect(fixture.requests[0]?.body?.model).toBe(target.modelId);
  });

  test("streamText delivers the text in several deltas", async () => {
    const fixture = await start();
    const text = "Streaming arrives one word at a time.";
    fixture.script({ text });
    const drained = await drain(
      streamText({ model: target.model(fixture), prompt: "Go" }).fullStream,
    );
    expect(drained.error).toBeUndefined();
    expect(drained.deltas).toEqual(splitText(text));
    expect(drained.deltas.join("")).toBe(text);
    expect(drained.finishReason).toBe("stop");
    expect(fixture.requests[0]?.stream).toBe(true);
  });

  test("usage maps cached and reasoning tokens (generate)", async () => {
    const fixture = await start();
    fixture.script({ text: "ok", usage: USAGE });
    const result = await generateText({ model: target.model(fixture), prompt: "Count" });
    expect(result.usage).toMatchObject(EXPECTED_USAGE[target.name] as object);
  });

  test("usage maps cached and reasoning tokens (stream)", async () => {
    const fixture = await start();
    fixture.script({ text: "ok then", usage: USAGE });
    const result = streamText({ model: target.model(fixture), prompt: "Count" });
    await drain(result.fullStream);
    expect(await result.usage).toMatchObject(EXPECTED_USAGE[target.name] as object);
  });

  test("a single tool call", async () => {
    const fixture = await start();
    fixture.script({ toolCalls: [{ name: "weather", args: { city: "Paris" } }] });
    const result = await generateText({
      model: target.model(fixture),
      prompt: "Weather?",
      tools: { weather },
    });
    expect(result.finishReason).toBe("tool-calls");
    expect(result.toolCalls.map((call) => [call.toolName, call.input])).toEqual([
      ["weather", { city: "Paris" }],
    ]);
  });

  test("parallel tool calls stream in order", async () => {
    const fixture = await start();
    const toolCalls = [
      { name: "weather", args: { city: "Paris" } },
      { name: "weather", args: { city: "Oslo" } },
    ];
    fixture.script({ toolCalls });
    const result = streamText({
      model: target.model(fixture),
      prompt: "Weather?",
      tools: { weather },
    });
    await drain(result.fullStream);
    const calls = await result.toolCalls;
    expect(calls.map((call) => call.input)).toEqual([{ city: "Paris" }, { city: "Oslo" }]);
    expect(new Set(calls.map((call) => call.toolCallId)).size).toBe(2);
    expect(await result.finishReason).toBe("tool-calls");
  });

  test("structured output through Output.object", async () => {
    const fixture = await start();
    const person = { name: "Ada", born: 1815 };
    fixture.script({ object: person });
    const result = await generateText({
      model: target.model(fixture),
      prompt: "Who?",
      output: Output.object({ schema: z.object({ name: z.string(), born: z.number() }) }),
    });
    expect(result.output).toEqual(person);
  });

  test("429 surfaces as an APICallError with a readable Retry-After", async () => {
    const fixture = await start();
    fixture.script({ fault: { kind: "rate-limit", retryAfterSeconds: 7 } });
    const error = await generateText({
      model: target.model(fixture),
      prompt: "x",
      maxRetries: 0,
    }).catch((caught: unknown) => caught);
    expect(APICallError.isInstance(error)).toBe(true);
    const apiError = error as APICallError;
    expect(apiError.statusCode).toBe(429);
    expect(apiError.responseHeaders?.["retry-after"]).toBe("7");
    expect(apiError.isRetryable).toBe(true);
  });

  test("a retry honours Retry-After and succeeds", async () => {
    const fixture = await start();
    fixture.script(
      { fault: { kind: "rate-limit", retryAfterSeconds: 0 } },
      { text: "second time lucky" },
    );
    const result = await generateText({ model: target.model(fixture), prompt: "x", maxRetries: 1 });
    expect(result.text).toBe("second time lucky");
    expect(fixture.requests).toHaveLength(2);
  });

  test("500 surfaces as a retryable APICallError", async () => {
    const fixture = await start();
    fixture.script({ fault: { kind: "server-error", message: "boom" } });
    const error = await generateText({
      model: target.model(fixture),
      prompt: "x",
      maxRetries: 0,
    }).catch((caught: unknown) => caught);
    expect(APICallError.isInstance(error)).toBe(true);
    expect((error as APICallError).statusCode).toBe(500);
    expect((error as APICallError).isRetryable).toBe(true);
    expect((error as APICallError).message).toContain("boom");
  });

  test("a stream cut mid-way errors after the first tokens", async () => {
    const fixture = await start();
    fixture.script({ text: "one two three four", fault: { kind: "cut", afterDeltas: 2 } });
    const drained = await drain(
      streamText({ model: target.model(fixture), prompt: "x", ...quiet }).fullStream,
    );
    expect(drained.deltas).toEqual(["one ", "two "]);
    expect(drained.error).toBeDefined();
  });

  test("an error event mid-stream surfaces after the first tokens", async () => {
    const fixture = await start();
    fixture.script({
      text: "one two three four",
      fault: { kind: "stream-error", afterDeltas: 2, message: "overloaded mid-stream" },
    });
    const drained = await drain(
      streamText({ model: target.model(fixture), prompt: "x", ...quiet }).fullStream,
    );
    expect(drained.deltas).toEqual(["one ", "two "]);
    expect(String((drained.error as Error | undefined)?.message)).toContain(
      "overloaded mid-stream",
    );
  });

  test("slow time-to-first-token: no token arrives before the test releases the gate", async () => {
    const fixture = await start();
    const gate = createGate();
    fixture.script({ text: "worth the wait", gate });
    const log: string[] = [];
    const done = collect(streamText({ model: target.model(fixture), prompt: "x" }).textStream, log);
    await gate.reached;
    expect(log).toEqual([]);
    log.push("<released>");
    gate.release();
    await done;
    expect(log).toEqual(["<released>", ...splitText("worth the wait")]);
  });

  test("a delay runs on the injected clock", async () => {
    const clock = createManualClock();
    const fixture = await start({ clock });
    fixture.script({ text: "after five seconds", delayMs: 5_000 });
    const log: string[] = [];
    const done = collect(streamText({ model: target.model(fixture), prompt: "x" }).textStream, log);
    await clock.whenSleeping();
    clock.advance(4_999);
    expect(clock.sleepers).toBe(1);
    log.push("<5s later>");
    clock.advance(1);
    await done;
    expect(log).toEqual(["<5s later>", ...splitText("after five seconds")]);
  });
});
