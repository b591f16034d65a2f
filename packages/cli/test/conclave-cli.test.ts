/**
 * The `conclave` command: in process for keys and settings, and as a real child process for
 * `dev` (the listening line, readiness, a run submitted over HTTP with the printed key, and a
 * graceful SIGTERM exit with code 0).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openPlatform } from "@conclave/runtime";
import { afterAll, describe, expect, it } from "vitest";
import { runConclave } from "../src/conclave.ts";
import type { CliIo } from "../src/kit.ts";

// Inside the repository, so graph modules written here resolve @conclave/* from node_modules.
const tmpRoot = fileURLToPath(new URL("../../../.tmp/", import.meta.url));
mkdirSync(tmpRoot, { recursive: true });
const dir = mkdtempSync(join(tmpRoot, "conclave-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const BIN = fileURLToPath(new URL("../bin/conclave.js", import.meta.url));

async function run(args: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    write: (t) => out.push(t),
    env: { ...env },
    cwd: dir,
    stopped: new Promise(() => undefined),
  };
  const code = await runConclave(args, io);
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("conclave (in process)", () => {
  it("lists commands and explains unknown ones", async () => {
    expect((await run(["--help"])).out).toMatch(/dev\s+serve the API on SQLite/);
    const unknown = await run(["launch"]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown command "launch"');
  });

  it("creates a key shown once, stores only its hash, lists and revokes it", async () => {
    const db = join(dir, "keys.db");
    const made = await run(["keys", "create", "--name", "ci", "--tenant", "acme", "-o", "json"], {
      CONCLAVE_DATABASE_URL: db,
    });
    expect(made.code).toBe(0);
    const key = JSON.parse(made.out) as { keyId: string; secret: string; scopes: string[] };
    expect(key.secret).toMatch(/^cnk_/);
    expect(key.scopes).toEqual(["runs:read", "runs:write"]);
    const listed = await run(["keys", "ls", "--database", db]);
    expect(listed.out).toContain(key.keyId);
    expect(listed.out).not.toContain(key.secret);
    expect((await run(["keys", "revoke", key.keyId, "--database", db])).out).toBe(
      `revoked ${key.keyId}`,
    );
    const platform = await openPlatform(db);
    const audit = await platform.audit.list({ tenant: "acme" });
    await platform.close();
    expect(audit.map((e) => e.kind)).toEqual(["admin.key.created", "admin.key.revoked"]);
  });

  it("rejects bad flags with exit code 2 and what was wrong", async () => {
    const bad = await run([
      "keys",
      "create",
      "--name",
      "x",
      "--scopes",
      "root",
      "--database",
      join(dir, "k2.db"),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('Unknown API key scope "root"');
    const port = await run(["serve", "--port", "99999"]);
    expect(port.code).toBe(2);
    expect(port.err).toContain('the port must be an integer from 0 to 65535; got "99999"');
    const format = await run(["keys", "ls", "-o", "yaml"]);
    expect(format.err).toContain('--output must be text, json or jsonl; got "yaml"');
  });
});

function waitForLine(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = "";
    child.stdout!.on("data", (chunk) => {
      seen += chunk;
      const match = pattern.exec(seen);
      if (match) resolve(seen);
    });
    child.once("exit", (code) => reject(new Error(`exited ${code} before ${pattern}: ${seen}`)));
  });
}

describe("conclave dev (child process)", () => {
  it("prints the listening line once ready, serves, and drains on SIGTERM with exit 0", async () => {
    const graph = join(dir, "echo-graph.ts");
    writeFileSync(
      graph,
      `import { Annotation, StateGraph } from "@conclave/core";
export const graph = new StateGraph(Annotation.Root({ n: Annotation<number>() }))
  .addNode("inc", (s: { n: number }) => ({ n: s.n + 1 }))
  .addEdge("__start__", "inc")
  .compile();\n`,
    );
    writeFileSync(
      join(dir, "langgraph.json"),
      JSON.stringify({ graphs: { echo: "./echo-graph.ts:graph" } }),
    );
    const child = spawn(process.execPath, [BIN, "dev", "--port", "0"], {
      cwd: dir,
      env: {
        ...process.env,
        CONCLAVE_DATABASE_URL: join(dir, "dev.db"),
        CONCLAVE_API_KEY: "cnk_test_key",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out = await waitForLine(
      child,
      /listening on (http:\/\/127\.0\.0\.1:\d+)\n[\s\S]*graphs\s+echo/,
    );
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!;
    expect(await (await fetch(`${url}/health/ready`)).json()).toEqual({
      status: "ok",
      database: "ok",
    });
    expect((await fetch(`${url}/info`)).status).toBe(200);
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
