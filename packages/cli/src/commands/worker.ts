/**
 * `conclave worker`: executes queued runs (no HTTP server). Run several against one
 * PostgreSQL database to scale out; each claims with SKIP LOCKED and is woken by NOTIFY.
 */
import { parseArgs } from "node:util";
import { CronScheduler } from "@conclave/runtime";
import { boot, shutdown } from "../boot.ts";
import { type Command, EXIT, UsageError } from "../kit.ts";
import { resolveSettings } from "../settings.ts";

const USAGE = `Usage: conclave worker [--database <url>] [--config <file>] [--profile <name>]
                       [--concurrency <n>] [--drain-ms <ms>] [--no-crons]

Claims and executes runs until SIGTERM, then drains: in-flight runs finish, or checkpoint and
go back to the queue after --drain-ms (default 30000).`;

function positiveInt(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new UsageError(`--${flag} must be a positive integer; got ${JSON.stringify(text)}.`);
  return value;
}

export const workerCommand: Command = {
  name: "worker",
  summary: "execute queued runs (scale out with several on PostgreSQL)",
  usage: USAGE,
  async run(ctx) {
    const { values } = parseArgs({
      args: ctx.args,
      strict: true,
      options: {
        database: { type: "string" },
        config: { type: "string" },
        profile: { type: "string" },
        concurrency: { type: "string" },
        "drain-ms": { type: "string" },
        "no-crons": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (values.help) {
      ctx.io.out(USAGE);
      return EXIT.ok;
    }
    const settings = await resolveSettings(ctx.io, values, "prod");
    const booted = await boot(settings, ctx.io, {
      watch: false,
      logLevel: ctx.io.env.CONCLAVE_LOG_LEVEL ?? "info",
    });
    const concurrency = positiveInt(
      "concurrency",
      values.concurrency,
      settings.config.worker?.concurrency ?? 10,
    );
    const worker = await booted.runtime.startWorker({
      concurrency,
      leaseMs: settings.config.worker?.leaseMs,
    });
    const crons = values["no-crons"] ? undefined : new CronScheduler(booted.runtime);
    crons?.start();
    ctx.io.out(
      `worker ${worker.workerId} ready on ${booted.platform.displayUrl}; graphs: ${booted.runtime.registry.ids().join(", ") || "(none)"}`,
    );
    const signal = await ctx.io.stopped;
    ctx.io.err(`${signal}: draining ${worker.activeRuns} in-flight run(s)…`);
    crons?.stop();
    await shutdown(booted, positiveInt("drain-ms", values["drain-ms"], 30_000));
    return EXIT.ok;
  },
};
