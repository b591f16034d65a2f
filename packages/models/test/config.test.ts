import { MemoryBudgetStore, MemoryLedger } from "@conclave/core";
import { generateText } from "ai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expandTemplates, gatewayFromConfig, loadConfig } from "../src/index.ts";
import { type FixtureServer, startFixtureServer } from "./fixtures/index.ts";

let server: FixtureServer;
beforeAll(async () => {
  server = await startFixtureServer({
    responder: () => ({ text: "from the local model", usage: { input: 3, output: 2 } }),
  });
});
afterAll(() => server.close());

const path = new URL("./fixtures/config/conclave.config.ts", import.meta.url).pathname;

describe("conclave.config.ts", () => {
  it("loads the models section with ${VAR} templating and builds a working gateway with its budgets", async () => {
    const config = await loadConfig({ path, env: { FIXTURE_BASE_URL: server.baseURL.compat } });
    expect(config.models?.deployments[0]).toMatchObject({ baseURL: server.baseURL.compat });
    expect(config.models?.budgets?.[0]?.timeZone).toBe("UTC");
    const budgets = new MemoryBudgetStore();
    const ledger = new MemoryLedger();
    const gateway = await gatewayFromConfig(config.models!, { budgets, ledger, env: {} });
    const { text } = await generateText({ model: gateway.model("local"), prompt: "hi" });
    expect(text).toBe("from the local model");
    expect((await budgets.status(new Date())).map((s) => s.budget.id)).toEqual(["daily"]);
    expect(await ledger.list({})).toHaveLength(1);
  });

  it("says what is missing: the file, a template variable, an alias without deployments", async () => {
    await expect(loadConfig({ path: "/nope/conclave.config.ts" })).rejects.toThrow(
      /No config file at \/nope\/conclave.config.ts/,
    );
    await expect(loadConfig({ path, env: {} })).rejects.toThrow(
      /uses \$\{FIXTURE_BASE_URL\}, which is not set/,
    );
    expect(() => expandTemplates({ a: ["${X:-fallback}"] }, {}, "config")).not.toThrow();
    await expect(
      gatewayFromConfig({
        deployments: [{ id: "s", alias: "fast", provider: "sim", model: "sim-default" }],
        aliases: { smart: { strategy: "cost" } },
      }),
    ).rejects.toThrow(/Alias "smart" has no deployment/);
  });
});
