import { createSim, createVirtualClock } from "@conclave/models";
import { describe, expect, it } from "vitest";
import { createAgent } from "../src/agent/create-agent.ts";
import { createCouncil } from "../src/patterns/council.ts";
import { createTriage } from "../src/patterns/triage.ts";

const sim = (seed = 1) =>
  createSim({ clock: createVirtualClock(), timeToFirstTokenMs: 0, perTokenMs: 0, seed });

function paths() {
  const s = sim();
  return {
    fast: createAgent({ model: s("sim-fast"), name: "fast" }) as never,
    deliberate: createCouncil({
      members: [
        { name: "a", model: s("sim-a") },
        { name: "b", model: s("sim-b") },
      ],
      phases: 2,
    }) as never,
  };
}

describe("createTriage", () => {
  it("rules send simple requests down the fast path and hard ones to the council", async () => {
    const triage = createTriage({
      classify: { rules: (text) => (text.length < 40 ? "fast" : "deliberate") },
      ...paths(),
    });
    const quick = await triage.invoke({ messages: [["user", "What time is it in Paris?"]] });
    expect(quick.triage).toEqual({ route: "fast", reason: "matched a triage rule", by: "rule" });
    expect(quick.messages.at(-1)?.name).toBe("fast");
    const hard = await triage.invoke({
      messages: [
        ["user", "Should we migrate our whole billing system to event sourcing this quarter?"],
      ],
    });
    expect(hard.triage.route).toBe("deliberate");
    expect(hard.messages.at(-1)?.name).toBe("council");
  });

  it("falls back to a cheap model with structured output and records its reason", async () => {
    const triage = createTriage({
      classify: { model: sim(5)("sim-classifier"), rules: () => undefined },
      ...paths(),
    });
    const out = await triage.invoke({ messages: [["user", "Summarise this memo"]] });
    expect(["fast", "deliberate"]).toContain(out.triage.route);
    expect(out.triage.by).toBe("model");
    expect(typeof out.triage.reason).toBe("string");
  });

  it("needs rules or a model", () => {
    expect(() => createTriage({ classify: {}, ...paths() })).toThrow(
      /needs classify.rules, classify.model, or both/,
    );
  });
});
