/**
 * The `models` section of conclave.config.ts as `conclave models` reads it. Each deployment is
 * checked on its own (config, key, price), so one broken deployment is reported next to the
 * others instead of failing the whole listing the way a gateway's startup does; the registry
 * for a test call is assembled from the deployments that passed.
 */
import { resolve } from "node:path";
import {
  createRegistry,
  type DeploymentConfig,
  formatUsd,
  type ModelPrice,
  type ModelRegistry,
  type ModelsConfig,
  priceFor,
  type RegisteredDeployment,
} from "@conclave/models";
import { UsageError } from "../kit.ts";
import type { Settings } from "../settings.ts";

/** One configured deployment and what checking it found. */
export interface DeploymentCheck {
  config: DeploymentConfig;
  /** Ready to call: valid, priced, with its key. */
  registered?: RegisteredDeployment;
  /** The environment variable its key should be in, when that key is missing. */
  missingKey?: string;
  /** Why it cannot be used (invalid config, no price...), first line. */
  problem?: string;
}

/** The models section, or a usage error saying where to declare one. */
export function modelsOf(settings: Settings): ModelsConfig {
  const models = settings.config.models;
  if (!models || !Array.isArray(models.deployments)) {
    const where = settings.configPath
      ? `${settings.configPath} has no models section`
      : "no conclave.config.ts was found";
    throw new UsageError(
      `${where}; declare models: { deployments: [...], aliases: {...} } in conclave.config.ts (or point CONCLAVE_CONFIG at it).`,
    );
  }
  return models;
}

/** Checks every configured deployment; keys come from `env`, then the secrets file. */
export function checkDeployments(
  settings: Settings,
  env: Record<string, string | undefined>,
): DeploymentCheck[] {
  const models = modelsOf(settings);
  const secretsFile = models.secretsFile && resolve(settings.cwd, models.secretsFile);
  return models.deployments.map((config) => {
    try {
      const one = createRegistry({
        deployments: [config],
        env,
        secretsFile,
        skipMissingKeys: true,
      });
      return { config, registered: one.deployments[0], missingKey: one.skipped[0]?.variable };
    } catch (error) {
      return { config, problem: (error as Error).message.split("\n")[0] };
    }
  });
}

/** A registry of the deployments that passed their checks. Pure. */
export function registryOf(checks: DeploymentCheck[]): ModelRegistry {
  const deployments = checks.flatMap((c) => (c.registered ? [c.registered] : []));
  const skipped = checks.flatMap((c) =>
    c.missingKey ? [{ deployment: c.config.id, variable: c.missingKey }] : [],
  );
  return {
    deployments,
    skipped,
    aliases: () => [...new Set(deployments.map((d) => d.alias))].sort(),
    byAlias: (alias) => deployments.filter((d) => d.alias === alias),
    get: (id) => deployments.find((d) => d.id === id),
  };
}

const PRICE_PROVIDER: Record<string, string> = { "openai-responses": "openai" };

/** The deployment's price: as registered, else looked up (a deployment without its key). */
export function priceOf(check: DeploymentCheck): ModelPrice | undefined {
  if (check.registered) return check.registered.price;
  const { config } = check;
  try {
    return priceFor(PRICE_PROVIDER[config.provider] ?? config.provider, config.model, config.price);
  } catch {
    return undefined;
  }
}

/** A per-token rate as USD per million tokens, 4 decimals. Pure. */
export const perMillion = (rate: bigint | undefined) =>
  rate === undefined ? null : formatUsd(rate * 1_000_000n, 4);
