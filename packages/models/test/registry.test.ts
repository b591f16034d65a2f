import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateText } from "ai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRegistry, createVirtualClock, NoPriceError } from "../src/index.ts";
import { type FixtureServer, startFixtureServer } from "./fixtures/index.ts";

let server: FixtureServer;
beforeAll(async () => {
  server = await startFixtureServer({
    responder: () => ({ text: "hello from the fixture", usage: { input: 10, output: 4 } }),
  });
});
afterAll(() => server.close());

describe("createRegistry", () => {
  it("builds working models for each provider kind, keys from env or a secrets file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "conclave-secrets-"));
    const secrets = join(dir, ".env");
    writeFileSync(secrets, "# keys\nANTHROPIC_API_KEY='sk-ant-from-file'\n");
    const registry = createRegistry({
      env: { OPENAI_API_KEY: "sk-test" },
      secretsFile: secrets,
      sim: { clock: createVirtualClock() },
      deployments: [
        {
          id: "mini",
          alias: "fast",
          provider: "openai",
          model: "gpt-4o-mini",
          baseURL: server.baseURL.openai,
        },
        {
          id: "resp",
          alias: "smart",
          provider: "openai-responses",
          model: "gpt-4o",
          baseURL: server.baseURL.openai,
        },
        {
          id: "claude",
          alias: "smart",
          provider: "anthropic",
          model: "claude-sonnet-4-5",
          baseURL: server.baseURL.anthropic,
        },
        {
          id: "local",
          alias: "local",
          provider: "openai-compatible",
          model: "llama3",
          baseURL: server.baseURL.compat,
          price: { input_cost_per_token: 0, output_cost_per_token: 0 },
        },
        { id: "sim", alias: "fast", provider: "sim", model: "sim-default" },
      ],
    });
    expect(registry.aliases()).toEqual(["fast", "local", "smart"]);
    expect(registry.byAlias("smart").map((d) => d.id)).toEqual(["resp", "claude"]);
    for (const deployment of registry.deployments.filter((d) => !d.simulated)) {
      const { text } = await generateText({ model: deployment.model, prompt: "hi", maxRetries: 0 });
      expect(text).toBe("hello from the fixture");
    }
    const claudeCall = server.requests.find((r) => r.api === "anthropic-messages");
    expect(claudeCall?.headers["x-api-key"]).toBe("[redacted]");
    expect(registry.get("sim")?.simulated).toBe(true);
    expect(registry.get("mini")?.price.model).toBe("gpt-4o-mini");
    expect(registry.get("local")?.price.priceVersion).toContain("override");
  });

  it("names every deployment whose key is missing, never a value", () => {
    const attempt = () =>
      createRegistry({
        env: { OPENAI_API_KEY: "sk-secret-value" },
        deployments: [
          { id: "claude", alias: "smart", provider: "anthropic", model: "claude-sonnet-4-5" },
          {
            id: "vllm",
            alias: "local",
            provider: "openai-compatible",
            model: "m",
            baseURL: "http://127.0.0.1:9/v1",
            apiKeyEnv: "VLLM_KEY",
            price: { input_cost_per_token: 0, output_cost_per_token: 0 },
          },
        ],
      });
    expect(attempt).toThrowError(expect.objectContaining({ code: "MISSING_API_KEY" }));
    try {
      attempt();
    } catch (error) {
      expect((error as Error).message).toMatch(
        /claude: set ANTHROPIC_API_KEY[\s\S]*vllm: set VLLM_KEY/,
      );
      expect((error as Error).message).not.toContain("sk-secret-value");
    }
    const partial = createRegistry({
      env: {},
      skipMissingKeys: true,
      deployments: [
        { id: "claude", alias: "smart", provider: "anthropic", model: "claude-sonnet-4-5" },
      ],
    });
    expect(partial.skipped).toEqual([{ deployment: "claude", variable: "ANTHROPIC_API_KEY" }]);
  });

  it("rejects invalid limits, duplicate ids and models with no price, saying what to do", () => {
    expect(() =>
      createRegistry({
        env: {},
        deployments: [
          { id: "s", alias: "fast", provider: "sim", model: "sim-default", limits: { rpm: -5 } },
        ],
      }),
    ).toThrowError(/Deployment "s" is invalid:\n {2}- limits\.rpm: .*\(got -5\)/);
    expect(() =>
      createRegistry({
        env: {},
        deployments: [
          { id: "s", alias: "fast", provider: "sim", model: "sim-default" },
          { id: "s", alias: "fast", provider: "sim", model: "sim-default" },
        ],
      }),
    ).toThrowError(/used twice/);
    expect(() =>
      createRegistry({
        env: {},
        deployments: [
          {
            id: "local",
            alias: "local",
            provider: "openai-compatible",
            model: "my-finetune",
            baseURL: "http://127.0.0.1:9/v1",
          },
        ],
      }),
    ).toThrowError(NoPriceError);
  });
});
