/**
 * Differential harness: runs one scenario against LangGraph.js and against Conclave and checks
 * that both give the same normalised result.
 *
 * A scenario is a function of the library object (`lib`). It may only use names both libraries
 * export, so each scenario is the "change one import" promise made executable. The value it
 * returns is normalised (see {@link normalise}) and compared:
 * - the LangGraph run must equal the expected value recorded in the test (so the test also pins
 *   down what LangGraph does and can fail on its own), and
 * - the Conclave run must equal the live LangGraph result (or the recorded value when LangGraph
 *   is not selected).
 *
 * `DIFF_ONLY=langgraph` or `DIFF_ONLY=conclave` selects one engine; the default runs both.
 * `DIFF_PRINT=1` logs each normalised result as JSON (to record a new scenario's expectation).
 */
import { describe, expect, it } from "vitest";
import { normalise } from "./normalise.ts";

/** The API surface both engines share: LangGraph's own module type. */
export type Lib = typeof import("@langchain/langgraph");

/** The engines under test. */
export type EngineName = "langgraph" | "conclave";

/** A scenario: builds and runs graphs with `lib`, returns data to compare. */
export type Scenario = (lib: Lib) => Promise<unknown>;

const loaders: Record<EngineName, () => Promise<Lib>> = {
  langgraph: () => import("@langchain/langgraph"),
  conclave: async () => (await import("@conclave/core")) as unknown as Lib,
};

const loaded = new Map<EngineName, Promise<Lib>>();

/** Loads an engine once per test file. Rejects when the engine's module cannot be imported. */
export function loadEngine(engine: EngineName): Promise<Lib> {
  let lib = loaded.get(engine);
  if (lib === undefined) {
    lib = loaders[engine]();
    loaded.set(engine, lib);
  }
  return lib;
}

/** The prebuilt module both engines share the names of (`ToolNode`, `toolsCondition`). */
export type Prebuilt = typeof import("@langchain/langgraph/prebuilt");

/** The prebuilt module of the engine `lib` is: LangGraph's, or `@conclave/core/prebuilt`. */
export async function prebuiltFor(lib: Lib): Promise<Prebuilt> {
  const conclave = lib === (await loadEngine("conclave"));
  return (
    conclave
      ? await import("@conclave/core/prebuilt")
      : await import("@langchain/langgraph/prebuilt")
  ) as Prebuilt;
}

/** The engines selected by `DIFF_ONLY` (both when it is unset). */
export function selectedEngines(): EngineName[] {
  const only = process.env.DIFF_ONLY;
  if (only === undefined || only === "") return ["langgraph", "conclave"];
  if (only === "langgraph" || only === "conclave") return [only];
  throw new Error(
    `DIFF_ONLY is "${only}" but must be "langgraph" or "conclave"; unset it to run both`,
  );
}

function memoisedRunner(scenario: Scenario): (engine: EngineName) => Promise<unknown> {
  const runs = new Map<EngineName, Promise<unknown>>();
  return (engine) => {
    let run = runs.get(engine);
    if (run === undefined) {
      run = loadEngine(engine).then(async (lib) => normalise(await scenario(lib)));
      runs.set(engine, run);
    }
    return run;
  };
}

/**
 * Declares a differential test: `expected` is what LangGraph returns (normalised); Conclave must
 * return the same. Creates one `it` per selected engine inside a `describe(name)`.
 */
export function differential(name: string, scenario: Scenario, expected: unknown): void {
  const run = memoisedRunner(scenario);
  const engines = selectedEngines();
  describe(name, () => {
    for (const engine of engines) {
      it(engine, async () => {
        const actual = await run(engine);
        if (process.env.DIFF_PRINT) console.log(`${name} [${engine}]:`, JSON.stringify(actual));
        if (engine === "conclave" && engines.includes("langgraph")) {
          expect(actual, "Conclave must match the live LangGraph result").toEqual(
            await run("langgraph"),
          );
        } else {
          expect(actual, `${engine} result`).toEqual(expected);
        }
      });
    }
  });
}

/**
 * Declares a test of a deliberate difference: the same scenario, with a separate expected value
 * per engine (documented in README "Differences from LangGraph.js").
 */
export function divergent(
  name: string,
  scenario: Scenario,
  expected: Record<EngineName, unknown>,
): void {
  const run = memoisedRunner(scenario);
  describe(name, () => {
    for (const engine of selectedEngines()) {
      it(engine, async () => {
        const actual = await run(engine);
        if (process.env.DIFF_PRINT) console.log(`${name} [${engine}]:`, JSON.stringify(actual));
        expect(actual, `${engine} result`).toEqual(expected[engine]);
      });
    }
  });
}

export {
  captureError,
  collect,
  deferred,
  normalise,
  sortByJson,
  summariseCheckpoint,
  summariseDebug,
  summariseHistory,
  summariseSnapshot,
  summariseTask,
} from "./normalise.ts";
