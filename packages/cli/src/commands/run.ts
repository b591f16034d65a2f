/**
 * `conclave run <assistant>`: submits a run and waits for it, executing it in this process
 * with the graphs of conclave.config.ts / langgraph.json on the configured database. With
 * --stream it prints each update (and model tokens) as it happens. A run that pauses at an
 * interrupt prints how to resume it.
 */
import { parseArgs } from "node:util";
import type { Run } from "@conclave/core";
import { boot, shutdown } from "../boot.ts";
import { type Command, type CommandContext, EXIT, emit, parseJson, UsageError } from "../kit.ts";
import { resolveSettings } from "../settings.ts";

const USAGE = `Usage: conclave run <assistant> [--input <json>] [--resume <json>] [--thread <id>]
                    [--stream] [--tenant <t>] [--database <url>] [--config <file>]

Runs a graph (or assistant) once and prints its final state. --thread keeps the conversation
(state) between runs; --resume answers an interrupt on that thread. Exit code 0 when the run
succeeded or paused, 1 when it failed.`;

const OPTIONS = {
  input: { type: "string" },
  resume: { type: "string" },
  thread: { type: "string" },
  stream: { type: "boolean" },
  tenant: { type: "string" },
  database: { type: "string" },
  config: { type: "string" },
  profile: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

function printEvent(ctx: CommandContext, event: string, data: unknown): void {
  if (ctx.format !== "text") {
    emit(ctx, { event, data }, () => "");
    return;
  }
  if (event.startsWith("messages")) {
    const [chunk] = (Array.isArray(data) ? data : [data]) as [{ content?: unknown }];
    if (typeof chunk?.content === "string") ctx.io.write(chunk.content);
  } else if (event.startsWith("updates") && data && typeof data === "object") {
    ctx.io.out(`\n· ${Object.keys(data).join(", ")} done`);
  }
}

function finalReport(ctx: CommandContext, run: Run, values: unknown, assistant: string): number {
  emit(
    ctx,
    { run_id: run.runId, thread_id: run.threadId, status: run.status, values, error: run.error },
    () => {
      const lines = [`run ${run.runId} on thread ${run.threadId}: ${run.status}`];
      if (run.error) lines.push(`error: ${run.error.code}: ${run.error.message}`);
      else lines.push(JSON.stringify(values, null, 2));
      if (run.status === "interrupted")
        lines.push(
          `paused for input; resume with: conclave run ${assistant} --thread ${run.threadId} --resume '<json>'`,
        );
      return lines.join("\n");
    },
  );
  return run.status === "success" || run.status === "interrupted" ? EXIT.ok : EXIT.failed;
}

export const runCommand: Command = {
  name: "run",
  summary: "run a graph once and print its result",
  usage: USAGE,
  async run(ctx) {
    const { values, positionals } = parseArgs({
      args: ctx.args,
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    });
    const [assistant] = positionals;
    if (values.help || !assistant) {
      ctx.io.out(USAGE);
      return values.help ? EXIT.ok : EXIT.usage;
    }
    if (values.resume !== undefined && values.thread === undefined)
      throw new UsageError("--resume needs --thread <id>: the thread that is waiting for input.");
    const input = parseJson("--input", values.input);
    const resume = parseJson("--resume", values.resume);
    const settings = await resolveSettings(ctx.io, values, "dev");
    const booted = await boot(settings, ctx.io, {
      watch: false,
      logLevel: ctx.io.env.CONCLAVE_LOG_LEVEL ?? "warn",
    });
    try {
      await booted.runtime.startWorker({ concurrency: 1 });
      const tenant = values.tenant ?? booted.runtime.defaultTenant;
      const run = await booted.runtime.submit({
        tenant,
        assistant,
        thread: values.thread,
        ...(values.resume !== undefined ? { command: { resume } } : { input: input ?? {} }),
        streamMode: values.stream ? ["updates", "messages"] : undefined,
        actor: "cli",
      });
      if (values.stream)
        for await (const e of booted.runtime.stream(tenant, run.runId))
          printEvent(ctx, e.event, e.data);
      const ended = await booted.runtime.join(tenant, run.runId);
      const thread = await booted.platform.store.threads.get(tenant, ended.threadId);
      return finalReport(ctx, ended, thread?.values ?? null, assistant);
    } finally {
      await shutdown(booted, 0);
    }
  },
};
