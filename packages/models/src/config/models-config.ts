import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { BudgetDefinition, BudgetStore, Ledger } from "@conclave/core";
import { ConclaveError } from "@conclave/core";
import { createGateway, type Gateway } from "../gateway/create-gateway.ts";
import type { GatewayAlias, GatewayEvent } from "../gateway/gateway-types.ts";
import type { DeploymentConfig } from "../registry/deployment-config.ts";
import { createRegistry } from "../registry/registry.ts";

/** The model part of `conclave.config.ts`. */
export interface ModelsConfig {
  deployments: DeploymentConfig[];
  aliases: Record<string, GatewayAlias>;
  budgets?: BudgetDefinition[];
  /** A `.env` or JSON file of API keys, read after the environment. */
  secretsFile?: string;
}

/** The shape of `conclave.config.ts` (later issues add graphs, server and profiles). */
export interface ConclaveConfig {
  models?: ModelsConfig;
  [section: string]: unknown;
}

/** Types a config object; returns it unchanged. */
export function defineConfig<C extends ConclaveConfig>(config: C): C {
  return config;
}

/** A config file could not be found, loaded or templated. */
export class ConfigError extends ConclaveError {
  constructor(message: string) {
    super("INVALID_CONFIG", message);
  }
}

/**
 * Loads `conclave.config.ts` (or the file `CONCLAVE_CONFIG` names) through a dynamic import, and
 * replaces `${VAR}` in every string with the environment's value. Keys stay out of the file:
 * template only non-secret settings such as base URLs.
 */
export async function loadConfig(
  options: { path?: string; cwd?: string; env?: Record<string, string | undefined> } = {},
): Promise<ConclaveConfig> {
  const env = options.env ?? process.env;
  const file = options.path ?? env.CONCLAVE_CONFIG ?? "conclave.config.ts";
  const absolute = isAbsolute(file) ? file : resolve(options.cwd ?? process.cwd(), file);
  if (!existsSync(absolute)) {
    throw new ConfigError(
      `No config file at ${absolute}. Create conclave.config.ts, or set CONCLAVE_CONFIG to its path.`,
    );
  }
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(absolute).href)) as { default?: unknown };
  } catch (error) {
    throw new ConfigError(`Could not load ${absolute}: ${(error as Error).message}`);
  }
  if (typeof module.default !== "object" || module.default === null) {
    throw new ConfigError(
      `${absolute} must have a default export: export default defineConfig({ ... }).`,
    );
  }
  return expandTemplates(module.default, env, "config") as ConclaveConfig;
}

/** Replaces `${VAR}` (and `${VAR:-default}`) in strings, deeply. Pure. */
export function expandTemplates(
  value: unknown,
  env: Record<string, string | undefined>,
  path: string,
): unknown {
  if (typeof value === "string") {
    return value.replace(
      /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g,
      (_m, name: string, fallback?: string) => {
        const found = env[name] ?? fallback;
        if (found === undefined)
          throw new ConfigError(
            `${path} uses \${${name}}, which is not set. Export ${name} or give a default: \${${name}:-value}.`,
          );
        return found;
      },
    );
  }
  if (Array.isArray(value)) return value.map((v, i) => expandTemplates(v, env, `${path}[${i}]`));
  if (
    typeof value === "object" &&
    value !== null &&
    Object.getPrototypeOf(value) === Object.prototype
  ) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, expandTemplates(v, env, `${path}.${k}`)]),
    );
  }
  return value;
}

/** Builds a gateway from the `models` section: registry, aliases and budgets. */
export async function gatewayFromConfig(
  config: ModelsConfig,
  stores: {
    ledger?: Ledger;
    budgets?: BudgetStore;
    env?: Record<string, string | undefined>;
    onEvent?: (event: GatewayEvent) => void;
  } = {},
): Promise<Gateway> {
  const registry = createRegistry({
    deployments: config.deployments,
    env: stores.env,
    secretsFile: config.secretsFile,
  });
  for (const alias of Object.keys(config.aliases)) {
    if (
      registry.byAlias(alias).length === 0 &&
      !(config.aliases[alias]?.deployments ?? []).length
    ) {
      throw new ConfigError(
        `Alias "${alias}" has no deployment. Add a deployment with alias: "${alias}", or list deployments under the alias.`,
      );
    }
  }
  if (config.budgets?.length && !stores.budgets) {
    throw new ConfigError(
      "The config declares budgets but no budget store was given; pass { budgets: store } so they can be enforced.",
    );
  }
  for (const budget of config.budgets ?? []) await stores.budgets!.setBudget(budget);
  return createGateway({
    registry,
    aliases: config.aliases,
    ledger: stores.ledger,
    budgets: stores.budgets,
    onEvent: stores.onEvent,
  });
}
