/**
 * The router over sim deployments: strategies, fallbacks, Retry-After, circuit breakers, config
 * errors and decisions. The router and the sims share a virtual clock, so latency and waits are
 * asserted from the clock and nothing sleeps.
 */
import { APICallError } from "@ai-sdk/provider";
import { describe, expect, it } from "vitest";
import { createRouter } from "../src/router/create-router.ts";
import type { RoutingDecision } from "../src/router/router-types.ts";
import { createVirtualClock } from "../src/sim/sim-clock.ts";
import { ask, holdable, price, settle, simDeployment, WEATHER_TOOL } from "./router-kit.ts";

function badRequest(): APICallError {
  return new APICallError({
    message: "Invalid schema for function 'weather'",
    url: "sim://x",
    requestBodyValues: {},
    statusCode: 400,
    isRetryable: false,
  });
}

describe("router: strategies", () => {
  it("cost picks the cheapest deployment that has the needed capability", async () => {
    const clock = createVirtualClock();
    const tiny = simDeployment("tiny", {
      clock,
      price: price("0.00000005", "0.0000001"),
      capabilities: { tools: false, structuredOutput: false, vision: false },
    });
    const mini = simDeployment("mini", { clock, price: price("0.00000015", "0.0000006") });
    const big = simDeployment("big", { clock, price: price("0.0000025", "0.00001") });
    const decisions: RoutingDecision[] = [];
    const router = createRouter({
      deployments: [big.deployment, tiny.deployment, mini.deployment],
      aliases: { main: { strategy: "cost" } },
      clock,
      onDecision: (d) => decisions.push(d),
    });
    const withTools = await router.generate(
      "main",
      ask("weather in Paris?", { tools: [WEATHER_TOOL] }),
    );
    expect(withTools.deployment.id).toBe("mini");
    expect(withTools.decision.reason).toContain(
      "cheapest with tools: $0.15/M vs $2.50/M input (big)",
    );
    expect(withTools.decision.candidates.map((c) => c.id)).toEqual(["mini", "big"]);
    const plain = await router.generate("main", ask("hello"));
    expect(plain.deployment.id).toBe("tiny");
    expect(decisions.map((d) => d.deployment)).toEqual(["mini", "tiny"]);
  });

  it("latency probes unmeasured deployments first, then picks the lowest EWMA", async () => {
    const clock = createVirtualClock();
    const slow = simDeployment("slow", { clock, timeToFirstTokenMs: 900 });
    const quick = simDeployment("quick", { clock, timeToFirstTokenMs: 100 });
    const router = createRouter({
      deployments: [slow.deployment, quick.deployment],
      aliases: { main: { strategy: "latency", latencySlaMs: 500 } },
      clock,
    });
    const first = await router.generate("main", ask("a"));
    const second = await router.generate("main", ask("b"));
    const third = await router.generate("main", ask("c"));
    expect([first, second, third].map((r) => r.deployment.id)).toEqual(["slow", "quick", "quick"]);
    expect(first.decision.reason).toMatch(/no latency sample yet/);
    expect(third.decision.reason).toMatch(
      /lowest latency EWMA: 100 ms vs 900 ms \(slow\) \(SLA 500 ms\)/,
    );
    expect(router.stats().deployments.slow!.latencyEwmaMs).toBe(900);
  });

  it("least-busy sends the next call to the deployment with fewer calls in flight", async () => {
    const clock = createVirtualClock();
    const gate = holdable();
    const a = simDeployment("a", { clock, responder: gate.hold });
    const b = simDeployment("b", { clock, responder: gate.hold });
    const router = createRouter({
      deployments: [a.deployment, b.deployment],
      aliases: { main: { strategy: "least-busy" } },
      clock,
    });
    const first = router.generate("main", ask("1"));
    await settle();
    const second = router.generate("main", ask("2"));
    await settle();
    expect(router.stats().deployments.a!.inFlight).toBe(1);
    expect(router.stats().deployments.b!.inFlight).toBe(1);
    gate.releaseAll();
    const [r1, r2] = await Promise.all([first, second]);
    expect([r1.deployment.id, r2.deployment.id]).toEqual(["a", "b"]);
    expect(r2.decision.reason).toBe("least busy: 0 in flight vs 1 in flight (a)");
  });

  it("weighted draws from the injected random source", async () => {
    const clock = createVirtualClock();
    const a = simDeployment("a", { clock, weight: 1 });
    const b = simDeployment("b", { clock, weight: 3 });
    const draws = [0.1, 0.5, 0.2, 0.9];
    const router = createRouter({
      deployments: [a.deployment, b.deployment],
      aliases: { main: { strategy: "weighted" } },
      clock,
      random: () => draws.shift() ?? 0,
    });
    // 0.1 * 4 = 0.4 < weight(a) = 1 -> a; then 0.2 * 4 = 0.8 -> a again.
    const one = await router.generate("main", ask("x"));
    const two = await router.generate("main", ask("y"));
    expect(one.deployment.id).toBe("a");
    expect(one.decision.reason).toBe("weighted random pick: weight 1 of 4, draw 0.100");
    expect(two.deployment.id).toBe("a");
  });

  it("weighted picks the heavier deployment for a high draw", async () => {
    const clock = createVirtualClock();
    const a = simDeployment("a", { clock, weight: 1 });
    const b = simDeployment("b", { clock, weight: 3 });
    const router = createRouter({
      deployments: [a.deployment, b.deployment],
      aliases: { main: { strategy: "weighted" } },
      clock,
      random: () => 0.75,
    });
    expect((await router.generate("main", ask("x"))).deployment.id).toBe("b");
  });
});

describe("router: fallback and Retry-After", () => {
  it("ordered falls back on a 500 and records both decisions", async () => {
    const clock = createVirtualClock();
    const a = simDeployment("a", { clock, script: [{ fault: "error" }] });
    const b = simDeployment("b", { clock });
    const decisions: RoutingDecision[] = [];
    const router = createRouter({
      deployments: [a.deployment, b.deployment],
      aliases: { main: { strategy: "ordered" } },
      clock,
      onDecision: (d) => decisions.push(d),
    });
    const routed = await router.generate("main", ask("hi"));
    expect(routed.deployment.id).toBe("b");
    expect(decisions).toHaveLength(2);
    expect(routed.decisions).toEqual(decisions);
    expect(decisions[0]).toMatchObject({
      deployment: "a",
      attempt: 1,
      reason: "first in fallback order",
    });
    expect(decisions[1]).toMatchObject({
      deployment: "b",
      attempt: 2,
      fallbackFrom: "a",
      fallbackError: "HTTP 500",
    });
    expect(decisions[1]!.reason).toMatch(/^fallback after a failed \(HTTP 500\); position 2 of 2/);
    expect(decisions[1]!.candidates.find((c) => c.id === "a")?.state).toBe("failed-this-call");
  });

  it("a 429 cools the deployment down for its Retry-After, measured on the clock", async () => {
    const clock = createVirtualClock(1_000);
    const a = simDeployment("a", {
      clock,
      script: [{ fault: "rate-limit", retryAfterSeconds: 7 }],
    });
    const b = simDeployment("b", { clock });
    const router = createRouter({
      deployments: [a.deployment, b.deployment],
      aliases: { main: { strategy: "ordered" } },
      clock,
    });
    const first = await router.generate("main", ask("hi"));
    expect(first.deployment.id).toBe("b");
    expect(router.stats().deployments.a!.cooldownUntil).toBe(8_000);
    const second = await router.generate("main", ask("again"));
    expect(second.deployment.id).toBe("b");
    expect(second.decision.reason).toContain("skipped a (cooling-down: Retry-After until t=8000)");
    await clock.sleep(7_000);
    expect((await router.generate("main", ask("later"))).deployment.id).toBe("a");
  });

  it("a lone deployment's Retry-After is waited out on the clock, up to maxWaitMs", async () => {
    const clock = createVirtualClock();
    const solo = simDeployment("solo", {
      clock,
      script: [{ fault: "rate-limit", retryAfterSeconds: 3 }],
    });
    const router = createRouter({
      deployments: [solo.deployment],
      aliases: { main: { strategy: "ordered", maxWaitMs: 5_000 } },
      clock,
    });
    const routed = await router.generate("main", ask("hi"));
    expect(routed.deployment.id).toBe("solo");
    expect(routed.decision).toMatchObject({ attempt: 2, fallbackFrom: "solo", waitedMs: 3_000 });
    expect(clock.now()).toBe(3_000);
  });

  it("a Retry-After beyond maxWaitMs fails fast with the retry time", async () => {
    const clock = createVirtualClock();
    const solo = simDeployment("solo", {
      clock,
      script: [{ fault: "rate-limit", retryAfterSeconds: 60 }],
    });
    const router = createRouter({
      deployments: [solo.deployment],
      aliases: { main: { strategy: "ordered", maxWaitMs: 5_000 } },
      clock,
    });
    const error = await router.generate("main", ask("hi")).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "DEPLOYMENT_UNAVAILABLE",
      retryAt: 60_000,
      retryAfterMs: 60_000,
      disposition: "retryable",
    });
    expect((error as Error).message).toContain("it will be retried at t=60000 (in 60000 ms)");
    expect(clock.now()).toBe(0);
  });

  it("a non-retryable 400 surfaces at once, naming the deployment", async () => {
    const clock = createVirtualClock();
    const a = simDeployment("a", { clock, script: [{ fault: "error", error: badRequest() }] });
    const b = simDeployment("b", { clock });
    const router = createRouter({
      deployments: [a.deployment, b.deployment],
      aliases: { main: { strategy: "ordered" } },
      clock,
    });
    const error = await router.generate("main", ask("hi")).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "DEPLOYMENT_REQUEST_FAILED",
      deploymentId: "a",
      statusCode: 400,
    });
    expect((error as Error).message).toMatch(/Deployment "a" rejected the call with HTTP 400/);
    expect(b.sim.calls).toBe(0);
  });

  it("all candidates failing gives ROUTE_EXHAUSTED with every attempt", async () => {
    const clock = createVirtualClock();
    const a = simDeployment("a", { clock, script: [{ fault: "error" }] });
    const b = simDeployment("b", { clock, script: [{ fault: "error" }] });
    const router = createRouter({
      deployments: [a.deployment, b.deployment],
      aliases: { main: { strategy: "ordered" } },
      clock,
    });
    const error = await router.generate("main", ask("hi")).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "ROUTE_EXHAUSTED",
      attempts: [
        { deploymentId: "a", error: "HTTP 500" },
        { deploymentId: "b", error: "HTTP 500" },
      ],
    });
  });
});

describe("router: circuit breaker with a single deployment", () => {
  const breaker = { failureThreshold: 2, cooldownMs: 5_000 };

  it("opens after N failures, fails fast with the retry time, half-opens with one probe, closes", async () => {
    const clock = createVirtualClock();
    const gate = holdable();
    let probeHeld = false;
    const solo = simDeployment("solo", {
      clock,
      script: [{ fault: "error" }, { fault: "error" }],
      responder: () => (probeHeld ? gate.hold() : undefined),
    });
    const router = createRouter({
      deployments: [solo.deployment],
      aliases: { main: { strategy: "ordered", maxWaitMs: 0 } },
      clock,
      breaker,
    });
    for (let i = 0; i < 2; i++) {
      await expect(router.generate("main", ask("x"))).rejects.toMatchObject({
        code: "ROUTE_EXHAUSTED",
      });
    }
    expect(router.stats().deployments.solo).toMatchObject({ breaker: "open", openUntil: 5_000 });
    const open = await router.generate("main", ask("x")).catch((e: unknown) => e);
    expect(open).toMatchObject({ code: "DEPLOYMENT_UNAVAILABLE", retryAt: 5_000 });
    expect((open as Error).message).toMatch(/breaker open \(2 consecutive failures\)/);
    expect(solo.sim.calls).toBe(2);

    await clock.sleep(5_000);
    probeHeld = true;
    const probe = router.generate("main", ask("probe"));
    await settle();
    expect(router.stats().deployments.solo!.breaker).toBe("half-open");
    const second = await router.generate("main", ask("x")).catch((e: unknown) => e);
    expect(second).toMatchObject({ code: "DEPLOYMENT_UNAVAILABLE", retryAt: undefined });
    expect((second as Error).message).toMatch(/half-open probe is still running/);
    gate.releaseAll();
    expect((await probe).decision.reason).toBe("first in fallback order");
    probeHeld = false;
    expect(router.stats().deployments.solo!.breaker).toBe("closed");
    expect((await router.generate("main", ask("x"))).deployment.id).toBe("solo");
  });

  it("a failed probe opens the breaker again for another cooldown", async () => {
    const clock = createVirtualClock();
    const solo = simDeployment("solo", {
      clock,
      script: [{ fault: "error" }, { fault: "error" }, { fault: "error" }],
    });
    const router = createRouter({
      deployments: [solo.deployment],
      aliases: { main: { strategy: "ordered", maxWaitMs: 0 } },
      clock,
      breaker,
    });
    for (let i = 0; i < 2; i++) await router.generate("main", ask("x")).catch(() => {});
    await clock.sleep(5_000);
    await expect(router.generate("main", ask("probe"))).rejects.toMatchObject({
      code: "ROUTE_EXHAUSTED",
    });
    expect(router.stats().deployments.solo).toMatchObject({ breaker: "open", openUntil: 10_000 });
  });

  it("with maxWaitMs a call waits on the clock for the half-open probe time", async () => {
    const clock = createVirtualClock();
    const solo = simDeployment("solo", { clock, script: [{ fault: "error" }, { fault: "error" }] });
    const router = createRouter({
      deployments: [solo.deployment],
      aliases: { main: { strategy: "ordered", maxWaitMs: 10_000 } },
      clock,
      breaker,
    });
    for (let i = 0; i < 2; i++) await router.generate("main", ask("x")).catch(() => {});
    const routed = await router.generate("main", ask("x"));
    expect(routed.decision.waitedMs).toBe(5_000);
    expect(routed.decision.candidates[0]?.state).toBe("half-open");
    expect(router.stats().deployments.solo!.breaker).toBe("closed");
  });

  it("a failure rate in the window opens the breaker", async () => {
    const clock = createVirtualClock();
    const script = ["ok", "ok", { fault: "error" as const }, { fault: "error" as const }];
    const solo = simDeployment("solo", { clock, script });
    const router = createRouter({
      deployments: [solo.deployment],
      aliases: { main: { strategy: "ordered", maxWaitMs: 0 } },
      clock,
      breaker: { failureThreshold: 10, failureRate: 0.5, minimumCalls: 4 },
    });
    for (let i = 0; i < 3; i++) await router.generate("main", ask("x")).catch(() => {});
    expect(router.stats().deployments.solo!.breaker).toBe("closed");
    await router.generate("main", ask("x")).catch(() => {});
    expect(router.stats().deployments.solo!.breaker).toBe("open");
    await expect(router.generate("main", ask("x"))).rejects.toThrow(/2 of 4 calls failed/);
  });
});

describe("router: configuration and request errors", () => {
  it("an unknown alias lists the valid ones", async () => {
    const clock = createVirtualClock();
    const a = simDeployment("a", { clock });
    const router = createRouter({
      deployments: [a.deployment],
      aliases: { main: { strategy: "ordered" }, spare: { strategy: "cost", deployments: ["a"] } },
      clock,
    });
    const error = await router.generate("smart", ask("x")).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "UNKNOWN_ALIAS", validAliases: ["main", "spare"] });
    expect((error as Error).message).toContain('valid aliases are "main", "spare"');
  });

  it("invalid limits are rejected at creation with the field named", () => {
    const clock = createVirtualClock();
    const bad = simDeployment("a", { clock, limits: { rpm: -5 } });
    expect(() =>
      createRouter({ deployments: [bad.deployment], aliases: { main: { strategy: "ordered" } } }),
    ).toThrow(
      expect.objectContaining({
        code: "INVALID_LIMIT",
        field: "deployments[a].limits.rpm",
        value: -5,
      }),
    );
    const frac = simDeployment("b", { clock, limits: { maxConcurrency: 1.5 } });
    expect(() =>
      createRouter({ deployments: [frac.deployment], aliases: { main: { strategy: "ordered" } } }),
    ).toThrow(/maxConcurrency is 1.5/);
    const ok = simDeployment("c", { clock });
    expect(() =>
      createRouter({
        deployments: [ok.deployment],
        aliases: { main: { strategy: "ordered", deployments: ["nope"] } },
      }),
    ).toThrow(expect.objectContaining({ code: "INVALID_ROUTER_CONFIG" }));
  });

  it("no capable deployment says why each was rejected", async () => {
    const clock = createVirtualClock();
    const plain = simDeployment("plain", {
      clock,
      capabilities: { tools: false, structuredOutput: true, vision: false },
    });
    const small = simDeployment("small", { clock, contextWindow: 10 });
    const router = createRouter({
      deployments: [plain.deployment, small.deployment],
      aliases: { main: { strategy: "cost" } },
      clock,
    });
    const error = await router
      .generate("main", ask("weather in Paris please", { tools: [WEATHER_TOOL] }))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "NO_CAPABLE_DEPLOYMENT", rejected: { plain: "no tools" } });
    expect((error as { rejected: Record<string, string> }).rejected.small).toMatch(
      /^context window 10 < \d+ tokens$/,
    );
  });
});
