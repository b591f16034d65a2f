/**
 * `conclave runs`, `queue` and `threads` against a real SQLite file that a runtime with an
 * in-process worker writes: listing across tenants, show, cancel (pending and running), retry
 * resuming from the last checkpoint, the queue report, thread state/history, and a fork that
 * becomes the thread's head. Then the same listings on PostgreSQL.
 */
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Run } from "@conclave/core";
import { openPlatform, type Platform, Runtime, type Worker } from "@conclave/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../test/support/postgres.ts";
import type { StateView } from "../src/commands/thread-state.ts";
import {
  json,
  runCli,
  type StepsModule,
  scratchDir,
  words,
  writeStepsProject,
} from "./cli-harness.ts";

const dir = scratchDir("conclave-cli-runs");
let mod: StepsModule;
let platform: Platform;
let runtime: Runtime;
let worker: Worker;

async function start(url: string) {
  platform = await openPlatform(url);
  runtime = await Runtime.create({
    store: platform.store,
    graphs: { steps: mod.steps, slow: mod.slow },
    audit: { log: platform.audit, durability: "sync" },
  });
  worker = await runtime.startWorker({ concurrency: 2, heartbeatMs: 20 });
}

async function stop() {
  await runtime?.close(0);
  await platform?.close();
}

beforeAll(async () => {
  mod = await writeStepsProject(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("conclave runs and threads on SQLite", () => {
  const db = join(dir, "runs.db");
  const cli = (...args: string[]) => runCli(args, { cwd: dir, env: { CONCLAVE_DATABASE_URL: db } });
  let failed: Run;
  let afterFirst: StateView;

  beforeAll(async () => {
    await start(db);
    const ok = await runtime.submit({
      tenant: "acme",
      assistant: "steps",
      thread: "t-ok",
      input: {},
    });
    await runtime.join("acme", ok.runId);
    mod.control.failures = 1;
    const bad = await runtime.submit({
      tenant: "zeta",
      assistant: "steps",
      thread: "t-bad",
      input: {},
    });
    failed = await runtime.join("zeta", bad.runId);
  });
  afterAll(stop);

  it("lists runs across tenants, filters by status and thread, and shows one", async () => {
    const all = json<Run[]>(await cli("runs", "ls", "-o", "json"));
    expect(all.map((r) => [r.tenant, r.status])).toEqual([
      ["zeta", "error"],
      ["acme", "success"],
    ]);
    const errors = await cli("runs", "ls", "--status", "error,dead");
    expect(errors.out).toMatch(/RUN ID\s+TENANT\s+THREAD/);
    expect(errors.out).toContain(failed.runId);
    expect(errors.out).toContain("second failed");
    const byThread = json<Run[]>(await cli("runs", "ls", "--thread", "t-ok", "-o", "json"));
    expect(byThread).toHaveLength(1);
    const lines = (await cli("runs", "ls", "-o", "jsonl")).out.split("\n");
    expect(lines.map((l) => (JSON.parse(l) as Run).tenant)).toEqual(["zeta", "acme"]);
    const shown = await cli("runs", "show", failed.runId);
    expect(shown.out).toMatch(/status\s+error/);
    expect(shown.out).toMatch(/tenant\s+zeta/);
  });

  it("explains bad input and unknown ids with exit codes 2 and 3", async () => {
    const status = await cli("runs", "ls", "--status", "broken");
    expect(status.code).toBe(2);
    expect(status.err).toContain("--status takes a comma-separated list of pending, running");
    expect(status.err).toContain('got "broken"');
    const missing = await cli("runs", "show", "no-such-run");
    expect(missing.code).toBe(3);
    expect(missing.err).toContain('no tenant has a run "no-such-run"');
    expect((await cli("runs", "show")).code).toBe(2);
    const elsewhere = join(dir, "typo.db");
    const noDb = await runCli(["runs", "ls"], {
      cwd: dir,
      env: { CONCLAVE_DATABASE_URL: elsewhere },
    });
    expect(noDb.code).toBe(3);
    expect(noDb.err).toContain(`no SQLite database at ${elsewhere}`);
    expect(existsSync(elsewhere)).toBe(false);
    expect((await cli("runs", "explode")).err).toContain('unknown runs action "explode"');
    expect((await cli("runs", "ls", "--limit", "0")).err).toContain(
      '--limit must be a whole number from 1 to 10000; got "0"',
    );
  });

  it("retries a failed run: the worker resumes it without re-running the finished step", async () => {
    const retried = await cli("runs", "retry", failed.runId);
    expect(retried.code).toBe(0);
    expect(retried.out).toContain("resumes it from its last checkpoint");
    worker.poke();
    expect((await runtime.join("zeta", failed.runId)).status).toBe("success");
    const thread = await platform.store.threads.get("zeta", "t-bad");
    // "first" ran once: the retry continued from the checkpoint after it.
    expect(thread?.values).toEqual({ log: ["first", "second"] });
    const audit = await platform.audit.list({ tenant: "zeta", kinds: ["run.retried"] });
    expect(audit).toMatchObject([{ actor: "cli", runId: failed.runId }]);
    const again = await cli("runs", "retry", failed.runId);
    expect(again.code).toBe(1);
  });

  it("cancels a running run through its worker, and a pending one at once", async () => {
    const started = new Promise<void>((resolve) => {
      mod.control.started = resolve;
    });
    const slow = (multitaskStrategy?: "enqueue") =>
      runtime.submit({
        tenant: "acme",
        assistant: "slow",
        thread: "t-slow",
        input: {},
        multitaskStrategy,
      });
    const running = await slow();
    await started;
    const queued = await slow("enqueue");
    const queue = json<{ pending: number; running: number; byGraph: object; workers: unknown[] }>(
      await cli("queue", "-o", "json"),
    );
    expect(queue).toMatchObject({
      pending: 1,
      running: 1,
      byGraph: { slow: { pending: 1, running: 1 } },
    });
    expect(queue.workers).toHaveLength(1);
    expect((await cli("runs", "queue")).out).toMatch(/pending 1 \(0 delayed\) · running 1/);
    const pending = await cli("runs", "cancel", queued.runId);
    expect(pending.out).toBe(`cancelled run ${queued.runId} (it had not started)`);
    const live = await cli("runs", "cancel", running.runId, "-o", "json");
    expect(json(live)).toMatchObject({
      runId: running.runId,
      action: "interrupt",
      status: "running",
    });
    expect((await runtime.join("acme", running.runId)).status).toBe("cancelled");
    const kinds = (
      await platform.audit.list({ tenant: "acme", kinds: ["run.cancel_requested"] })
    ).map((e) => e.runId);
    expect(kinds).toEqual([queued.runId, running.runId]);
  });

  it("shows thread state and history through the graph", async () => {
    const threads = json<{ threadId: string }[]>(
      await cli(...words("threads ls --tenant acme -o json")),
    );
    expect(threads.map((t) => t.threadId).sort()).toEqual(["t-ok", "t-slow"]);
    const state = json<StateView>(await cli(...words("threads state t-ok -o json")));
    expect(state).toMatchObject({ values: { log: ["first", "second"] }, next: [] });
    const history = json<StateView[]>(await cli(...words("threads history t-ok -o json")));
    expect(history.map((h) => h.step)).toEqual([2, 1, 0, -1]);
    afterFirst = history.find((h) => h.step === 1)!;
    expect(afterFirst.next).toEqual(["second"]);
    const text = await cli(...words("threads history t-ok --limit 2"));
    expect(text.out).toMatch(/^CHECKPOINT\s+PARENT\s+STEP\s+SOURCE\s+CREATED\s+NEXT$/m);
    expect(text.out.split("\n")).toHaveLength(3);
  });

  it("forks from an earlier checkpoint: a new head the next run continues from", async () => {
    const from = afterFirst.checkpointId!;
    const forked = await cli(
      ...words(`threads fork t-ok --checkpoint ${from} --as-node first --values`),
      '{"log":["edited"]}',
    );
    expect(forked.code).toBe(0);
    expect(forked.out).toContain(`forked thread t-ok from ${from}`);
    const head = json<StateView>(await cli(...words("threads state t-ok -o json")));
    expect(head).toMatchObject({
      values: { log: ["first", "edited"] },
      next: ["second"],
      parentCheckpointId: from,
    });
    const cached = async () => (await platform.store.threads.get("acme", "t-ok"))?.values;
    expect(await cached()).toEqual({ log: ["first", "edited"] });
    const next = await runtime.submit({
      tenant: "acme",
      assistant: "steps",
      thread: "t-ok",
      input: null,
    });
    await runtime.join("acme", next.runId);
    expect(await cached()).toEqual({ log: ["first", "edited", "second"] });
    const audit = await platform.audit.list({ tenant: "acme", kinds: ["thread.forked"] });
    expect(audit).toMatchObject([{ actor: "cli", data: { from } }]);
  });

  it("refuses a fork without --checkpoint, of an unknown checkpoint, and of an unknown node", async () => {
    expect((await cli("threads", "fork", "t-ok")).err).toContain("fork needs --checkpoint <id>");
    const missing = await cli("threads", "fork", "t-ok", "--checkpoint", "nope");
    expect(missing.code).toBe(3);
    expect(missing.err).toContain('thread t-ok has no checkpoint "nope"');
    const [oldest] = json<{ checkpointId: string }[]>(
      await cli("threads", "history", "t-ok", "-o", "json"),
    ).slice(-1);
    const node = await cli(
      "threads",
      "fork",
      "t-ok",
      "--checkpoint",
      oldest!.checkpointId,
      "--values",
      "{}",
      "--as-node",
      "ghost",
    );
    expect(node.code).toBe(2);
    expect(node.err).toContain('"ghost" is not a node');
  });

  it("reads stored checkpoints when the graph is not declared where it runs", async () => {
    const elsewhere = scratchDir("conclave-cli-nograph");
    const state = await runCli(["threads", "state", "t-bad", "-o", "json"], {
      cwd: elsewhere,
      env: { CONCLAVE_DATABASE_URL: db },
    });
    rmSync(elsewhere, { recursive: true, force: true });
    expect(json(state)).toMatchObject({ values: { log: ["first", "second"] }, next: null });
    expect(state.err).toContain('graph "steps" is not declared');
  });
});

describe("conclave runs and queue on PostgreSQL", () => {
  let database: TestDatabase;
  const cli = (...args: string[]) =>
    runCli(args, { cwd: dir, env: { CONCLAVE_DATABASE_URL: database.url } });

  beforeAll(async () => {
    database = await createTestDatabase("cli_runs");
    await start(database.url);
  });
  afterAll(async () => {
    await stop();
    await database?.drop();
  });

  it("lists runs across tenants, finds a run's tenant, retries it, and reports the queue", async () => {
    mod.control.failures = 1;
    const run = await runtime.submit({
      tenant: "pg-t",
      assistant: "steps",
      thread: "pg-thread",
      input: {},
    });
    expect((await runtime.join("pg-t", run.runId)).status).toBe("error");
    const listed = json<Run[]>(await cli("runs", "ls", "-o", "json"));
    expect(listed.map((r) => r.runId)).toEqual([run.runId]);
    expect((await cli("runs", "show", run.runId)).out).toMatch(/tenant\s+pg-t/);
    expect((await cli("runs", "retry", run.runId)).code).toBe(0);
    expect((await runtime.join("pg-t", run.runId)).status).toBe("success");
    expect(json(await cli("queue", "-o", "json"))).toMatchObject({
      pending: 0,
      running: 0,
      dead: 0,
    });
    expect(json(await cli("threads", "state", "pg-thread", "-o", "json"))).toMatchObject({
      values: { log: ["first", "second"] },
    });
  });
});
