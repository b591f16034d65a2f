import { MemorySaver } from "@conclave/core";
import { createSim, createVirtualClock } from "@conclave/models";
import { describe, expect, it } from "vitest";
import { createAgent } from "../src/agent/create-agent.ts";
import { createSupervisor, FINISH } from "../src/patterns/supervisor.ts";

const sim = () =>
  createSim({ clock: createVirtualClock(), timeToFirstTokenMs: 0, perTokenMs: 0, seed: 3 });

function team() {
  const provider = sim();
  const agent = (name: string) => ({
    graph: createAgent({
      model: provider(`sim-${name}`),
      name,
      prompt: `You are the ${name}.`,
    }) as never,
    description: `the ${name}`,
  });
  return {
    provider,
    agents: { researcher: agent("researcher"), writer: agent("writer"), critic: agent("critic") },
  };
}

describe("createSupervisor", () => {
  it("routes with the model until FINISH, visiting each specialist, and records every handoff", async () => {
    const { provider, agents } = team();
    const supervisor = createSupervisor({
      agents,
      model: provider("sim-router"),
      checkpointer: new MemorySaver(),
    });
    const config = { configurable: { thread_id: "s1" } };
    const events: unknown[] = [];
    let out: Record<string, unknown> = {};
    for await (const [mode, chunk] of (await supervisor.stream(
      { messages: [["user", "Write a report on durable agents"]] },
      { ...config, streamMode: ["custom", "values"] },
    )) as AsyncIterable<[string, unknown]>) {
      if (mode === "custom") events.push(chunk);
      else out = chunk as Record<string, unknown>;
    }
    const handoffs = out.handoffs as { to: string; by: string }[];
    expect(handoffs.map((h) => h.to).sort()).toEqual(
      [FINISH, "critic", "researcher", "writer"].sort(),
    );
    expect(handoffs.at(-1)?.to).toBe(FINISH);
    expect(handoffs.every((h) => h.by === "model")).toBe(true);
    expect(events).toHaveLength(handoffs.length);
    const history = [];
    for await (const s of supervisor.getStateHistory(config)) history.push(s);
    const annotated = history
      .flatMap((s) => (s.metadata?.tasks as { handoff?: unknown[] }[] | undefined) ?? [])
      .filter((t) => t.handoff);
    expect(annotated.length).toBe(handoffs.length);
  });

  it("applies rules first and stops ping-pong with maxHandoffs", async () => {
    const { agents } = team();
    let turn = 0;
    const pingPong = createSupervisor({
      agents,
      route: () => (turn++ % 2 === 0 ? "writer" : "critic"),
      maxHandoffs: 4,
    });
    await expect(pingPong.invoke({ messages: [["user", "go"]] })).rejects.toMatchObject({
      code: "MAX_HANDOFFS",
    });
    const ruled = createSupervisor({
      agents,
      route: (s) => (s.handoffs.length === 0 ? "researcher" : FINISH),
    });
    const out = await ruled.invoke({ messages: [["user", "go"]] });
    expect(out.handoffs.map((h) => [h.to, h.by])).toEqual([
      ["researcher", "rule"],
      [FINISH, "rule"],
    ]);
  });

  it("rejects a route to an unknown agent with the list of agents", async () => {
    const { agents } = team();
    const bad = createSupervisor({ agents, route: () => "marketing" });
    await expect(bad.invoke({ messages: [["user", "go"]] })).rejects.toThrow(
      /"marketing", which is not an agent\. Agents: researcher, writer, critic/,
    );
  });
});
