import type { Message } from "@conclave/core";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { openAiApi, openAiErrors } from "../src/openai/index.ts";
import { startTestServer, type TestServer } from "./harness.ts";
import { createGraphs } from "./openai-graphs.ts";

let server: TestServer;
let client: OpenAI;
let otherTenant: OpenAI;
let release: (text: string) => void;

const clientFor = (apiKey: string) =>
  new OpenAI({ baseURL: `${server.url}/v1`, apiKey, maxRetries: 0 });

beforeAll(async () => {
  const graphs = createGraphs();
  release = graphs.releaseSlow;
  server = await startTestServer({
    graphs: graphs.graphs,
    modules: [openAiApi],
    extensions: [openAiErrors],
  });
  client = clientFor(await server.key("acme", ["runs:write"]));
  otherTenant = clientFor(await server.key("globex", ["runs:write"]));
  await server.runtime.store.assistants.create(
    { tenant: "acme", assistantId: "asst-1", graphId: "echo", name: "echo-bot" },
    new Date(),
  );
});
afterAll(() => server.close());

async function collect(stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>) {
  const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
  const contentChunks = chunks.filter((c) => (c.choices[0]?.delta.content ?? "") !== "");
  return { chunks, text, contentChunks };
}

describe("OpenAI-compatible models", () => {
  it("lists the registered graphs and the tenant's own assistants", async () => {
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(["broken", "echo", "sim-chat", "slow", "echo-bot"]);
    const other = [];
    for await (const model of otherTenant.models.list()) other.push(model.id);
    expect(other).not.toContain("echo-bot");
  });

  it("retrieves one model, and 404s an unknown one with NotFoundError", async () => {
    const model = await client.models.retrieve("echo-bot");
    expect(model).toMatchObject({ id: "echo-bot", object: "model", owned_by: "acme" });
    const error = await client.models.retrieve("nope").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
  });
});

describe("OpenAI-compatible chat completions", () => {
  it("replies with the graph's last assistant message", async () => {
    const completion = await client.chat.completions.create({
      model: "echo",
      messages: [
        { role: "system", content: "Be terse." },
        { role: "user", content: [{ type: "text", text: "hello there" }] },
      ],
    });
    expect(completion.object).toBe("chat.completion");
    expect(completion.choices).toHaveLength(1);
    expect(completion.choices[0]).toMatchObject({
      index: 0,
      finish_reason: "stop",
      message: { role: "assistant", content: "You said: hello there" },
    });
    expect(completion.usage).toMatchObject({ prompt_tokens: 0, completion_tokens: 0 });
  });

  it("talks to a tenant's assistant by name, and to no other tenant's", async () => {
    const completion = await client.chat.completions.create({
      model: "echo-bot",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(completion.choices[0]?.message.content).toBe("You said: hi");
    const error = await otherTenant.chat.completions
      .create({ model: "echo-bot", messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).code).toBe("model_not_found");
  });

  it("streams model tokens that reassemble the reply, then usage, then [DONE]", async () => {
    const messages = [{ role: "user" as const, content: "Name three durable queues" }];
    const whole = await client.chat.completions.create({ model: "sim-chat", messages });
    const reply = whole.choices[0]?.message.content ?? "";
    expect(reply).toMatch(/^\[simulated\]/);
    expect(whole.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(whole.usage?.completion_tokens).toBeGreaterThan(0);

    const stream = await client.chat.completions.create({
      model: "sim-chat",
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const { chunks, text, contentChunks } = await collect(stream);
    expect(text).toBe(reply);
    expect(contentChunks.length).toBeGreaterThan(3);
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    expect(chunks.every((c) => c.object === "chat.completion.chunk")).toBe(true);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    const finish = chunks.at(-2);
    expect(finish?.choices[0]?.finish_reason).toBe("stop");
    const usage = chunks.at(-1);
    expect(usage?.choices).toEqual([]);
    expect(usage?.usage).toEqual(whole.usage);
  });

  it("ends the raw stream with data: [DONE] and sends no usage unless asked", async () => {
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${await server.key("acme", ["runs:write"])}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({
        model: "echo",
        stream: true,
        messages: [{ role: "user", content: "x" }],
      }),
    });
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(response.headers.get("x-conclave-run-id")).toMatch(/^[0-9a-f-]{36}$/);
    const events = (await response.text()).split("\n\n").filter((e) => e !== "");
    expect(events.at(-1)).toBe("data: [DONE]");
    const payloads = events.slice(0, -1).map((e) => JSON.parse(e.replace(/^data: /, "")));
    expect(payloads.some((p) => "usage" in p)).toBe(false);
    // A graph that streams no tokens sends its reply as one chunk.
    const content = payloads.map((p) => p.choices[0]?.delta.content ?? "").filter(Boolean);
    expect(content).toEqual(["You said: x"]);
  });

  it("keeps a conversation on a thread named in x-conclave-thread-id", async () => {
    const thread = `thread-${Date.now()}`;
    const headers = { "x-conclave-thread-id": thread };
    const first = await client.chat.completions.create(
      { model: "echo", messages: [{ role: "user", content: "one" }] },
      { headers },
    );
    const answer = first.choices[0]?.message.content ?? "";
    await client.chat.completions.create(
      {
        model: "echo",
        messages: [
          { role: "user", content: "one" },
          { role: "assistant", content: answer },
          { role: "user", content: "two" },
        ],
      },
      { headers },
    );
    const stored = await server.runtime.store.threads.get("acme", thread);
    const messages = (stored?.values as { messages: Message[] } | undefined)?.messages ?? [];
    expect(messages.map((m) => [m.type, m.content])).toEqual([
      ["human", "one"],
      ["ai", "You said: one"],
      ["human", "two"],
      ["ai", "You said: two"],
    ]);
    expect(await server.runtime.store.threads.get("globex", thread)).toBeUndefined();
  });

  it("reports a failed run as an OpenAI server error, streaming or not", async () => {
    const messages = [{ role: "user" as const, content: "go" }];
    const error = await client.chat.completions
      .create({ model: "broken", messages })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect((error as Error).message).toContain("the flux capacitor is out of flux");
    const stream = await client.chat.completions.create({
      model: "broken",
      messages,
      stream: true,
    });
    const streamed = await collect(stream).catch((e: unknown) => e);
    expect(streamed).toBeInstanceOf(OpenAI.APIError);
    expect((streamed as Error).message).toContain("the flux capacitor is out of flux");
  });
});

describe("OpenAI-compatible lifecycle", () => {
  it("cancels the run of a client that disconnects mid-stream", async () => {
    const { data: stream, response } = await client.chat.completions
      .create({
        model: "slow",
        stream: true,
        messages: [{ role: "user", content: "abandon me" }],
      })
      .withResponse();
    const runId = response.headers.get("x-conclave-run-id") ?? "";
    for await (const chunk of stream) {
      expect(chunk.choices[0]?.delta.role).toBe("assistant");
      break;
    }
    await vi.waitFor(async () => {
      const run = await server.runtime.getRun("acme", runId);
      expect(run.cancelAction ?? run.status).toMatch(/interrupt|cancelled/);
    });
    release("abandon me");
    expect((await server.runtime.join("acme", runId)).status).toBe("cancelled");
  });

  it("documents the /v1 routes in the OpenAPI document", async () => {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/v1/models", "/v1/models/{model}", "/v1/chat/completions"]),
    );
    expect(JSON.stringify(doc.paths["/v1/chat/completions"]?.post?.requestBody)).toContain(
      "stream_options",
    );
  });
});

describe("OpenAI-compatible errors", () => {
  it("rejects a bad key with AuthenticationError (invalid_api_key)", async () => {
    const error = await clientFor("sk-not-a-key")
      .chat.completions.create({ model: "echo", messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(error).toMatchObject({
      status: 401,
      code: "invalid_api_key",
      type: "invalid_request_error",
    });
  });

  it("rejects a key without the runs:write scope with PermissionDeniedError", async () => {
    const reader = clientFor(await server.key("acme", ["runs:read"]));
    const error = await reader.models.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((error as Error).message).toContain("runs:write");
  });

  it("answers invalid input with a 400 that names the parameter", async () => {
    const empty = await client.chat.completions
      .create({ model: "echo", messages: [] })
      .catch((e: unknown) => e);
    expect(empty).toBeInstanceOf(OpenAI.BadRequestError);
    expect(empty).toMatchObject({ param: "messages", type: "invalid_request_error" });
    expect((empty as Error).message).toContain("send at least one message");
    const role = await client.chat.completions
      .create({ model: "echo", messages: [{ role: "robot", content: "beep" }] as never })
      .catch((e: unknown) => e);
    expect(role).toBeInstanceOf(OpenAI.BadRequestError);
    expect((role as Error).message).toMatch(/messages\.0\.role/);
    const many = await client.chat.completions
      .create({ model: "echo", n: 2, messages: [{ role: "user", content: "x" }] })
      .catch((e: unknown) => e);
    expect((many as Error).message).toContain("n > 1 is not supported");
  });

  it("answers unknown /v1 routes in OpenAI's shape", async () => {
    const response = await fetch(`${server.url}/v1/embeddings`, { method: "POST" });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: {
        message: expect.stringContaining("/v1/embeddings"),
        type: "invalid_request_error",
        param: null,
        code: "unknown_url",
      },
    });
  });
});
