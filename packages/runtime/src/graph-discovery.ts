/**
 * Finds graphs the way LangGraph projects declare them: `"./path/to/file.ts:exportName"`, in
 * `conclave.config.ts` (`graphs: {...}`) or a LangGraph project's `langgraph.json` (`graphs`
 * and `env`), so such a project serves unchanged. In dev, graph modules are watched and
 * re-imported on change (hot reload).
 */
import { existsSync, readFileSync, watch } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { InvalidArgumentError } from "@conclave/core";
import type { GraphRegistry, GraphSource } from "./graph-registry.ts";

export interface GraphSpec {
  graphId: string;
  /** Absolute path of the module. */
  file: string;
  /** The export holding the graph; "default" when the spec names none. */
  exportName: string;
}

/** Parses `"./agent.ts:graph"` relative to `cwd`. */
export function parseGraphSpec(graphId: string, spec: string, cwd: string): GraphSpec {
  if (typeof spec !== "string" || spec.trim() === "") {
    throw new InvalidArgumentError(
      `Graph ${JSON.stringify(graphId)} has spec ${JSON.stringify(spec)}; use "./path/to/file.ts:exportName".`,
      "INVALID_GRAPH_SPEC",
    );
  }
  const colon = spec.lastIndexOf(":");
  const hasExport = colon > 1 || (colon === 1 && !/^[A-Za-z]:/.test(spec));
  const path = hasExport ? spec.slice(0, colon) : spec;
  const exportName = hasExport ? spec.slice(colon + 1) : "default";
  const file = isAbsolute(path) ? path : resolve(cwd, path);
  if (!existsSync(file)) {
    throw new InvalidArgumentError(
      `Graph ${JSON.stringify(graphId)} points at ${file}, which does not exist; fix the path in its spec ${JSON.stringify(spec)}.`,
      "GRAPH_FILE_NOT_FOUND",
    );
  }
  return { graphId, file, exportName };
}

/** Imports a graph module (a fresh copy when `version` changes) and returns its export. */
export async function importGraph(spec: GraphSpec, version = 0): Promise<GraphSource> {
  const url = `${pathToFileURL(spec.file).href}${version > 0 ? `?v=${version}` : ""}`;
  const module = (await import(url)) as Record<string, unknown>;
  const value = module[spec.exportName];
  if (value === undefined) {
    const names = Object.keys(module).join(", ") || "(none)";
    throw new InvalidArgumentError(
      `${spec.file} has no export named ${JSON.stringify(spec.exportName)} for graph ${JSON.stringify(spec.graphId)}; its exports: ${names}.`,
      "GRAPH_EXPORT_NOT_FOUND",
    );
  }
  return value as GraphSource;
}

/** The `graphs` (and `env`) of a LangGraph project's langgraph.json in `cwd`, if there is one. */
export function readLangGraphJson(
  cwd: string,
): { graphs: Record<string, string>; env?: string | Record<string, string> } | undefined {
  const file = resolve(cwd, "langgraph.json");
  if (!existsSync(file)) return undefined;
  let parsed: { graphs?: unknown; env?: unknown };
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new InvalidArgumentError(
      `${file} is not valid JSON: ${(error as Error).message}.`,
      "INVALID_LANGGRAPH_JSON",
    );
  }
  if (typeof parsed.graphs !== "object" || parsed.graphs === null) {
    throw new InvalidArgumentError(
      `${file} has no "graphs" object; add { "graphs": { "agent": "./agent.ts:graph" } }.`,
      "INVALID_LANGGRAPH_JSON",
    );
  }
  return {
    graphs: parsed.graphs as Record<string, string>,
    env: parsed.env as string | Record<string, string> | undefined,
  };
}

/** Applies langgraph.json's `env`: a dotenv file path or an object. Existing variables win. */
export function applyEnv(env: string | Record<string, string> | undefined, cwd: string): void {
  if (env === undefined) return;
  if (typeof env === "string") {
    const file = resolve(cwd, env);
    if (existsSync(file)) process.loadEnvFile(file);
    return;
  }
  for (const [key, value] of Object.entries(env)) process.env[key] ??= String(value);
}

/** Registers every spec's graph; with `watch`, re-registers a graph when its directory changes. */
export async function registerGraphs(
  registry: GraphRegistry,
  specs: GraphSpec[],
  options: { watch?: boolean; onReload?: (graphId: string, error?: Error) => void } = {},
): Promise<() => void> {
  for (const spec of specs) await registry.register(spec.graphId, await importGraph(spec));
  if (!options.watch) return () => undefined;
  return watchGraphs(registry, specs, options.onReload ?? (() => undefined));
}

function watchGraphs(
  registry: GraphRegistry,
  specs: GraphSpec[],
  onReload: (graphId: string, error?: Error) => void,
): () => void {
  let version = 0;
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const reload = (spec: GraphSpec) => {
    clearTimeout(timers.get(spec.graphId));
    // Editors write a file in several steps; wait for them to settle.
    timers.set(
      spec.graphId,
      setTimeout(async () => {
        try {
          await registry.register(spec.graphId, await importGraph(spec, ++version));
          onReload(spec.graphId);
        } catch (error) {
          onReload(spec.graphId, error as Error);
        }
      }, 150),
    );
  };
  const watchers = [...new Set(specs.map((s) => dirname(s.file)))].map((dir) =>
    watch(dir, { recursive: true }, (_event, name) => {
      if (!name || !/\.(m?[jt]s|json)$/.test(name)) return;
      for (const spec of specs) if (dirname(spec.file) === dir) reload(spec);
    }),
  );
  return () => {
    for (const watcher of watchers) watcher.close();
    for (const timer of timers.values()) clearTimeout(timer);
  };
}
