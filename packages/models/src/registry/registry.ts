import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAI } from "@ai-sdk/openai";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import type { LanguageModelV4 } from "@ai-sdk/provider";
import type { ModelPrice } from "../pricing/model-price.ts";
import { defaultPriceTable, type PriceTable } from "../pricing/price-table.ts";
import { createSim, type SimOptions } from "../sim/create-sim.ts";
import {
  DEFAULT_KEY_ENV,
  type DeploymentConfig,
  deploymentConfigSchema,
  type ProviderKind,
} from "./deployment-config.ts";
import { InvalidDeploymentError, MissingApiKeyError } from "./registry-errors.ts";
import { readSecretsFile } from "./secrets.ts";

/** A deployment ready to route to: its model, price and limits. */
export interface RegisteredDeployment {
  id: string;
  alias: string;
  provider: ProviderKind;
  modelId: string;
  model: LanguageModelV4;
  price: ModelPrice;
  contextWindow?: number;
  capabilities: { tools: boolean; structuredOutput: boolean; vision: boolean };
  limits: { rpm?: number; tpm?: number; maxConcurrency?: number };
  timeoutMs?: number;
  tags: string[];
  weight: number;
  /** Calls are simulated (the `sim` provider); outputs are labelled as such. */
  simulated: boolean;
}

export interface RegistryOptions {
  deployments: DeploymentConfig[];
  /** Where keys come from; defaults to `process.env`. */
  env?: Record<string, string | undefined>;
  /** A `.env` or JSON secrets file, consulted after `env`. */
  secretsFile?: string;
  prices?: PriceTable;
  /** Options for `sim` deployments (seed, latency, clock, script). */
  sim?: SimOptions;
  /** Skip deployments without a key instead of failing (the missing ones are in `skipped`). */
  skipMissingKeys?: boolean;
}

export interface ModelRegistry {
  deployments: RegisteredDeployment[];
  /** Deployments left out because their key is missing (with `skipMissingKeys`). */
  skipped: { deployment: string; variable: string }[];
  aliases(): string[];
  byAlias(alias: string): RegisteredDeployment[];
  get(id: string): RegisteredDeployment | undefined;
}

/**
 * Validates deployment configs, resolves their keys from the environment or a secrets file, and
 * builds each one's AI SDK model and price. Fails at startup, naming every missing key.
 *
 * @example
 * const registry = createRegistry({ deployments: [
 *   { id: "mini", alias: "fast", provider: "openai", model: "gpt-4o-mini" },
 *   { id: "local", alias: "local", provider: "openai-compatible", model: "llama3", baseURL: "http://localhost:11434/v1" },
 * ] });
 */
export function createRegistry(options: RegistryOptions): ModelRegistry {
  const configs = options.deployments.map(validate);
  rejectDuplicates(configs);
  const secrets = options.secretsFile ? readSecretsFile(options.secretsFile) : {};
  const env = options.env ?? process.env;
  const missing: { deployment: string; variable: string }[] = [];
  const prices = options.prices ?? defaultPriceTable();
  const sim = configs.some((c) => c.provider === "sim") ? createSim(options.sim) : undefined;
  const deployments: RegisteredDeployment[] = [];
  for (const config of configs) {
    const variable = config.apiKeyEnv ?? DEFAULT_KEY_ENV[config.provider];
    const key = variable ? (env[variable] ?? secrets[variable]) : undefined;
    if (variable && !key) {
      missing.push({ deployment: config.id, variable });
      continue;
    }
    const model =
      config.provider === "sim" ? sim!.languageModel(config.model) : buildModel(config, key);
    deployments.push(register(config, model, prices));
  }
  if (missing.length > 0 && !options.skipMissingKeys) throw new MissingApiKeyError(missing);
  return registryOf(deployments, missing);
}

function validate(
  config: DeploymentConfig,
  index: number,
): ReturnType<typeof deploymentConfigSchema.parse> {
  const parsed = deploymentConfigSchema.safeParse(config);
  if (parsed.success) return parsed.data;
  const name =
    typeof (config as { id?: unknown })?.id === "string"
      ? `"${(config as { id: string }).id}"`
      : `#${index}`;
  const problems = parsed.error.issues.map((issue) => {
    const path = issue.path.join(".") || "(root)";
    const seen = valueAt(config, issue.path);
    return `  - ${path}: ${issue.message}${seen === undefined ? "" : ` (got ${JSON.stringify(seen)})`}`;
  });
  throw new InvalidDeploymentError(`Deployment ${name} is invalid:\n${problems.join("\n")}`);
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value;
  for (const key of path) current = (current as Record<PropertyKey, unknown> | undefined)?.[key];
  return current;
}

function rejectDuplicates(configs: { id: string }[]): void {
  const seen = new Set<string>();
  for (const { id } of configs) {
    if (seen.has(id))
      throw new InvalidDeploymentError(
        `Deployment id "${id}" is used twice. Give each deployment a unique id.`,
      );
    seen.add(id);
  }
}

type ValidConfig = ReturnType<typeof deploymentConfigSchema.parse>;

function buildModel(config: ValidConfig, apiKey: string | undefined): LanguageModelV4 {
  switch (config.provider) {
    case "openai":
      return createOpenAI({ apiKey, baseURL: config.baseURL }).chat(config.model);
    case "openai-responses":
      return createOpenAI({ apiKey, baseURL: config.baseURL }).responses(config.model);
    case "anthropic":
      return createAnthropic({ apiKey, baseURL: config.baseURL })(config.model);
    case "openai-compatible": {
      if (!config.baseURL) {
        throw new InvalidDeploymentError(
          `Deployment "${config.id}" is openai-compatible and needs baseURL (e.g. http://localhost:11434/v1 for Ollama).`,
        );
      }
      // includeUsage: without it streamed calls report no usage and would be metered as $0.
      return createOpenAICompatible({
        name: config.id,
        baseURL: config.baseURL,
        apiKey,
        includeUsage: true,
      })(config.model);
    }
    default:
      throw new InvalidDeploymentError(
        `Deployment "${config.id}" has provider "${config.provider}", which the registry cannot build.`,
      );
  }
}

const PRICE_PROVIDER: Record<ProviderKind, string> = {
  openai: "openai",
  "openai-responses": "openai",
  anthropic: "anthropic",
  "openai-compatible": "openai-compatible",
  sim: "sim",
};

function register(
  config: ValidConfig,
  model: LanguageModelV4,
  prices: PriceTable,
): RegisteredDeployment {
  const capabilities = config.capabilities ?? {};
  return {
    id: config.id,
    alias: config.alias,
    provider: config.provider,
    modelId: config.model,
    model,
    price: prices.priceFor(PRICE_PROVIDER[config.provider], config.model, config.price),
    contextWindow: config.contextWindow,
    capabilities: {
      tools: capabilities.tools ?? true,
      structuredOutput: capabilities.structuredOutput ?? true,
      vision: capabilities.vision ?? false,
    },
    limits: config.limits ?? {},
    timeoutMs: config.timeoutMs,
    tags: config.tags ?? [],
    weight: config.weight ?? 1,
    simulated: config.provider === "sim",
  };
}

function registryOf(
  deployments: RegisteredDeployment[],
  skipped: { deployment: string; variable: string }[],
): ModelRegistry {
  return {
    deployments,
    skipped,
    aliases: () => [...new Set(deployments.map((d) => d.alias))].sort(),
    byAlias: (alias) => deployments.filter((d) => d.alias === alias),
    get: (id) => deployments.find((d) => d.id === id),
  };
}
