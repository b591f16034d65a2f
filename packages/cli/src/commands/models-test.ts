/**
 * `conclave models test <alias|deployment>`: one small real call through the gateway (router,
 * pricing, metering), to check a key, a base URL or a route before traffic depends on it. A
 * deployment id is called alone; an alias routes as configured. Budgets and the ledger are left
 * out: the call is a probe, not spend to attribute. Exit 0 when the model answered, 1 when not.
 */

import { NotFoundError } from "@conclave/core";
import {
  createGateway,
  formatUsd,
  type Gateway,
  type GatewayAlias,
  type GatewayEvent,
  type ModelRegistry,
  type ModelsConfig,
} from "@conclave/models";
import { type CommandContext, EXIT, emit } from "../kit.ts";
import { type Action, type Flags, intFlag, required, text } from "./command-group.ts";
import { checkDeployments, type DeploymentCheck, modelsOf, registryOf } from "./models-config.ts";
import { settingsOf } from "./session.ts";

/** What a test call found. */
export interface ModelTestResult {
  target: string;
  ok: boolean;
  deployment: string | null;
  model: string | null;
  simulated: boolean;
  latencyMs: number;
  inputTokens: number | null;
  outputTokens: number | null;
  costUsd: string | null;
  reply: string | null;
  error: string | null;
}

/** An error's message with its causes' (the network error under "API call failed"). */
function causeChain(error: unknown): string {
  const messages: string[] = [];
  for (let e = error as Error | undefined; e && messages.length < 4; e = e.cause as Error) {
    const message = typeof e.message === "string" ? e.message : String(e);
    if (!messages.some((m) => m.includes(message))) messages.push(message);
  }
  return messages.join(" <- ");
}

/** The alias to call and its routing: the deployment alone, or the configured alias. */
function routeFor(
  target: string,
  models: ModelsConfig,
  checks: DeploymentCheck[],
): { alias: string; config: GatewayAlias } {
  const own = checks.find((c) => c.config.id === target);
  if (own?.missingKey)
    throw new Error(
      `deployment ${target} has no API key: set ${own.missingKey} in the environment (or the config's secretsFile).`,
    );
  if (own?.problem) throw new Error(`deployment ${target} cannot be used: ${own.problem}`);
  if (own)
    return {
      alias: target,
      config: { strategy: "ordered", deployments: [target], maxAttempts: 1 },
    };
  const configured = models.aliases?.[target];
  const members = models.deployments.filter(
    (d) => d.alias === target || configured?.deployments?.includes(d.id),
  );
  if (!configured && members.length === 0) {
    const known = [
      ...new Set([
        ...Object.keys(models.aliases ?? {}),
        ...models.deployments.flatMap((d) => [d.alias, d.id]),
      ]),
    ];
    throw new NotFoundError(
      "MODEL_NOT_FOUND",
      `no alias or deployment ${JSON.stringify(target)}; configured: ${known.sort().join(", ")}.`,
    );
  }
  const usable = members.filter((d) => checks.some((c) => c.config.id === d.id && c.registered));
  if (usable.length === 0) {
    const why = checks
      .filter((c) => members.includes(c.config))
      .map((c) => `${c.config.id}: ${c.missingKey ? `needs ${c.missingKey}` : c.problem}`);
    throw new Error(`alias ${target} has no usable deployment (${why.join("; ")}).`);
  }
  const ids = usable.map((d) => d.id);
  return { alias: target, config: { strategy: "ordered", ...configured, deployments: ids } };
}

async function probe(gateway: Gateway, alias: string, prompt: string, timeoutMs: number) {
  const result = await gateway.generate(alias, {
    prompt: [{ role: "user", content: [{ type: "text", text: prompt }] }],
    maxOutputTokens: 16,
    abortSignal: AbortSignal.timeout(timeoutMs),
  });
  return result.content
    .map((part) => (part.type === "text" ? part.text : ""))
    .join("")
    .trim();
}

const NO_USAGE = {
  deployment: null,
  model: null,
  simulated: false,
  inputTokens: null,
  outputTokens: null,
  costUsd: null,
};

/** What the gateway metered for the call (it meters failed calls too, when one was routed). */
function usageOf(events: GatewayEvent[], registry: ModelRegistry): Partial<ModelTestResult> {
  const usage = events.find((e) => e.type === "model:usage");
  if (usage?.type !== "model:usage") return {};
  const { record } = usage;
  const t = record.tokens;
  return {
    deployment: record.deployment,
    model: record.model,
    simulated: registry.get(record.deployment)?.simulated === true,
    inputTokens: t.inputNoCache + t.inputCacheRead + t.inputCacheWrite,
    outputTokens: t.outputText + t.outputReasoning,
    costUsd: formatUsd(record.costPico, 8),
  };
}

async function callModel(
  ctx: CommandContext,
  flags: Flags,
  target: string,
): Promise<ModelTestResult> {
  const prompt = text(flags, "prompt") ?? "Reply with the single word OK.";
  const timeoutMs = intFlag(flags, "timeout-ms", 30_000);
  const settings = await settingsOf(ctx, flags);
  const checks = checkDeployments(settings, ctx.io.env);
  const registry = registryOf(checks);
  const route = routeFor(target, modelsOf(settings), checks);
  const events: GatewayEvent[] = [];
  const aliases = { [route.alias]: route.config };
  const gateway = createGateway({ registry, aliases, onEvent: (e) => events.push(e) });
  const started = performance.now();
  let reply: string | null = null;
  let error: string | null = null;
  try {
    reply = (await probe(gateway, route.alias, prompt, timeoutMs)).slice(0, 200);
  } catch (failure) {
    error = causeChain(failure);
  }
  const latencyMs = Math.round(performance.now() - started);
  return {
    target,
    ...NO_USAGE,
    ...usageOf(events, registry),
    ok: error === null,
    latencyMs,
    reply,
    error,
  };
}

function resultText(r: ModelTestResult): string {
  if (!r.ok)
    return `FAILED  ${r.target}${r.deployment ? ` via ${r.deployment}` : ""} after ${r.latencyMs}ms: ${r.error}`;
  return [
    `ok  ${r.target} via ${r.deployment} (${r.model}${r.simulated ? ", simulated" : ""}) in ${r.latencyMs}ms`,
    `tokens ${r.inputTokens} in / ${r.outputTokens} out · cost $${r.costUsd}`,
    `reply: ${JSON.stringify(r.reply)}`,
  ].join("\n");
}

/** The `test` action of `conclave models`. */
export const testAction: Action = {
  usage: `Usage: conclave models test <alias|deployment> [--prompt <text>] [--timeout-ms <ms>]

Makes one small real call (at most 16 output tokens) through the gateway and prints the
deployment that answered, the latency, tokens, cost and reply. A deployment id is called on
its own; an alias routes as configured. sim deployments answer offline. The call is not
recorded in the ledger. Exit 0 when the model answered, 1 when it did not.`,
  options: { prompt: { type: "string" }, "timeout-ms": { type: "string" } },
  async run(ctx, flags, positionals) {
    const target = required(positionals, "an alias or deployment id", "see `conclave models ls`");
    const result = await callModel(ctx, flags, target);
    emit(ctx, result, () => resultText(result));
    return result.ok ? EXIT.ok : EXIT.failed;
  },
};
