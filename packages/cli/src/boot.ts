/**
 * Boots what `dev`, `serve` and `worker` share: the database, the runtime with its audit
 * trail, and the graphs from conclave.config.ts and langgraph.json (watched in dev).
 */

import { flushAllGateways } from "@conclave/models";
import {
  applyEnv,
  type GraphSpec,
  openPlatform,
  type Platform,
  parseGraphSpec,
  Runtime,
  type RuntimeLogger,
  readLangGraphJson,
  registerGraphs,
} from "@conclave/runtime";
import { pino } from "pino";
import type { CliIo } from "./kit.ts";
import type { Settings } from "./settings.ts";

export interface Booted {
  platform: Platform;
  runtime: Runtime;
  graphs: GraphSpec[];
  logger: RuntimeLogger;
  stopWatching: () => void;
}

/** The graph specs of the config and of langgraph.json (config wins on a shared id). */
export function graphSpecsOf(settings: Settings): GraphSpec[] {
  const langgraph = readLangGraphJson(settings.cwd);
  if (langgraph) applyEnv(langgraph.env, settings.cwd);
  const specs: Record<string, string> = { ...langgraph?.graphs, ...settings.config.graphs };
  return Object.entries(specs).map(([graphId, spec]) =>
    parseGraphSpec(graphId, spec, settings.cwd),
  );
}

export async function boot(
  settings: Settings,
  io: CliIo,
  options: { watch: boolean; logLevel: string },
): Promise<Booted> {
  const logger = pino({ level: io.env.CONCLAVE_LOG_LEVEL ?? options.logLevel });
  const platform = await openPlatform(settings.databaseUrl, {
    onError: (error) => logger.warn({ err: error }, "database connection error; reconnecting"),
  });
  const runtime = await Runtime.create({
    store: platform.store,
    logger,
    audit: { log: platform.audit, ...settings.config.audit },
    settings: platform.settings,
    graphContext: { ledger: platform.ledger, budgets: platform.budgets },
    budgets: { store: platform.budgets },
    items: platform.items,
  });
  const graphs = graphSpecsOf(settings);
  const stopWatching = await registerGraphs(runtime.registry, graphs, {
    watch: options.watch,
    onReload: (graphId, error) => {
      if (error) io.err(`graph ${graphId} failed to reload: ${error.message}`);
      else io.out(`reloaded graph ${graphId}`);
    },
  });
  return { platform, runtime, graphs, logger, stopWatching };
}

/**
 * Stops in order: no new work, drain in-flight runs, store the usage of their model calls
 * (written after each call returns), close the database.
 */
export async function shutdown(booted: Booted, drainMs: number): Promise<void> {
  booted.stopWatching();
  await booted.runtime.close(drainMs);
  await flushAllGateways();
  await booted.platform.close();
}
