/**
 * Operational modes through runTools: `manual` asks before every side-effecting call (and
 * only those), `read-only` refuses them with an error the model sees, `auto` leaves each tool's
 * own policy in charge. Every call is annotated for the audit trail, without raw arguments.
 */
import {
  Annotation,
  Command,
  MemorySaver,
  MODE_CONFIG_KEY,
  START,
  StateGraph,
} from "@conclave/core";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { runTools, type ToolCallResult, tool } from "../src/index.ts";

const State = Annotation.Root({ results: Annotation<ToolCallResult[]>() });

function setup() {
  const ran: string[] = [];
  const send = tool({
    name: "send_email",
    description: "Sends an email",
    schema: z.object({ to: z.string() }),
    execute: ({ to }) => {
      ran.push(`send:${to}`);
      return "sent";
    },
  });
  const lookup = tool({
    name: "lookup",
    description: "Looks a word up",
    schema: z.object({ word: z.string() }),
    sideEffects: false,
    execute: ({ word }) => {
      ran.push(`lookup:${word}`);
      return `${word}: a word`;
    },
  });
  const calls = [
    { id: "c1", name: "send_email", args: { to: "ada@example.com" } },
    { id: "c2", name: "lookup", args: { word: "durable" } },
  ];
  const graph = new StateGraph(State)
    .addNode("tools", async (_s, config) => ({
      results: await runTools(calls, [send, lookup], config),
    }))
    .addEdge(START, "tools")
    .compile({ checkpointer: new MemorySaver() });
  return { graph, ran };
}

const config = (thread: string, mode: string) => ({
  configurable: { thread_id: thread, [MODE_CONFIG_KEY]: mode },
});

describe("operational modes in runTools", () => {
  it("manual mode asks before the side-effecting call only, and records the mode", async () => {
    const { graph, ran } = setup();
    const paused = await graph.invoke({}, config("m", "manual"));
    expect(paused.__interrupt__?.[0]?.value).toMatchObject({
      type: "approval",
      tool: "send_email",
      mode: "manual",
      reason: expect.stringContaining("Manual mode"),
    });
    expect(ran).toEqual([]);
    const done = await graph.invoke(
      new Command({ resume: { approved: true, by: "ops" } }),
      config("m", "manual"),
    );
    expect(done.results.map((r) => r.status)).toEqual(["ok", "ok"]);
    expect(ran.sort()).toEqual(["lookup:durable", "send:ada@example.com"]);
    const state = await graph.getState(config("m", "manual"));
    const history = [];
    for await (const s of graph.getStateHistory(config("m", "manual"))) history.push(s);
    const tasks = history.flatMap((s) =>
      Object.values(
        (s.metadata?.tasks ?? {}) as Record<string, { tools?: unknown[]; approvals?: unknown[] }>,
      ),
    );
    const tools = tasks.flatMap((t) => t.tools ?? []);
    expect(tools).toEqual([
      {
        toolCallId: "c1",
        tool: "send_email",
        status: "ok",
        mode: "manual",
        argsSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
      {
        toolCallId: "c2",
        tool: "lookup",
        status: "ok",
        mode: "manual",
        argsSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    ]);
    expect(JSON.stringify(tools)).not.toContain("ada@example.com");
    expect(tasks.flatMap((t) => t.approvals ?? [])).toEqual([
      expect.objectContaining({ tool: "send_email", approved: true, by: "ops", mode: "manual" }),
    ]);
    expect(state.next).toEqual([]);
  });

  it("read-only mode refuses side-effecting calls with a clear error and runs the rest", async () => {
    const { graph, ran } = setup();
    const out = await graph.invoke({}, config("r", "read-only"));
    expect(out.results[0]).toMatchObject({
      status: "error",
      output: {
        error: expect.stringContaining(
          'Tool "send_email" has side effects and this assistant runs in read-only mode',
        ),
      },
    });
    expect(out.results[1]?.status).toBe("ok");
    expect(ran).toEqual(["lookup:durable"]);
  });

  it("auto mode runs ungated tools without asking", async () => {
    const { graph, ran } = setup();
    const out = await graph.invoke({}, config("a", "auto"));
    expect(out.results.map((r) => r.status)).toEqual(["ok", "ok"]);
    expect(ran.length).toBe(2);
  });
});
