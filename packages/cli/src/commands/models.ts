/**
 * `conclave models ls|test`: the model deployments and aliases of conclave.config.ts's `models`
 * section. `ls` shows each deployment's price and whether its API key is present (by variable
 * name: key values are never printed). `test` makes one small real call through the gateway to
 * an alias or a single deployment; `sim` deployments answer offline.
 */
import { DEFAULT_KEY_ENV, type ModelsConfig } from "@conclave/models";
import { EXIT, emit, table } from "../kit.ts";
import { type Action, commandGroup, noPositionals } from "./command-group.ts";
import {
  checkDeployments,
  type DeploymentCheck,
  modelsOf,
  perMillion,
  priceOf,
} from "./models-config.ts";
import { testAction } from "./models-test.ts";
import { settingsOf } from "./session.ts";

const USAGE = `Usage: conclave models ls [--config <file>]
       conclave models test <alias|deployment> [--prompt <text>] [--timeout-ms <ms>]

Deployments and aliases come from the \`models\` section of conclave.config.ts (or
CONCLAVE_CONFIG). Keys are read from the environment (or the config's secretsFile) and never
printed. Every action takes --config <file>, --profile <name> and -o.`;

/** A deployment as `models ls` prints it. */
export interface DeploymentRow {
  type: "deployment";
  id: string;
  alias: string;
  provider: string;
  model: string;
  /** The environment variable holding its key; null when it needs none. */
  keyVariable: string | null;
  keyPresent: boolean;
  /** USD per million tokens, or null when the price table has no price for the model. */
  inputPerMTok: string | null;
  outputPerMTok: string | null;
  priceSource: string | null;
  /** Why the deployment cannot be used (invalid config, no price), or null. */
  problem: string | null;
}

function deploymentRow(check: DeploymentCheck): DeploymentRow {
  const { config } = check;
  const price = priceOf(check);
  return {
    type: "deployment",
    id: config.id,
    alias: config.alias,
    provider: config.provider,
    model: config.model,
    keyVariable: config.apiKeyEnv ?? DEFAULT_KEY_ENV[config.provider] ?? null,
    keyPresent: check.missingKey === undefined,
    inputPerMTok: perMillion(price?.rates.input),
    outputPerMTok: perMillion(price?.rates.output),
    priceSource: price?.source ?? null,
    problem: check.problem ?? null,
  };
}

/** An alias as `models ls` prints it. */
export interface AliasRow {
  type: "alias";
  alias: string;
  strategy: string;
  deployments: string[];
  downgradeTo: string | null;
}

function aliasRows(models: ModelsConfig): AliasRow[] {
  const names = new Set([
    ...Object.keys(models.aliases ?? {}),
    ...models.deployments.map((d) => d.alias),
  ]);
  return [...names].sort().map((alias) => {
    const config = models.aliases?.[alias];
    const listed =
      config?.deployments ?? models.deployments.filter((d) => d.alias === alias).map((d) => d.id);
    return {
      type: "alias",
      alias,
      strategy: config?.strategy ?? "(none: add it under aliases)",
      deployments: [...listed],
      downgradeTo: config?.downgradeTo ?? null,
    };
  });
}

function lsText(deployments: DeploymentRow[], aliases: AliasRow[]): string {
  if (deployments.length === 0) return "no deployments";
  const key = (d: DeploymentRow) =>
    d.keyVariable === null
      ? "(none needed)"
      : `${d.keyVariable} ${d.keyPresent ? "set" : "MISSING"}`;
  const price = (v: string | null) => (v === null ? "no price" : `$${v}`);
  const problems = deployments.flatMap((d) => (d.problem ? [`${d.id}: ${d.problem}`] : []));
  return [
    table(
      ["DEPLOYMENT", "ALIAS", "PROVIDER", "MODEL", "KEY", "IN $/1M", "OUT $/1M", "PRICE FROM"],
      deployments.map((d) => [
        d.id,
        d.alias,
        d.provider,
        d.model,
        key(d),
        price(d.inputPerMTok),
        price(d.outputPerMTok),
        d.priceSource,
      ]),
    ),
    "",
    table(
      ["ALIAS", "STRATEGY", "DEPLOYMENTS", "DOWNGRADE TO"],
      aliases.map((a) => [a.alias, a.strategy, a.deployments.join(", "), a.downgradeTo]),
    ),
    ...(problems.length > 0 ? ["", "problems:", ...problems.map((p) => `  ${p}`)] : []),
  ].join("\n");
}

const ls: Action = {
  usage: `Usage: conclave models ls [--config <file>]

Every configured deployment with its alias, provider, model, price per million tokens (from
the bundled price table or the deployment's override) and whether its API key variable is
set, then the aliases with their routing strategy, then any deployment that cannot be used
and why. Key values are never printed.`,
  async run(ctx, flags, positionals) {
    noPositionals(positionals);
    const settings = await settingsOf(ctx, flags);
    const models = modelsOf(settings);
    const deployments = checkDeployments(settings, ctx.io.env).map(deploymentRow);
    const aliases = aliasRows(models);
    if (ctx.format === "json") emit(ctx, { deployments, aliases }, () => "");
    else
      emit<DeploymentRow | AliasRow>(ctx, [...deployments, ...aliases], () =>
        lsText(deployments, aliases),
      );
    return EXIT.ok;
  },
};

/** `conclave models`. */
export const modelsCommand = commandGroup({
  name: "models",
  summary: "list model deployments, aliases, prices and keys; test one with a real call",
  usage: USAGE,
  actions: { ls, test: testAction },
});
