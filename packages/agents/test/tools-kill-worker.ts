/**
 * Child process for the approval kill test: a graph whose node asks approval for a tool that
 * appends a line to a file, on a SQLite saver. Prints "waiting" once the approval interrupt is
 * saved (then stays alive until killed), "tools-done" after the tools ran (and, in `resume-hang`
 * mode, stays alive there too), and "final <json>" when the run ends.
 *
 * usage: node tools-kill-worker.ts <db-file> <side-effect-file> run|resume|resume-hang|resume-again
 */
import { registerHooks } from "node:module";
import { pathToFileURL } from "node:url";

// Point @conclave/* at the sources, as vitest does, so the worker and the test see one engine.
registerHooks({
  resolve(specifier, context, next) {
    const match = /^@conclave\/(core|sqlite|models)$/.exec(specifier);
    if (!match) return next(specifier, context);
    const url = new URL(`../../${match[1]}/src/index.ts`, import.meta.url);
    return { url: pathToFileURL(url.pathname).href, shortCircuit: true };
  },
});

const { Annotation, Command, START, StateGraph } = await import("@conclave/core");
const { SqliteSaver } = await import("@conclave/sqlite");
const { z } = await import("zod");
const { appendFileSync } = await import("node:fs");
const { runTools, tool } = await import("../src/tools/index.ts");

const [dbFile, effectFile, mode] = process.argv.slice(2) as [string, string, string];

const append = tool({
  name: "append_line",
  description: "Appends a line to the audit file",
  schema: z.object({ line: z.string() }),
  requiresApproval: true,
  execute: ({ line }) => {
    appendFileSync(effectFile, `${line}\n`);
    return "appended";
  },
});

const State = Annotation.Root({ result: Annotation<unknown>() });
const graph = new StateGraph(State)
  .addNode("tools", async (_s, config) => {
    const calls = [{ id: "c1", name: "append_line", args: { line: "charged $5" } }];
    const results = await runTools(calls, [append], config);
    process.stdout.write("tools-done\n");
    if (mode === "resume-hang") await new Promise(() => setInterval(() => {}, 1 << 30));
    return { result: results };
  })
  .addEdge(START, "tools")
  .compile({ checkpointer: SqliteSaver.fromConnString(dbFile) });

const config = { configurable: { thread_id: "t" }, durability: "sync" as const };
const input = mode === "run" ? {} : new Command({ resume: { approved: true, by: "ops" } });
const out = await graph.invoke(mode === "resume-again" ? null : input, config);
if (out.__interrupt__) {
  process.stdout.write("waiting\n");
  // Waiting for a human: stay alive until the parent kills the process.
  await new Promise(() => setInterval(() => {}, 1 << 30));
}
process.stdout.write(`final ${JSON.stringify(out.result)}\n`);
