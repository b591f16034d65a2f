/**
 * Router limits: concurrency, rpm and tpm, the priority queue, queue timeouts, overflow to the
 * next candidate, and deployment timeouts. The router runs on a manual clock the test advances;
 * the sims answer at once on their own virtual clock, and gated replies hold calls in flight.
 */
import { describe, expect, it } from "vitest";
import { createRouter } from "../src/router/create-router.ts";
import { createVirtualClock } from "../src/sim/sim-clock.ts";
import { createManualClock } from "./fixtures/index.ts";
import { ask, holdable, settle, simDeployment } from "./router-kit.ts";

describe("router: limits and queueing", () => {
  it("queues by priority: a later high-priority call is admitted before earlier low ones", async () => {
    const clock = createManualClock(0);
    const gate = holdable();
    const a = simDeployment("a", {
      clock: createVirtualClock(),
      responder: gate.hold,
      limits: { maxConcurrency: 1 },
    });
    const router = createRouter({
      deployments: [a.deployment],
      aliases: { main: { strategy: "ordered" } },
      clock,
    });
    const order: string[] = [];
    const call = (name: string, priority: number) =>
      router.generate("main", ask(name), { priority }).then((r) => {
        order.push(name);
        return r;
      });
    const first = call("first", 0);
    await settle();
    const low1 = call("low1", 0);
    const low2 = call("low2", 0);
    const high = call("high", 5);
    await settle();
    expect(router.stats().queued.main).toBe(3);
    for (let i = 0; i < 4; i++) {
      gate.releaseAll();
      await settle();
    }
    await Promise.all([first, low1, low2, high]);
    expect(order).toEqual(["first", "high", "low1", "low2"]);
    expect(router.stats().queued.main).toBe(0);
  });

  it("a queued call times out after queueTimeoutMs on the clock", async () => {
    const clock = createManualClock(0);
    const gate = holdable();
    const a = simDeployment("a", {
      clock: createVirtualClock(),
      responder: gate.hold,
      limits: { maxConcurrency: 1 },
    });
    const router = createRouter({
      deployments: [a.deployment],
      aliases: { main: { strategy: "ordered", queueTimeoutMs: 1_000 } },
      clock,
    });
    const first = router.generate("main", ask("1"));
    await settle();
    const second = router.generate("main", ask("2")).catch((e: unknown) => e);
    await clock.whenSleeping();
    clock.advance(1_000);
    expect(await second).toMatchObject({ code: "QUEUE_TIMEOUT", waitedMs: 1_000 });
    gate.releaseAll();
    await first;
  });

  it("overflow next spills a saturated deployment's call to the next candidate", async () => {
    const clock = createManualClock(0);
    const gate = holdable();
    const a = simDeployment("a", {
      clock: createVirtualClock(),
      responder: gate.hold,
      limits: { maxConcurrency: 1 },
    });
    const b = simDeployment("b", { clock: createVirtualClock() });
    const router = createRouter({
      deployments: [a.deployment, b.deployment],
      aliases: { main: { strategy: "ordered", overflow: "next" } },
      clock,
    });
    const first = router.generate("main", ask("1"));
    await settle();
    const second = await router.generate("main", ask("2"));
    expect(second.deployment.id).toBe("b");
    expect(second.decision.reason).toBe(
      "skipped a (saturated: 1/1 in flight); position 2 of 2 in fallback order",
    );
    gate.releaseAll();
    expect((await first).deployment.id).toBe("a");
  });

  it("overflow queue waits for the preferred deployment instead of spilling", async () => {
    const clock = createManualClock(0);
    const gate = holdable();
    const a = simDeployment("a", {
      clock: createVirtualClock(),
      responder: gate.hold,
      limits: { maxConcurrency: 1 },
    });
    const b = simDeployment("b", { clock: createVirtualClock() });
    const router = createRouter({
      deployments: [a.deployment, b.deployment],
      aliases: { main: { strategy: "ordered", overflow: "queue" } },
      clock,
    });
    const first = router.generate("main", ask("1"));
    await settle();
    const second = router.generate("main", ask("2"));
    await settle();
    expect(b.sim.calls).toBe(0);
    gate.releaseAll();
    await first;
    await settle();
    gate.releaseAll();
    expect((await second).deployment.id).toBe("a");
  });

  it("rpm: the call over the limit waits for the sliding window on the clock", async () => {
    const clock = createManualClock(0);
    const a = simDeployment("a", { clock: createVirtualClock(), limits: { rpm: 2 } });
    const router = createRouter({
      deployments: [a.deployment],
      aliases: { main: { strategy: "ordered", queueTimeoutMs: 120_000 } },
      clock,
    });
    await router.generate("main", ask("1"));
    clock.advance(10_000);
    await router.generate("main", ask("2"));
    const third = router.generate("main", ask("3"));
    await clock.whenSleeping();
    expect(router.stats().deployments.a!.requestsInWindow).toBe(2);
    clock.advance(50_000);
    const routed = await third;
    expect(routed.decision.waitedMs).toBe(50_000);
    expect(routed.decision.decidedAt).toBe(60_000);
  });

  it("tpm counts the estimate at admission and corrects it to real usage on completion", async () => {
    const clock = createManualClock(0);
    const gate = holdable();
    let hold = true;
    const a = simDeployment("a", {
      clock: createVirtualClock(),
      limits: { tpm: 1_000 },
      responder: () => (hold ? gate.hold() : undefined),
    });
    const router = createRouter({
      deployments: [a.deployment],
      aliases: { main: { strategy: "ordered", queueTimeoutMs: 0 } },
      clock,
      defaultOutputTokens: 900,
    });
    const first = router.generate("main", ask("hello"));
    await settle();
    const estimate = router.stats().deployments.a!.tokensInWindow;
    expect(estimate).toBeGreaterThan(900);
    const refused = await router.generate("main", ask("again")).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: "QUEUE_TIMEOUT" });
    expect((refused as Error).message).toMatch(/tpm \d+\+\d+\/1000/);
    hold = false;
    gate.releaseAll();
    const usage = (await first).result.usage;
    const real = (usage.inputTokens.total ?? 0) + (usage.outputTokens.total ?? 0);
    expect(router.stats().deployments.a!.tokensInWindow).toBe(real);
    expect((await router.generate("main", ask("again"))).deployment.id).toBe("a");
  });
});

describe("router: deployment timeouts", () => {
  it("a call that exceeds timeoutMs falls back to the next candidate", async () => {
    const clock = createManualClock(0);
    const a = simDeployment("a", {
      clock: createVirtualClock(),
      script: [{ fault: "timeout" }],
      timeoutMs: 2_000,
    });
    const b = simDeployment("b", { clock: createVirtualClock() });
    const router = createRouter({
      deployments: [a.deployment, b.deployment],
      aliases: { main: { strategy: "ordered" } },
      clock,
    });
    const pending = router.generate("main", ask("hi"));
    await clock.whenSleeping();
    clock.advance(2_000);
    const routed = await pending;
    expect(routed.deployment.id).toBe("b");
    expect(routed.decision.fallbackError).toMatch(
      /DEPLOYMENT_TIMEOUT|sent no answer within 2000 ms/,
    );
    expect(router.stats().deployments.a!.inFlight).toBe(0);
  });
});
