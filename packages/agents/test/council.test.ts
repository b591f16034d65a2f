import { MemoryBudgetStore, MemoryLedger } from "@conclave/core";
import { createGateway, createRegistry, createSim, createVirtualClock } from "@conclave/models";
import { describe, expect, it } from "vitest";
import { createCouncil } from "../src/patterns/council.ts";

const clock = () => createVirtualClock();

function simMembers(seed = 1) {
  const sim = createSim({ clock: clock(), timeToFirstTokenMs: 0, perTokenMs: 0, seed });
  return [
    { name: "ada", model: sim("sim-a"), persona: "You are precise." },
    { name: "bo", model: sim("sim-b"), persona: "You are skeptical." },
    { name: "cy", model: sim("sim-c"), persona: "You are practical." },
  ];
}

describe("createCouncil", () => {
  it("answers in parallel, reviews round robin, votes, and reports scores and agreement", async () => {
    const council = createCouncil({ members: simMembers() });
    const out = await council.invoke({ messages: [["user", "Should we cache model responses?"]] });
    expect(Object.keys(out.answers).sort()).toEqual(["ada", "bo", "cy"]);
    expect(out.reviews.map((r) => [r.reviewer, r.target])).toEqual(
      expect.arrayContaining([
        ["ada", "bo"],
        ["bo", "cy"],
        ["cy", "ada"],
      ]),
    );
    for (const r of out.reviews) expect(r.score).toBeGreaterThanOrEqual(0);
    expect(Object.keys(out.votes).sort()).toEqual(["ada", "bo", "cy"]);
    expect(["ada", "bo", "cy"]).toContain(out.decision.winner);
    expect(out.decision.answer).toBe(out.answers[out.decision.winner!]);
    expect(out.decision.agreement).toBeGreaterThan(0);
    expect(out.decision.agreement).toBeLessThanOrEqual(1);
    expect(Object.keys(out.decision.scores).sort()).toEqual(["ada", "bo", "cy"]);
    expect(out.messages.at(-1)?.content).toBe(out.decision.answer);
  });

  it("phases: 2 skips the review; judge and synthesize use the chair", async () => {
    const chair = createSim({ clock: clock(), timeToFirstTokenMs: 0, perTokenMs: 0 })("sim-chair");
    const judged = await createCouncil({
      members: simMembers(),
      phases: 2,
      decide: "judge",
      chair,
    }).invoke({ messages: [["user", "Pick a database"]] });
    expect(judged.reviews).toEqual([]);
    expect(judged.decision.method).toBe("judge");
    expect(["ada", "bo", "cy"]).toContain(judged.decision.winner);
    expect(judged.decision.agreement).toBe(1);
    const merged = await createCouncil({
      members: simMembers(),
      decide: "synthesize",
      chair,
    }).invoke({ messages: [["user", "Pick a database"]] });
    expect(merged.decision.answer).toMatch(/^\[simulated\]/);
    expect(merged.decision.winner).toBeUndefined();
  });

  it("meters each member's cost as its own agent through the gateway", async () => {
    const registry = createRegistry({
      env: {},
      sim: { clock: clock(), timeToFirstTokenMs: 0, perTokenMs: 0 },
      deployments: [{ id: "s", alias: "fast", provider: "sim", model: "sim-default" }],
    });
    const ledger = new MemoryLedger();
    const gateway = createGateway({
      registry,
      aliases: { fast: { strategy: "ordered" } },
      ledger,
      budgets: new MemoryBudgetStore(),
    });
    const members = ["ada", "bo"].map((name) => ({ name, model: { gateway, alias: "fast" } }));
    await createCouncil({ members, phases: 2 }).invoke({ messages: [["user", "hello"]] });
    const byAgent = await ledger.query({ groupBy: ["agent"] });
    expect(byAgent.map((r) => [r.key.agent, r.calls])).toEqual([
      ["ada", 2],
      ["bo", 2],
    ]);
  });

  it("rejects a council of one and a judge without a chair", () => {
    expect(() => createCouncil({ members: simMembers().slice(0, 1) })).toThrow(
      /at least 2 members/,
    );
    expect(() => createCouncil({ members: simMembers(), decide: "judge" })).toThrow(
      /needs a chair model/,
    );
  });
});
