/**
 * Checks a router configuration and fills in defaults. Every limit is validated up front so a
 * typo (a negative rpm, a fractional concurrency) fails at startup with the field named, not as
 * a silently unlimited deployment at 3 a.m.
 */
import { type BreakerSettings, DEFAULT_BREAKER } from "./circuit-breaker.ts";
import { DeploymentRuntime } from "./deployment-runtime.ts";
import { InvalidLimitError, InvalidRouterConfigError } from "./router-errors.ts";
import type {
  AliasConfig,
  BreakerOptions,
  Deployment,
  OverflowMode,
  RoutingStrategy,
} from "./router-types.ts";

/** An alias with defaults applied and its deployments resolved. */
export interface ResolvedAlias {
  readonly name: string;
  readonly strategy: RoutingStrategy;
  readonly overflow: OverflowMode;
  readonly latencySlaMs: number | undefined;
  readonly queueTimeoutMs: number;
  readonly maxWaitMs: number;
  readonly maxAttempts: number;
  readonly runtimes: readonly DeploymentRuntime[];
}

/** What {@link resolveConfig} reads. */
export interface ConfigInput {
  readonly deployments: readonly Deployment[];
  readonly aliases: Readonly<Record<string, AliasConfig>>;
  readonly breaker?: BreakerOptions;
  readonly maxWaitMs?: number;
  readonly ewmaAlpha?: number;
  readonly defaultOutputTokens?: number;
}

/** The checked configuration. */
export interface ResolvedConfig {
  readonly runtimes: ReadonlyMap<string, DeploymentRuntime>;
  readonly aliases: ReadonlyMap<string, ResolvedAlias>;
  readonly defaultOutputTokens: number;
}

const STRATEGIES = new Set<RoutingStrategy>([
  "cost",
  "latency",
  "least-busy",
  "weighted",
  "ordered",
]);
const DEFAULT_QUEUE_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_WAIT_MS = 10_000;

type Check = "positive integer" | "positive number" | "non-negative number" | "number in (0, 1]";

function check(field: string, value: number | undefined, kind: Check): void {
  if (value === undefined) return;
  const ok =
    typeof value === "number" &&
    Number.isFinite(value) &&
    (kind === "positive integer"
      ? Number.isInteger(value) && value > 0
      : kind === "positive number"
        ? value > 0
        : kind === "non-negative number"
          ? value >= 0
          : value > 0 && value <= 1);
  if (!ok) throw new InvalidLimitError(field, value, `a ${kind}`);
}

/**
 * Validates `input` and builds the runtime state of every deployment. Pure apart from the new
 * runtimes it returns.
 * @throws InvalidLimitError (code `INVALID_LIMIT`) on a bad limit, timeout, weight or setting.
 * @throws InvalidRouterConfigError (code `INVALID_ROUTER_CONFIG`) on inconsistent ids or aliases.
 */
export function resolveConfig(input: ConfigInput): ResolvedConfig {
  const breaker = resolveBreaker(input.breaker ?? {});
  check("ewmaAlpha", input.ewmaAlpha, "number in (0, 1]");
  check("maxWaitMs", input.maxWaitMs, "non-negative number");
  check("defaultOutputTokens", input.defaultOutputTokens, "positive integer");
  const runtimes = new Map<string, DeploymentRuntime>();
  for (const deployment of input.deployments) {
    checkDeployment(deployment);
    if (runtimes.has(deployment.id)) {
      throw new InvalidRouterConfigError(
        `Two deployments have the id "${deployment.id}"; deployment ids must be unique.`,
      );
    }
    runtimes.set(deployment.id, new DeploymentRuntime(deployment, breaker, input.ewmaAlpha ?? 0.3));
  }
  const aliases = new Map<string, ResolvedAlias>();
  for (const [name, config] of Object.entries(input.aliases)) {
    aliases.set(name, resolveAlias(name, config, input, runtimes));
  }
  if (aliases.size === 0) {
    throw new InvalidRouterConfigError(
      'The router has no aliases; add at least one, e.g. { fast: { strategy: "ordered" } }.',
    );
  }
  return { runtimes, aliases, defaultOutputTokens: input.defaultOutputTokens ?? 256 };
}

function resolveBreaker(options: BreakerOptions): BreakerSettings {
  check("breaker.failureThreshold", options.failureThreshold, "positive integer");
  check("breaker.failureRate", options.failureRate, "number in (0, 1]");
  check("breaker.minimumCalls", options.minimumCalls, "positive integer");
  check("breaker.windowMs", options.windowMs, "positive number");
  check("breaker.cooldownMs", options.cooldownMs, "non-negative number");
  return { ...DEFAULT_BREAKER, ...definedOnly(options) };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function checkDeployment(deployment: Deployment): void {
  const at = `deployments[${deployment.id}]`;
  if (typeof deployment.id !== "string" || deployment.id.trim() === "") {
    throw new InvalidRouterConfigError(
      `A deployment has the empty id ${JSON.stringify(deployment.id)}; give it a unique name.`,
    );
  }
  check(`${at}.contextWindow`, deployment.contextWindow, "positive integer");
  check(`${at}.timeoutMs`, deployment.timeoutMs, "positive number");
  check(`${at}.weight`, deployment.weight, "non-negative number");
  const limits = deployment.limits ?? {};
  check(`${at}.limits.rpm`, limits.rpm, "positive integer");
  check(`${at}.limits.tpm`, limits.tpm, "positive integer");
  check(`${at}.limits.maxConcurrency`, limits.maxConcurrency, "positive integer");
}

function resolveAlias(
  name: string,
  config: AliasConfig,
  input: ConfigInput,
  runtimes: ReadonlyMap<string, DeploymentRuntime>,
): ResolvedAlias {
  if (!STRATEGIES.has(config.strategy)) {
    throw new InvalidRouterConfigError(
      `Alias "${name}" has strategy ${JSON.stringify(config.strategy)}; use one of ${[...STRATEGIES].join(", ")}.`,
    );
  }
  check(`aliases[${name}].latencySlaMs`, config.latencySlaMs, "positive number");
  check(`aliases[${name}].queueTimeoutMs`, config.queueTimeoutMs, "non-negative number");
  check(`aliases[${name}].maxWaitMs`, config.maxWaitMs, "non-negative number");
  check(`aliases[${name}].maxAttempts`, config.maxAttempts, "positive integer");
  const ids =
    config.deployments ?? input.deployments.filter((d) => d.alias === name).map((d) => d.id);
  const members = ids.map((id) => {
    const runtime = runtimes.get(id);
    if (!runtime) {
      throw new InvalidRouterConfigError(
        `Alias "${name}" lists deployment "${id}", which does not exist; known ids: ${[...runtimes.keys()].join(", ")}.`,
      );
    }
    return runtime;
  });
  if (members.length === 0) {
    throw new InvalidRouterConfigError(
      `Alias "${name}" has no deployments; set deployments or give one deployment alias "${name}".`,
    );
  }
  return {
    name,
    strategy: config.strategy,
    overflow: config.overflow ?? "queue",
    latencySlaMs: config.latencySlaMs,
    queueTimeoutMs: config.queueTimeoutMs ?? DEFAULT_QUEUE_TIMEOUT_MS,
    maxWaitMs: config.maxWaitMs ?? input.maxWaitMs ?? DEFAULT_MAX_WAIT_MS,
    maxAttempts: config.maxAttempts ?? Math.max(2, members.length + 1),
    runtimes: members,
  };
}
