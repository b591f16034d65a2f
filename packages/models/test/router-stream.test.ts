/**
 * Streaming through the router: failures before the first token fall back; a break after tokens
 * surfaces StreamInterruptedError without a retry. Runs over sim deployments and over the real
 * AI SDK providers against the HTTP fixture servers (429 with Retry-After, a cut socket).
 */
import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAI } from "@ai-sdk/openai";
import { afterEach, describe, expect, it } from "vitest";
import { createRouter } from "../src/router/create-router.ts";
import { StreamInterruptedError } from "../src/router/router-errors.ts";
import { createVirtualClock } from "../src/sim/sim-clock.ts";
import { createManualClock, liveFixtureServers, startFixtureServer } from "./fixtures/index.ts";
import { ask, drainParts, modelDeployment, simDeployment } from "./router-kit.ts";

describe("router: streams over sim", () => {
  it("a stream that fails before its first token is retried on the next candidate", async () => {
    const clock = createVirtualClock();
    const a = simDeployment("a", { clock, script: [{ fault: "cut", afterTokens: 0 }] });
    const b = simDeployment("b", { clock, timeToFirstTokenMs: 120 });
    const router = createRouter({
      deployments: [a.deployment, b.deployment],
      aliases: { main: { strategy: "ordered" } },
      clock,
    });
    const routed = await router.stream("main", ask("hi"));
    expect(routed.deployment.id).toBe("b");
    expect(routed.decision.fallbackFrom).toBe("a");
    const { text, error } = await drainParts(routed.stream);
    expect(error).toBeUndefined();
    expect(text.startsWith("[simulated]")).toBe(true);
    const stats = router.stats().deployments;
    expect(stats.b).toMatchObject({ inFlight: 0, ttftEwmaMs: 120 });
    expect(stats.a!.consecutiveFailures).toBe(1);
  });

  it("a rate-limited stream start falls back and cools the deployment down", async () => {
    const clock = createVirtualClock();
    const a = simDeployment("a", {
      clock,
      script: [{ fault: "rate-limit", retryAfterSeconds: 2 }],
    });
    const b = simDeployment("b", { clock });
    const router = createRouter({
      deployments: [a.deployment, b.deployment],
      aliases: { main: { strategy: "ordered" } },
      clock,
    });
    const routed = await router.stream("main", ask("hi"));
    expect(routed.decision.fallbackError).toBe("HTTP 429 (Retry-After 2000 ms)");
    await drainParts(routed.stream);
    expect(router.stats().deployments.a!.cooldownUntil).toBe(2_000);
  });

  it("a stream cut after tokens raises StreamInterruptedError and is not retried", async () => {
    const clock = createVirtualClock();
    const a = simDeployment("a", { clock, script: [{ fault: "cut", afterTokens: 3 }] });
    const b = simDeployment("b", { clock });
    const router = createRouter({
      deployments: [a.deployment, b.deployment],
      aliases: { main: { strategy: "ordered" } },
      clock,
    });
    const routed = await router.stream("main", ask("tell me a story"));
    const { parts, error } = await drainParts(routed.stream);
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect(error).toMatchObject({
      code: "STREAM_INTERRUPTED",
      deploymentId: "a",
      deliveredTokens: 3,
    });
    expect(parts.filter((p) => p.type === "text-delta")).toHaveLength(3);
    expect(b.sim.calls).toBe(0);
    expect(router.stats().deployments.a).toMatchObject({ inFlight: 0, consecutiveFailures: 1 });
  });

  it("cancelling a stream frees its slot without a breaker outcome", async () => {
    const clock = createVirtualClock();
    const a = simDeployment("a", { clock });
    const router = createRouter({
      deployments: [a.deployment],
      aliases: { main: { strategy: "ordered" } },
      clock,
    });
    const routed = await router.stream("main", ask("hi"));
    await routed.stream.cancel();
    expect(router.stats().deployments.a).toMatchObject({
      inFlight: 0,
      consecutiveFailures: 0,
      samples: 0,
    });
  });
});

describe("router: real providers over the HTTP fixture server", () => {
  afterEach(() => {
    expect(liveFixtureServers()).toBe(0);
  });

  async function setup() {
    const server = await startFixtureServer();
    const clock = createManualClock(0);
    const openai = modelDeployment(
      "openai",
      createOpenAI({ baseURL: server.baseURL.openai, apiKey: "test" }).chat("gpt-4o-mini"),
    );
    const anthropic = modelDeployment(
      "anthropic",
      createAnthropic({ baseURL: server.baseURL.anthropic, apiKey: "test" })("claude-sonnet-4-5"),
    );
    const router = createRouter({
      deployments: [openai, anthropic],
      aliases: { main: { strategy: "ordered" } },
      clock,
    });
    return { server, router };
  }

  it("a real 429 with Retry-After falls back and cools the deployment down for it", async () => {
    const { server, router } = await setup();
    try {
      server.script(
        { fault: { kind: "rate-limit", retryAfterSeconds: 7 } },
        { text: "from claude" },
      );
      const routed = await router.generate("main", ask("hi"));
      expect(routed.deployment.id).toBe("anthropic");
      expect(routed.decision.fallbackError).toBe("HTTP 429 (Retry-After 7000 ms)");
      expect(routed.result.content).toEqual([
        expect.objectContaining({ type: "text", text: "from claude" }),
      ]);
      expect(router.stats().deployments.openai!.cooldownUntil).toBe(7_000);
      expect(server.requests.map((r) => r.api)).toEqual(["openai-chat", "anthropic-messages"]);
    } finally {
      await server.close();
    }
  });

  it("a real 500 before the first token falls back; a real cut after tokens is not retried", async () => {
    const { server, router } = await setup();
    try {
      server.script({ fault: { kind: "server-error", status: 503 } }, { text: "ok from claude" });
      const recovered = await router.stream("main", ask("hi"));
      expect(recovered.deployment.id).toBe("anthropic");
      expect((await drainParts(recovered.stream)).text).toBe("ok from claude");

      server.script({ text: "one two three four five", fault: { kind: "cut", afterDeltas: 2 } });
      const cut = await router.stream("main", ask("again"));
      expect(cut.deployment.id).toBe("openai");
      const { text, error } = await drainParts(cut.stream);
      expect(text).toBe("one two ");
      expect(error).toMatchObject({
        code: "STREAM_INTERRUPTED",
        deploymentId: "openai",
        deliveredTokens: 2,
      });
      expect(server.requests).toHaveLength(3);
    } finally {
      await server.close();
    }
  });
});
