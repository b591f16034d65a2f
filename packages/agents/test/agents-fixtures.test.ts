/**
 * The prebuilt graphs against the HTTP fixture servers that speak the real OpenAI and Anthropic
 * wire formats, through the real AI SDK providers (not the sim).
 */
import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAI } from "@ai-sdk/openai";
import { afterEach, describe, expect, it } from "vitest";
import {
  type FixtureServer,
  type RecordedRequest,
  type Reply,
  startFixtureServer,
} from "../../models/test/fixtures/index.ts";
import { type AgentTool, createAgent } from "../src/agent/create-agent.ts";
import { createCouncil } from "../src/patterns/council.ts";
import { createSupervisor, FINISH } from "../src/patterns/supervisor.ts";
import { createTriage } from "../src/patterns/triage.ts";

let server: FixtureServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const openai = (s: FixtureServer) =>
  createOpenAI({ baseURL: s.baseURL.openai, apiKey: "test" }).chat("gpt-4o-mini");
const anthropic = (s: FixtureServer) =>
  createAnthropic({ baseURL: s.baseURL.anthropic, apiKey: "test" })("claude-sonnet-4-5");

const weather: AgentTool = {
  name: "weather",
  description: "Weather for a city",
  inputSchema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  execute: (args) => {
    if (args.city === "Atlantis") throw new Error("no such city");
    return `sunny in ${String(args.city)}`;
  },
};

function schemaText(request: RecordedRequest): string {
  return JSON.stringify(request.body ?? {});
}

describe("prebuilt graphs over the real provider wire formats", () => {
  it("createAgent (OpenAI chat): parallel tool calls, a tool error returned to the model, then an answer", async () => {
    server = await startFixtureServer();
    server.script(
      {
        toolCalls: [
          { name: "weather", args: { city: "Paris" } },
          { name: "weather", args: { city: "Atlantis" } },
        ],
        finishReason: "tool-calls",
      },
      { text: "Paris is sunny; Atlantis is unknown." },
    );
    const agent = createAgent({ model: openai(server), tools: [weather] });
    const out = await agent.invoke({ messages: [["user", "weather in Paris and Atlantis?"]] });
    expect(out.messages.map((m) => m.type)).toEqual(["human", "ai", "tool", "tool", "ai"]);
    expect(out.messages.filter((m) => m.type === "tool").map((m) => m.content)).toEqual([
      "sunny in Paris",
      "Error: no such city",
    ]);
    const second = JSON.stringify(server.requests[1]?.body);
    expect(second).toContain("sunny in Paris");
    expect(second).toContain("no such city");
    expect(out.messages.at(-1)?.content).toBe("Paris is sunny; Atlantis is unknown.");
  });

  it("createAgent (Anthropic): maxSteps ends a tool loop with MAX_STEPS", async () => {
    server = await startFixtureServer({
      responder: () => ({
        toolCalls: [{ name: "weather", args: { city: "Oslo" } }],
        finishReason: "tool-calls",
      }),
    });
    const agent = createAgent({ model: anthropic(server), tools: [weather], maxSteps: 2 });
    await expect(agent.invoke({ messages: [["user", "loop"]] })).rejects.toMatchObject({
      code: "MAX_STEPS",
    });
  });

  it("createSupervisor (Anthropic structured output): routes, hands off with reasons, finishes", async () => {
    let routed = 0;
    server = await startFixtureServer({
      responder: (request): Reply => {
        if (schemaText(request).includes("FINISH")) {
          routed += 1;
          return routed === 1
            ? { object: { next: "researcher", reason: "needs facts" } }
            : { object: { next: FINISH, reason: "answered" } };
        }
        return { text: "Here are the facts." };
      },
    });
    const supervisor = createSupervisor({
      agents: {
        researcher: {
          graph: createAgent({ model: anthropic(server), name: "researcher" }),
          description: "finds facts",
        },
      },
      model: anthropic(server),
    });
    const out = await supervisor.invoke({ messages: [["user", "tell me about MCP"]] });
    expect(out.handoffs).toEqual([
      { to: "researcher", reason: "needs facts", by: "model" },
      { to: FINISH, reason: "answered", by: "model" },
    ]);
    expect(out.messages.some((m) => m.content === "Here are the facts.")).toBe(true);
  });

  it("createCouncil (OpenAI): answers, round-robin reviews with scores, votes and agreement", async () => {
    server = await startFixtureServer({
      responder: (request): Reply => {
        const body = schemaText(request);
        if (body.includes('"verdict"'))
          return { object: { score: 8, issues: ["cite sources"], verdict: "accept" } };
        if (body.includes('"vote"')) return { object: { vote: "bo", reason: "clearest" } };
        return { text: "use a durable queue" };
      },
    });
    const members = ["ada", "bo", "cy"].map((name) => ({ name, model: openai(server!) }));
    const out = await createCouncil({ members }).invoke({
      messages: [["user", "Which queue should we use?"]],
    });
    expect(out.reviews).toHaveLength(3);
    expect(out.reviews.every((r) => r.score === 8 && r.verdict === "accept")).toBe(true);
    expect(out.decision).toMatchObject({
      method: "vote",
      winner: "bo",
      agreement: 1,
      scores: { ada: 8, bo: 8, cy: 8 },
    });
  });

  it("createTriage (OpenAI): the classifier's structured decision picks the path and is recorded", async () => {
    server = await startFixtureServer({
      responder: (request): Reply =>
        schemaText(request).includes("deliberate")
          ? { object: { route: "deliberate", reason: "contested trade-off" } }
          : { text: "considered answer" },
    });
    const fast = createAgent({ model: openai(server), name: "fast" });
    const slow = createAgent({ model: openai(server), name: "slow" });
    const triage = createTriage({ classify: { model: openai(server) }, fast, deliberate: slow });
    const out = await triage.invoke({ messages: [["user", "Monolith or services?"]] });
    expect(out.triage).toEqual({ route: "deliberate", reason: "contested trade-off", by: "model" });
    expect(out.messages.at(-1)?.name).toBe("slow");
  });
});
