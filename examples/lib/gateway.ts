/**
 * The examples' model gateway: aliases `fast` and `smart` on real providers when their key is
 * set, and on the offline sim provider otherwise (its outputs are labelled simulated).
 */
import type { BudgetStore, Ledger } from "@conclave/core";
import {
  createGateway,
  createRegistry,
  type DeploymentConfig,
  type Gateway,
  type GatewayEvent,
} from "@conclave/models";

function deployments(env: NodeJS.ProcessEnv): { list: DeploymentConfig[]; simulated: boolean } {
  if (env.OPENAI_API_KEY) {
    return {
      simulated: false,
      list: [
        { id: "gpt-4o-mini", alias: "fast", provider: "openai", model: "gpt-4o-mini" },
        { id: "gpt-4o", alias: "smart", provider: "openai", model: "gpt-4o" },
      ],
    };
  }
  if (env.ANTHROPIC_API_KEY) {
    return {
      simulated: false,
      list: [
        { id: "haiku", alias: "fast", provider: "anthropic", model: "claude-3-5-haiku-latest" },
        { id: "sonnet", alias: "smart", provider: "anthropic", model: "claude-sonnet-4-5" },
      ],
    };
  }
  return {
    simulated: true,
    list: [
      { id: "sim-fast", alias: "fast", provider: "sim", model: "sim-fast" },
      {
        id: "sim-smart",
        alias: "smart",
        provider: "sim",
        model: "sim-smart",
        price: { input_cost_per_token: 0.000003, output_cost_per_token: 0.000015 },
      },
    ],
  };
}

export interface GatewayServices {
  ledger?: Ledger;
  budgets?: BudgetStore;
  onEvent?: (event: GatewayEvent) => void;
}

/** The gateway the examples call models through; usage goes to `ledger` when given. */
export function exampleGateway(services: GatewayServices = {}): {
  gateway: Gateway;
  simulated: boolean;
} {
  const { list, simulated } = deployments(process.env);
  const registry = createRegistry({
    deployments: list,
    sim: { seed: 11, timeToFirstTokenMs: 30, perTokenMs: 4 },
  });
  const gateway = createGateway({
    registry,
    aliases: { fast: { strategy: "cost" }, smart: { strategy: "ordered", downgradeTo: "fast" } },
    ledger: services.ledger,
    budgets: services.budgets,
    onEvent: services.onEvent,
  });
  return { gateway, simulated };
}
