/**
 * `conclave approvals` against a real SQLite file: a run paused at an interrupt is listed,
 * `approve` queues the resume run (which a worker executes), and the reviewer is recorded in
 * the resume run's metadata; unknown approvals exit 3, missing arguments exit 2.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { Annotation, interrupt, StateGraph } from "@conclave/core";
import { openPlatform, type PendingApproval, type Platform, Runtime } from "@conclave/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, runCli, scratchDir } from "./cli-harness.ts";

const dir = scratchDir("conclave-cli-approvals");
const db = join(dir, "approvals.db");
let platform: Platform;
let runtime: Runtime;

const gate = () =>
  new StateGraph(Annotation.Root({ answer: Annotation<string>() }))
    .addNode("ask", () => ({
      answer: JSON.stringify(interrupt({ type: "approval", tool: "deploy", reason: "prod" })),
    }))
    .addEdge("__start__", "ask")
    .compile();

beforeAll(async () => {
  platform = await openPlatform(db);
  runtime = await Runtime.create({ store: platform.store, graphs: { gate } });
  await runtime.startWorker({ safetyMs: 50 });
});
afterAll(async () => {
  await runtime.close(0);
  await platform.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("conclave approvals", () => {
  it("lists a paused run and approves it for the worker to resume", async () => {
    const run = await runtime.submit({
      tenant: "acme",
      assistant: "gate",
      thread: "t1",
      input: {},
    });
    expect((await runtime.join("acme", run.runId)).status).toBe("interrupted");
    const env = { CONCLAVE_DATABASE_URL: db };
    const listed = await runCli(["approvals", "ls", "-o", "json"], { cwd: dir, env });
    expect(listed.code).toBe(0);
    const [pending] = json<PendingApproval[]>(listed);
    expect(pending).toMatchObject({
      tenant: "acme",
      threadId: "t1",
      kind: "approval",
      request: { tool: "deploy" },
    });
    const text = await runCli(["approvals", "ls"], { cwd: dir, env });
    expect(text.out).toMatch(/acme\s+t1\s+\S+\s+approval/);
    const approved = await runCli(
      ["approvals", "approve", "t1", pending!.interruptId, "--by", "user:ana", "-o", "json"],
      {
        cwd: dir,
        env,
      },
    );
    expect(approved.code).toBe(0);
    const { run_id } = json<{ run_id: string }>(approved);
    const resumed = await runtime.join("acme", run_id);
    expect(resumed.status).toBe("success");
    expect(resumed.metadata).toMatchObject({ approval: { action: "approve", by: "user:ana" } });
    const values = (await platform.store.threads.get("acme", "t1"))?.values as { answer: string };
    expect(JSON.parse(values.answer)).toEqual({ approved: true, by: "user:ana" });
  });

  it("explains what is missing or unknown", async () => {
    const env = { CONCLAVE_DATABASE_URL: db };
    const missing = await runCli(["approvals", "approve", "t1"], { cwd: dir, env });
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("needs <thread-id> <interrupt-id>");
    const unknown = await runCli(["approvals", "reject", "t1", "nope", "--tenant", "acme"], {
      cwd: dir,
      env,
    });
    expect(unknown.code).toBe(3);
    expect(unknown.err).toContain("No pending approval");
  });
});
