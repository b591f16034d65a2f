/**
 * The HTTP-overhead cell: what submitting a run through the API costs over calling
 * `runtime.submit` in process. The server (queue-http-server.ts) runs in its own process;
 * autocannon drives it from this one over one keep-alive connection, one request at a time,
 * so each response time is one submission's latency as a client sees it. Rounds alternate
 * in-process and HTTP batches, so load on the machine hits both alike; the first round of
 * each route is a warm-up.
 *
 * autocannon's own histogram has 1 ms resolution, so the per-response times are taken from
 * its `response` event (process.hrtime, sub-microsecond) instead.
 */
import { type ChildProcess, fork } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import type { CellSpec, HttpResult, HttpRouteResult } from "./queue-stats.ts";

type Route = HttpRouteResult["route"];

/** The part of autocannon's API used here (it ships no types). */
interface AutocannonInstance {
  on(
    event: "response",
    listener: (client: unknown, statusCode: number, bytes: number, ms: number) => void,
  ): void;
}
type Autocannon = (
  options: Record<string, unknown>,
  done: (error: Error | null) => void,
) => AutocannonInstance;

const ROUTES: Route[] = ["thread", "stateless"];
/** Timed rounds per route, after one warm-up round. */
const ROUNDS = 5;
const SERVER = new URL("./queue-http-server.ts", import.meta.url);

/** Runs the HTTP cell: `spec.n` submissions per route and side, in ROUNDS rounds. */
export async function httpCell(spec: CellSpec): Promise<HttpResult> {
  const server = fork(SERVER, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  try {
    const ready = (await nextMessage(server, "ready")) as { url: string; key: string };
    const perRound = Math.max(1, Math.ceil(spec.n / ROUNDS));
    const warmup = Math.max(1, spec.warmup);
    const routes: HttpRouteResult[] = [];
    for (const route of ROUTES) {
      const result: HttpRouteResult = { route, inProcessMs: [], httpMs: [], errors: 0 };
      for (let round = 0; round <= ROUNDS; round++) {
        const n = round === 0 ? warmup : perRound;
        server.send({ type: "inproc", n, route });
        const inProcess = (await nextMessage(server, "samples")) as { samplesMs: number[] };
        const http = await cannon(ready.url, ready.key, route, n);
        result.errors += http.errors;
        if (round === 0) continue;
        result.inProcessMs.push(...inProcess.samplesMs);
        result.httpMs.push(...http.samplesMs);
      }
      routes.push(result);
    }
    return { measure: "http", routes, notes: [] };
  } finally {
    if (server.exitCode === null && server.connected) {
      const exited = new Promise((resolve) => server.once("exit", resolve));
      server.send({ type: "stop" });
      await exited;
    }
  }
}

function nextMessage(child: ChildProcess, type: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`HTTP server exited with ${code}`));
    const onMessage = (message: { type: string; message?: string }) => {
      if (message.type !== type && message.type !== "error") return;
      child.off("message", onMessage);
      child.off("exit", onExit);
      if (message.type === "error") reject(new Error(`HTTP server: ${message.message}`));
      else resolve(message);
    };
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}

/** `n` POSTs, one at a time, each on a new thread (or stateless); every response's time. */
function cannon(
  url: string,
  key: string,
  route: Route,
  n: number,
): Promise<{ samplesMs: number[]; errors: number }> {
  const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;
  const samplesMs: number[] = [];
  let errors = 0;
  let i = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: 1,
        pipelining: 1,
        amount: n,
        headers: { "content-type": "application/json", "x-api-key": key },
        requests: [
          {
            method: "POST",
            setupRequest: (request: Record<string, unknown>) => ({
              ...request,
              path: route === "thread" ? `/threads/${randomUUID()}/runs` : "/runs",
              body: JSON.stringify(bodyOf(route, i++)),
            }),
          },
        ],
      },
      (error) => (error ? reject(error) : resolve({ samplesMs, errors })),
    );
    instance.on("response", (_client, statusCode, _bytes, ms) => {
      if (statusCode >= 200 && statusCode < 300) samplesMs.push(ms);
      else errors++;
    });
  });
}

/** The request body, the API's twin of `inProcessRequest` in queue-http-server.ts. */
function bodyOf(route: Route, i: number): Record<string, unknown> {
  const body = { assistant_id: "noop", input: { i } };
  return route === "thread" ? { ...body, if_not_exists: "create" } : body;
}
