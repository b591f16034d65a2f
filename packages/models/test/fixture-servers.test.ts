/**
 * Fixture-server behaviour that is not a per-API contract: recording and redaction, request
 * validation, routing, scripting, provider-specific quirks, and shutdown.
 */
import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAI } from "@ai-sdk/openai";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { APICallError, generateText, Output, streamText, tool } from "ai";
import { afterEach, describe, expect, test } from "vitest";
import { z } from "zod";
import { drain } from "./fixtures/drain.ts";
import {
  createGate,
  type FixtureServer,
  type FixtureServerOptions,
  liveFixtureServers,
  startFixtureServer,
} from "./fixtures/index.ts";

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

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("recording", () => {
  test("records path, flavour and body, and redacts credentials", async () => {
    const fixture = await start();
    fixture.script({ text: "a" }, { text: "b" });
    const openai = createOpenAI({ baseURL: fixture.baseURL.openai, apiKey: "sk-secret" });
    const anthropic = createAnthropic({ baseURL: fixture.baseURL.anthropic, apiKey: "ant-secret" });
    await generateText({ model: openai.chat("gpt-4o-mini"), prompt: "hi" });
    await generateText({ model: anthropic("claude-sonnet-4-5"), prompt: "hi" });
    const [chat, messages] = fixture.requests;
    expect(chat).toMatchObject({
      api: "openai-chat",
      flavour: "openai",
      path: "/v1/chat/completions",
    });
    expect(chat?.headers.authorization).toBe("[redacted]");
    expect(messages).toMatchObject({ api: "anthropic-messages", path: "/v1/messages" });
    expect(messages?.headers["x-api-key"]).toBe("[redacted]");
    expect(messages?.headers["anthropic-version"]).toBe("2023-06-01");
    expect(JSON.stringify(fixture.requests)).not.toMatch(/secret/);
  });

  test("a responder sees the recorded request", async () => {
    const fixture = await start({
      responder: (request) => ({ text: `you sent ${String(request.body?.model)}` }),
    });
    const openai = createOpenAI({ baseURL: fixture.baseURL.openai, apiKey: "test" });
    const result = await generateText({ model: openai.responses("gpt-5-mini"), prompt: "hi" });
    expect(result.text).toBe("you sent gpt-5-mini");
  });
});

describe("validation", () => {
  test("OpenAI rejects a missing key, model or messages, and bad JSON", async () => {
    const fixture = await start();
    const url = `${fixture.baseURL.openai}/chat/completions`;
    const auth = { authorization: "Bearer test" };
    const messages = [{ role: "user", content: "hi" }];
    expect((await post(url, { model: "m", messages })).status).toBe(401);
    const noModel = await post(url, { messages }, auth);
    expect(noModel).toMatchObject({
      status: 400,
      body: { error: { type: "invalid_request_error" } },
    });
    expect((await post(url, { model: "m" }, auth)).body).toMatchObject({
      error: { param: "messages" },
    });
    expect((await post(url, "{not json", auth)).status).toBe(400);
    expect(fixture.requests).toHaveLength(4);
  });

  test("Anthropic rejects a missing key, version or max_tokens in its error shape", async () => {
    const fixture = await start();
    const url = `${fixture.baseURL.anthropic}/messages`;
    const body = {
      model: "claude-sonnet-4-5",
      max_tokens: 10,
      messages: [{ role: "user", content: "hi" }],
    };
    const key = { "x-api-key": "k" };
    expect((await post(url, body)).body).toMatchObject({
      type: "error",
      error: { type: "authentication_error" },
    });
    expect((await post(url, body, key)).body).toMatchObject({
      error: { message: /anthropic-version/ },
    });
    const noMax = await post(
      url,
      { ...body, max_tokens: undefined },
      { ...key, "anthropic-version": "2023-06-01" },
    );
    expect(noMax).toMatchObject({
      status: 400,
      body: { error: { message: "max_tokens: Field required" } },
    });
  });

  test("an unknown path is a 404 and the compat prefix serves only chat", async () => {
    const fixture = await start();
    expect((await post(`${fixture.url}/v1/embeddingz`, {})).status).toBe(404);
    expect((await post(`${fixture.baseURL.compat}/messages`, {})).status).toBe(404);
  });

  test("an unscripted request or a call to an undeclared tool is a loud 500", async () => {
    const fixture = await start();
    const model = createOpenAI({ baseURL: fixture.baseURL.openai, apiKey: "test" }).chat(
      "gpt-4o-mini",
    );
    const unscripted = await generateText({ model, prompt: "x", maxRetries: 0 }).catch(
      (e: unknown) => e,
    );
    expect((unscripted as APICallError).message).toMatch(/no reply scripted/);
    fixture.script({ toolCalls: [{ name: "search", args: {} }] });
    const undeclared = await generateText({ model, prompt: "x", maxRetries: 0 }).catch(
      (e: unknown) => e,
    );
    expect((undeclared as APICallError).message).toMatch(
      /tool "search" but the request declared \[\]/,
    );
  });
});

describe("models", () => {
  test("GET /v1/models answers in the OpenAI or Anthropic shape", async () => {
    const fixture = await start({ models: ["m1", "m2"] });
    const openai = (await (await fetch(`${fixture.url}/v1/models`)).json()) as Record<
      string,
      unknown
    >;
    expect(openai).toMatchObject({
      object: "list",
      data: [{ id: "m1", object: "model" }, { id: "m2" }],
    });
    const headers = { "anthropic-version": "2023-06-01", "x-api-key": "k" };
    const anthropic = (await (
      await fetch(`${fixture.url}/v1/models`, { headers })
    ).json()) as Record<string, unknown>;
    expect(anthropic).toMatchObject({
      data: [{ type: "model", id: "m1" }, { id: "m2" }],
      has_more: false,
    });
  });
});

describe("provider quirks", () => {
  test("an OpenAI-compatible stream reports no usage unless includeUsage is set", async () => {
    const fixture = await start();
    fixture.script({ text: "no usage", usage: { input: 9, output: 2 } });
    const model = createOpenAICompatible({ name: "ollama", baseURL: fixture.baseURL.compat })(
      "llama3",
    );
    const result = streamText({ model, prompt: "x" });
    await drain(result.fullStream);
    expect(fixture.requests[0]?.body?.stream_options).toBeUndefined();
    expect((await result.usage).inputTokens).toBeUndefined();
    expect((await result.usage).outputTokens).toBeUndefined();
  });

  test("OpenAI streams always ask for usage, so the final usage chunk arrives", async () => {
    const fixture = await start();
    fixture.script({ text: "usage", usage: { input: 9, output: 2 } });
    const model = createOpenAI({ baseURL: fixture.baseURL.openai, apiKey: "test" }).chat(
      "gpt-4o-mini",
    );
    const result = streamText({ model, prompt: "x" });
    await drain(result.fullStream);
    expect(fixture.requests[0]?.body?.stream_options).toEqual({ include_usage: true });
    expect((await result.usage).inputTokens).toBe(9);
  });

  test("Anthropic reports no reasoning split unless the API sends thinking tokens", async () => {
    const fixture = await start();
    fixture.script({ text: "plain", usage: { input: 50, output: 7 } });
    const model = createAnthropic({ baseURL: fixture.baseURL.anthropic, apiKey: "k" })(
      "claude-sonnet-4-5",
    );
    const { usage } = await generateText({ model, prompt: "x" });
    expect(usage.outputTokenDetails).toEqual({ textTokens: undefined, reasoningTokens: undefined });
    expect(usage.inputTokenDetails).toEqual({
      noCacheTokens: 50,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
    });
  });

  test("Anthropic structured output in JSON-tool mode comes back as the forced tool's input", async () => {
    const fixture = await start();
    fixture.script({ object: { answer: 42 } });
    const model = createAnthropic({ baseURL: fixture.baseURL.anthropic, apiKey: "k" })(
      "claude-sonnet-4-5",
    );
    const result = await generateText({
      model,
      prompt: "x",
      output: Output.object({ schema: z.object({ answer: z.number() }) }),
      providerOptions: { anthropic: { structuredOutputMode: "jsonTool" } },
    });
    expect(result.output).toEqual({ answer: 42 });
    // Replaying the recorded request shows the object came back as a tool_use block, not text.
    fixture.script({ object: { answer: 42 } });
    const headers = { "x-api-key": "k", "anthropic-version": "2023-06-01" };
    const replay = await post(
      `${fixture.baseURL.anthropic}/messages`,
      fixture.requests[0]?.body,
      headers,
    );
    expect(replay.body.content).toEqual([
      { type: "tool_use", id: expect.any(String), name: "json", input: { answer: 42 } },
    ]);
    // AI SDK 7 forces the tool with `any` and a single declared `json` tool, not a named choice.
    expect(fixture.requests[0]?.body).toMatchObject({
      tool_choice: { type: "any" },
      tools: [{ name: "json" }],
    });
  });

  test("an OpenAI error event before any output throws from the call itself", async () => {
    const fixture = await start();
    fixture.script({
      text: "never",
      fault: { kind: "stream-error", afterDeltas: 0, message: "early" },
    });
    const model = createOpenAI({ baseURL: fixture.baseURL.openai, apiKey: "test" }).chat(
      "gpt-4o-mini",
    );
    const drained = await drain(
      streamText({ model, prompt: "x", maxRetries: 0, onError: () => {} }).fullStream,
    );
    expect(drained.deltas).toEqual([]);
    expect(APICallError.isInstance(drained.error)).toBe(true);
    expect((drained.error as APICallError).statusCode).toBe(500);
  });

  test("a length finish maps through each wire format", async () => {
    const fixture = await start();
    const openai = createOpenAI({ baseURL: fixture.baseURL.openai, apiKey: "test" });
    const anthropic = createAnthropic({ baseURL: fixture.baseURL.anthropic, apiKey: "k" });
    for (const model of [openai.chat("a"), openai.responses("b"), anthropic("claude-sonnet-4-5")]) {
      fixture.script({ text: "trunc", finishReason: "length" });
      expect((await generateText({ model, prompt: "x" })).finishReason).toBe("length");
    }
  });

  test("tools with text: the text streams before the call", async () => {
    const fixture = await start();
    fixture.script({ text: "Let me check.", toolCalls: [{ name: "lookup", args: { q: "x" } }] });
    const model = createAnthropic({ baseURL: fixture.baseURL.anthropic, apiKey: "k" })(
      "claude-sonnet-4-5",
    );
    const lookup = tool({ inputSchema: z.object({ q: z.string() }) });
    const result = await generateText({ model, prompt: "x", tools: { lookup } });
    expect(result.text).toBe("Let me check.");
    expect(result.toolCalls[0]?.input).toEqual({ q: "x" });
  });
});

describe("shutdown", () => {
  test("close() ends a reply still held at its gate, and is idempotent", async () => {
    const fixture = await start();
    const gate = createGate();
    fixture.script({ text: "never sent", gate });
    const model = createOpenAI({ baseURL: fixture.baseURL.openai, apiKey: "test" }).chat(
      "gpt-4o-mini",
    );
    const pending = generateText({ model, prompt: "x", maxRetries: 0 }).catch((e: unknown) => e);
    await gate.reached;
    await Promise.all([fixture.close(), fixture.close()]);
    expect(liveFixtureServers()).toBe(0);
    expect(await pending).toBeInstanceOf(Error);
  });

  test("pendingReplies counts scripted replies not yet used", async () => {
    const fixture = await start();
    fixture.script({ text: "a" }, { text: "b" });
    const model = createOpenAI({ baseURL: fixture.baseURL.openai, apiKey: "test" }).chat(
      "gpt-4o-mini",
    );
    await generateText({ model, prompt: "x" });
    expect(fixture.pendingReplies).toBe(1);
  });
});
