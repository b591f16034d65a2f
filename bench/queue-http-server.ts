/**
 * The server process of the HTTP-overhead cell: a Conclave runtime on a SQLite file (no
 * worker, so the measurement is the submit path alone), served by `buildServer` with the
 * LangGraph routes on 127.0.0.1, and one API key. On request it also times the same
 * submissions made in process (`runtime.submit`), so both sides of the comparison run against
 * one store, one heap and one event loop.
 *
 * Protocol (IPC): sends `{ type: "ready", url, key }`; answers `{ type: "inproc", n, route }`
 * with `{ type: "samples", samplesMs }`; exits on `{ type: "stop" }`.
 * Usage (by queue-http.ts only): node bench/queue-http-server.ts
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryKeyStore, newApiKey } from "@conclave/core";
import type { SubmitRequest } from "@conclave/runtime";
import { buildServer, langGraphApi } from "@conclave/server";
import { GRAPH_ID, sqliteRuntime } from "./queue-conclave-setup.ts";

/** Which submission: a run on a new thread of its own, or a stateless run. */
export type HttpRoute = "thread" | "stateless";

const TENANT = "bench";

/** The in-process twin of each route's request. */
export function inProcessRequest(route: HttpRoute, i: number): SubmitRequest {
  const base = { tenant: TENANT, assistant: GRAPH_ID, input: { i } };
  return route === "thread" ? { ...base, thread: randomUUID() } : base;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "conclave-http-bench-"));
  const bench = await sqliteRuntime(dir, "async", () => undefined);
  const { runtime } = bench;
  const keys = new MemoryKeyStore();
  const made = newApiKey({
    keyId: "bench",
    tenant: TENANT,
    name: "bench",
    scopes: ["admin"],
    // The default per-key limit (6,000/min) would throttle the bench itself.
    rateLimitPerMinute: 1_000_000_000,
    now: new Date(),
  });
  await keys.create(made.key, made.hash);
  const app = await buildServer({
    runtime,
    keys,
    modules: [langGraphApi],
    logger: false,
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const { port } = app.server.address() as AddressInfo;

  process.on("message", async (message: { type: string; n?: number; route?: HttpRoute }) => {
    if (message.type === "inproc") {
      const samplesMs: number[] = [];
      for (let i = 0; i < (message.n ?? 0); i++) {
        const request = inProcessRequest(message.route ?? "thread", i);
        const before = performance.now();
        await runtime.submit(request);
        samplesMs.push(performance.now() - before);
      }
      process.send?.({ type: "samples", samplesMs });
    } else if (message.type === "stop") {
      await app.close();
      await bench.close();
      rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    }
  });
  process.send?.({ type: "ready", url: `http://127.0.0.1:${port}`, key: made.secret });
}

main().catch((error: unknown) => {
  process.send?.({
    type: "error",
    message: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  process.exitCode = 1;
});
