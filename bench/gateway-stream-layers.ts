/**
 * What a streamed call's layers cost against the HTTP fixture, interleaved in one process: the
 * direct AI SDK model; a pass-through wrapper; the same with one empty
 * `pipeThrough(new TransformStream())`; and the gateway with no stores (routing, token count,
 * span and its one relay stream). It shows the floor any stream interception pays here, beside
 * the gateway's own overhead (bench:gateway's gw-bare).
 *
 * Usage: node bench/gateway-stream-layers.ts [--rounds N]   (build the packages first)
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createOpenAI } from "@ai-sdk/openai";
import type { LanguageModelV4, LanguageModelV4CallOptions } from "@ai-sdk/provider";
import { createGateway, createRegistry } from "@conclave/models";
import { streamText } from "ai";

const PROMPT = "Summarise the three main risks of durable multi-agent systems in one sentence.";
const WARMUP = 200;

async function startFixture() {
  const path = fileURLToPath(new URL("./gateway-fixture.ts", import.meta.url));
  const child = spawn(process.execPath, [path], { stdio: ["pipe", "pipe", "inherit"] });
  const first = await new Promise<string>((resolve) =>
    createInterface({ input: child.stdout! }).once("line", resolve),
  );
  return { child, baseURL: (JSON.parse(first) as { baseURL: { openai: string } }).baseURL.openai };
}

function variants(baseURL: string): Record<string, LanguageModelV4> {
  const direct = createOpenAI({ baseURL, apiKey: "bench" }).chat("gpt-4o-mini");
  const wrapped: LanguageModelV4 = {
    specificationVersion: "v4",
    provider: "wrapper",
    modelId: "gpt-4o-mini",
    supportedUrls: {},
    doGenerate: (options: LanguageModelV4CallOptions) => direct.doGenerate(options),
    doStream: (options: LanguageModelV4CallOptions) => direct.doStream(options),
  };
  const layered: LanguageModelV4 = {
    ...wrapped,
    async doStream(options) {
      const result = await direct.doStream(options);
      return { ...result, stream: result.stream.pipeThrough(new TransformStream()) };
    },
  };
  const registry = createRegistry({
    env: { OPENAI_API_KEY: "bench" },
    deployments: [{ id: "mini", alias: "fast", provider: "openai", model: "gpt-4o-mini", baseURL }],
  });
  const gateway = createGateway({ registry, aliases: { fast: { strategy: "ordered" } } });
  return {
    direct,
    wrapped,
    "one empty layer": layered,
    "gateway, no stores": gateway.model("fast"),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: "string", default: "1200" } } });
  const rounds = Number(values.rounds);
  const { child, baseURL } = await startFixture();
  const models = variants(baseURL);
  const times = new Map(Object.keys(models).map((name) => [name, [] as number[]]));
  try {
    for (let round = 0; round < WARMUP + rounds; round++) {
      // A fresh order each round, so no variant always follows the same neighbour.
      const order = Object.keys(models).sort(() => Math.random() - 0.5);
      for (const name of order) {
        const t0 = performance.now();
        await streamText({ model: models[name]!, prompt: PROMPT, maxRetries: 0 }).consumeStream();
        if (round >= WARMUP) times.get(name)!.push(performance.now() - t0);
      }
    }
  } finally {
    child.stdin!.end();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const direct = median(times.get("direct")!);
  console.log(`stream, ${rounds} rounds: median ms (over direct)`);
  for (const [name, xs] of times) {
    const m = median(xs);
    console.log(`  ${name.padEnd(20)} ${m.toFixed(3)}  (+${(m - direct).toFixed(3)})`);
  }
}

await main();
