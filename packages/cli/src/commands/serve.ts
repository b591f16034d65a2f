/**
 * `conclave serve` and `conclave dev`: the API server, an in-process worker and the cron
 * scheduler over one database. Prints `listening on http://HOST:PORT` once /health/ready is
 * green. SIGTERM drains: the server stops accepting, in-flight runs finish (or checkpoint and
 * go back to the queue after the drain timeout), then the process exits 0.
 */
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { parseArgs } from "node:util";
import { CronScheduler } from "@conclave/runtime";
import { buildServer } from "@conclave/server";
import type { FastifyInstance } from "fastify";
import { type Booted, boot, shutdown } from "../boot.ts";
import { type CliIo, type Command, type CommandContext, EXIT, UsageError } from "../kit.ts";
import { resolveSettings, type Settings } from "../settings.ts";
import { serverModules } from "./server-modules.ts";

const OPTIONS = {
  database: { type: "string" },
  host: { type: "string" },
  port: { type: "string" },
  config: { type: "string" },
  profile: { type: "string" },
  "no-worker": { type: "boolean" },
  concurrency: { type: "string" },
  "drain-ms": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

export const SERVE_USAGE = `Usage: conclave serve [--database <url>] [--host <h>] [--port <p>] [--config <file>]
                      [--profile <name>] [--no-worker] [--concurrency <n>] [--drain-ms <ms>]

Serves the API (LangGraph Platform-compatible, OpenAI-compatible, WebSocket) with an
in-process worker and the cron scheduler. Environment: CONCLAVE_DATABASE_URL, CONCLAVE_HOST,
CONCLAVE_PORT (2024), CONCLAVE_API_KEY, CONCLAVE_CONFIG.`;

function intFlag(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0)
    throw new UsageError(`--${name} must be a whole number; got ${JSON.stringify(text)}.`);
  return value;
}

export async function listen(
  settings: Settings,
  booted: Booted,
  bootstrapKey: string | undefined,
  logLevel: string,
): Promise<FastifyInstance> {
  const { modules, extensions } = serverModules();
  const app = await buildServer({
    runtime: booted.runtime,
    keys: booted.platform.keys,
    services: { budgets: booted.platform.budgets, ledger: booted.platform.ledger },
    modules,
    extensions,
    bootstrapKey,
    rateLimitPerMinute: settings.config.server?.rateLimitPerMinute,
    logger: { level: logLevel },
  });
  await app.listen({ host: settings.host, port: settings.port });
  const response = await app.inject({ method: "GET", url: "/health/ready" });
  if (response.statusCode !== 200)
    throw new Error(`the server started but is not ready: ${response.body}`);
  return app;
}

/** Runs the server until stopped; `dev` adds a generated key and hot reload. */
export async function serveUntilStopped(
  ctx: CommandContext,
  mode: "serve" | "dev",
): Promise<number> {
  const { values } = parseArgs({ args: ctx.args, options: OPTIONS, strict: true });
  if (values.help) {
    ctx.io.out(SERVE_USAGE);
    return EXIT.ok;
  }
  const settings = await resolveSettings(ctx.io, values, mode === "dev" ? "dev" : "prod");
  const logLevel = ctx.io.env.CONCLAVE_LOG_LEVEL ?? (mode === "dev" ? "warn" : "info");
  const booted = await boot(settings, ctx.io, { watch: mode === "dev", logLevel });
  const bootstrapKey =
    settings.apiKey ??
    (mode === "dev" ? `cnk_dev_${randomBytes(18).toString("base64url")}` : undefined);
  if (!values["no-worker"]) {
    const fallback = settings.config.worker?.concurrency ?? 10;
    await booted.runtime.startWorker({
      concurrency: intFlag("concurrency", values.concurrency, fallback),
    });
  }
  const crons = new CronScheduler(booted.runtime);
  crons.start();
  if (mode === "dev" && !settings.portChosen) settings.port = await devPort(ctx.io, settings);
  const app = await listen(settings, booted, bootstrapKey, logLevel);
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : settings.port;
  ctx.io.out(`listening on http://${settings.host}:${port}`);
  if (mode === "dev") printDevBanner(ctx.io, settings, booted, bootstrapKey!, port);
  const signal = await ctx.io.stopped;
  ctx.io.err(`${signal}: draining (no new runs; in-flight runs finish or checkpoint)…`);
  crons.stop();
  await app.close();
  await shutdown(booted, intFlag("drain-ms", values["drain-ms"], 30_000));
  return EXIT.ok;
}

/**
 * The default port, or the next free one when something else holds it (as Vite's dev server
 * does), so `npm start` works on a machine where 2024 is taken. Only `dev`, and only when no
 * port was asked for: `serve`, or a chosen port, fails with EADDRINUSE instead.
 */
export async function devPort(
  io: CliIo,
  settings: Pick<Settings, "host" | "port">,
): Promise<number> {
  for (let port = settings.port; port < settings.port + DEV_PORT_TRIES; port++) {
    if (await portFree(settings.host, port)) {
      if (port !== settings.port) io.err(`port ${settings.port} is in use; using ${port}`);
      return port;
    }
  }
  return settings.port;
}

const DEV_PORT_TRIES = 20;

function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen({ host, port }, () => probe.close(() => resolve(true)));
  });
}

function printDevBanner(
  io: CliIo,
  settings: Settings,
  booted: Booted,
  key: string,
  port: number,
): void {
  const url = `http://${settings.host}:${port}`;
  const graphs = booted.runtime.registry.ids();
  io.out(`database   ${booted.platform.displayUrl}`);
  io.out(
    `graphs     ${graphs.join(", ") || "(none: add graphs to conclave.config.ts or langgraph.json)"}`,
  );
  io.out(
    `api key    ${key}${settings.apiKey ? " (from CONCLAVE_API_KEY)" : " (generated for this session; set CONCLAVE_API_KEY to fix it)"}`,
  );
  io.out(`docs       ${url}/docs`);
  if (graphs.length > 0) {
    io.out("try it:");
    io.out(
      `  curl -s ${url}/runs/wait -H 'x-api-key: ${key}' -H 'content-type: application/json' \\\n` +
        `    -d '{"assistant_id":"${graphs[0]}","input":{"messages":[{"role":"user","content":"hello"}]}}'`,
    );
  }
}

export const serveCommand: Command = {
  name: "serve",
  summary: "serve the API with an in-process worker",
  usage: SERVE_USAGE,
  run: (ctx) => serveUntilStopped(ctx, "serve"),
};

export const devCommand: Command = {
  name: "dev",
  summary: "serve the API on SQLite with hot reload and a generated API key",
  usage: SERVE_USAGE.replace("conclave serve", "conclave dev  "),
  run: (ctx) => serveUntilStopped(ctx, "dev"),
};
