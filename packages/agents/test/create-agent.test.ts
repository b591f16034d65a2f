import { Command, interrupt, MemorySaver } from "@conclave/core";
import { createSim, createVirtualClock, type SimReply } from "@conclave/models";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { type AgentTool, createAgent } from "../src/agent/create-agent.ts";
import { tool } from "../src/tools/tool.ts";

function simModel(script: SimReply[]) {
  return createSim({ clock: createVirtualClock(), timeToFirstTokenMs: 0, perTokenMs: 0, script })(
    "sim-default",
  );
}

const weather: AgentTool = {
  name: "weather",
  description: "Get the weather forecast for a city",
  inputSchema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  execute: (args) => `sunny in ${String(args.city)}`,
};

describe("createAgent: the tool-calling loop", () => {
  it("calls the tool the sim picks, returns its result to the model, then answers", async () => {
    const agent = createAgent({ model: simModel([]), tools: [weather], prompt: "Be brief." });
    const out = await agent.invoke({
      messages: [["user", "What is the weather forecast for Paris?"]],
    });
    const types = out.messages.map((m) => m.type);
    expect(types).toEqual(["human", "ai", "tool", "ai"]);
    expect(out.messages[1]!.tool_calls?.[0]?.name).toBe("weather");
    expect(out.messages[2]!.content).toMatch(/^sunny in /);
    expect(String(out.messages[3]!.content)).toMatch(/^\[simulated\]/);
    expect(out.steps).toBe(2);
  });

  it("runs parallel tool calls concurrently and returns a tool's error to the model, not a crash", async () => {
    let running = 0;
    let peak = 0;
    const slow = (name: string, fail = false): AgentTool => ({
      name,
      description: name,
      inputSchema: { type: "object", properties: {} },
      execute: async () => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setImmediate(resolve));
        running -= 1;
        if (fail) throw new Error(`${name} is down`);
        return `${name} ok`;
      },
    });
    const agent = createAgent({
      model: simModel([
        {
          toolCalls: [
            { toolName: "a", input: {} },
            { toolName: "b", input: {} },
          ],
        },
        "done",
      ]),
      tools: [slow("a"), slow("b", true)],
    });
    const out = await agent.invoke({ messages: [["user", "go"]] });
    const results = out.messages.filter((m) => m.type === "tool");
    expect(results.map((m) => [m.name, m.content, m.status])).toEqual([
      ["a", "a ok", "success"],
      ["b", "Error: b is down", "error"],
    ]);
    expect(peak).toBe(2);
    expect(out.messages.at(-1)?.content).toBe("[simulated] done");
  });

  it("ends cleanly with MaxStepsError, the conversation checkpointed", async () => {
    const always = Array.from(
      { length: 10 },
      (): SimReply => ({ toolCalls: [{ toolName: "weather", input: { city: "Oslo" } }] }),
    );
    const agent = createAgent({
      model: simModel(always),
      tools: [weather],
      maxSteps: 3,
      checkpointer: new MemorySaver(),
    });
    const config = { configurable: { thread_id: "max" } };
    await expect(agent.invoke({ messages: [["user", "loop"]] }, config)).rejects.toMatchObject({
      code: "MAX_STEPS",
    });
    const state = await agent.getState(config);
    expect(state.values.steps).toBe(3);
    expect((state.values.messages as unknown[]).length).toBe(7);
  });

  it("stops with ToolErrorLimitError after consecutive failing rounds", async () => {
    const broken: AgentTool = {
      ...weather,
      execute: () => {
        throw new Error("backend unavailable");
      },
    };
    const always = Array.from(
      { length: 10 },
      (): SimReply => ({ toolCalls: [{ toolName: "weather", input: { city: "Oslo" } }] }),
    );
    const agent = createAgent({ model: simModel(always), tools: [broken], maxToolErrors: 2 });
    await expect(agent.invoke({ messages: [["user", "weather?"]] })).rejects.toMatchObject({
      code: "TOOL_ERROR_LIMIT",
    });
  });

  it("gives a structured final answer with responseFormat", async () => {
    const agent = createAgent({
      model: simModel([]),
      responseFormat: z.object({
        verdict: z.enum(["yes", "no"]),
        confidence: z.number().min(0).max(1),
      }),
    });
    const out = await agent.invoke({ messages: [["user", "Is it safe?"]] });
    expect(out.structuredResponse).toMatchObject({ verdict: expect.stringMatching(/^(yes|no)$/) });
  });

  it("never re-runs a finished tool when the tools node re-runs after an interrupt (journaled)", async () => {
    let executions = 0;
    const counted: AgentTool = {
      ...weather,
      name: "weather",
      execute: (args) => `run ${++executions} for ${String(args.city)}`,
    };
    const gated: AgentTool = {
      name: "deploy",
      description: "Deploy the service",
      inputSchema: { type: "object", properties: {} },
      execute: (_args, { config }) =>
        `deployed: ${interrupt<string, string>("approve deploy?", config)}`,
    };
    const agent = createAgent({
      model: simModel([
        {
          toolCalls: [
            { toolName: "weather", input: { city: "Rome" } },
            { toolName: "deploy", input: {} },
          ],
        },
        "all done",
      ]),
      tools: [counted, gated],
      checkpointer: new MemorySaver(),
    });
    const config = { configurable: { thread_id: "journal" } };
    const paused = await agent.invoke(
      { messages: [["user", "check weather then deploy"]] },
      config,
    );
    expect(paused.__interrupt__?.[0]?.value).toBe("approve deploy?");
    expect(executions).toBe(1);
    const done = await agent.invoke(new Command({ resume: "yes" }), config);
    expect(executions).toBe(1);
    expect(done.messages.filter((m) => m.type === "tool").map((m) => m.content)).toEqual([
      "run 1 for Rome",
      "deployed: yes",
    ]);
  });

  it("asks for approval before a tool() that requires it; rejected calls go back to the model", async () => {
    const sent: string[] = [];
    const email = tool({
      name: "send_email",
      description: "Send an email to a recipient",
      schema: z.object({ to: z.string(), body: z.string() }),
      requiresApproval: true,
      execute: ({ to }) => {
        sent.push(to);
        return `sent to ${to}`;
      },
    });
    const script: SimReply[] = [
      { toolCalls: [{ toolName: "send_email", input: { to: "ceo@example.com", body: "hi" } }] },
      { toolCalls: [{ toolName: "send_email", input: { to: "team@example.com", body: "hi" } }] },
      "done",
    ];
    const agent = createAgent({
      model: simModel(script),
      tools: [email],
      checkpointer: new MemorySaver(),
    });
    const config = { configurable: { thread_id: "approval" } };
    const first = await agent.invoke({ messages: [["user", "email people"]] }, config);
    expect(first.__interrupt__?.[0]?.value).toMatchObject({
      type: "approval",
      tool: "send_email",
      args: { to: "ceo@example.com" },
    });
    const second = await agent.invoke(
      new Command({ resume: { approved: false, reason: "not the CEO", by: "ana" } }),
      config,
    );
    expect(second.__interrupt__?.[0]?.value).toMatchObject({
      type: "approval",
      args: { to: "team@example.com" },
    });
    const done = await agent.invoke(new Command({ resume: { approved: true, by: "ana" } }), config);
    expect(sent).toEqual(["team@example.com"]);
    const toolMessages = done.messages
      .filter((m) => m.type === "tool")
      .map((m) => String(m.content));
    expect(toolMessages[0]).toMatch(/rejected/);
    expect(toolMessages[1]).toBe("sent to team@example.com");
  });
});
