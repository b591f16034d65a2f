/**
 * Governance through the runtime: operational modes per tenant and assistant, the approval
 * inbox (approve, edit, reject, timeout with a default action), and the audit trail of tool
 * calls, approvals and mode changes.
 */

import { runTools, type ToolCallResult, tool } from "@conclave/agents";
import {
  Annotation,
  MemoryAuditLog,
  MemoryPlatformStore,
  MemorySettingsStore,
  SETTING,
  StateGraph,
} from "@conclave/core";
import { defaultAssistantId, Runtime } from "@conclave/runtime";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";

const sent: string[] = [];
const send = tool({
  name: "send_email",
  description: "Sends an email",
  schema: z.object({ to: z.string() }),
  execute: ({ to }) => {
    sent.push(to);
    return `sent to ${to}`;
  },
});

const State = Annotation.Root({
  to: Annotation<string>(),
  results: Annotation<ToolCallResult[]>(),
});
const mailer = () =>
  new StateGraph(State)
    .addNode("act", async (s: { to: string }, config) => ({
      results: await runTools(
        [{ id: "c1", name: "send_email", args: { to: s.to } }],
        [send],
        config,
      ),
    }))
    .addEdge("__start__", "act")
    .compile();

const now = new Date("2026-11-22T10:00:00.000Z");
let runtime: Runtime | undefined;
let log: MemoryAuditLog;
let settings: MemorySettingsStore;

afterEach(async () => {
  await runtime?.close(0);
  runtime = undefined;
  sent.length = 0;
});

async function start() {
  log = new MemoryAuditLog();
  settings = new MemorySettingsStore();
  runtime = await Runtime.create({
    store: new MemoryPlatformStore(),
    graphs: { mailer },
    settings,
    audit: { log, durability: "sync", content: "full" },
    clock: () => now,
  });
  await runtime.startWorker();
  return runtime;
}

async function runOn(rt: Runtime, thread: string, to: string) {
  return rt.join(
    "default",
    (await rt.submit({ assistant: "mailer", thread, input: { to } })).runId,
  );
}

describe("governance", () => {
  it("manual mode pauses side effects for the inbox; approval by a named person runs them", async () => {
    const rt = await start();
    await rt.setMode("default", "manual", { actor: "key:admin" });
    expect((await runOn(rt, "t1", "ada@example.com")).status).toBe("interrupted");
    expect(sent).toEqual([]);
    const [pending, ...rest] = await rt.approvals.list("default");
    expect(rest).toEqual([]);
    expect(pending).toMatchObject({
      threadId: "t1",
      kind: "approval",
      request: { tool: "send_email", mode: "manual" },
    });
    const resume = await rt.approvals.decide(
      "default",
      "t1",
      pending!.interruptId,
      { action: "approve" },
      "user:ana",
    );
    expect((await rt.join("default", resume.runId)).status).toBe("success");
    expect(sent).toEqual(["ada@example.com"]);
    expect(await rt.approvals.list("default")).toEqual([]);
    await rt.audit!.flush();
    const events = await log.list({ tenant: "default" });
    expect(events.find((e) => e.kind === "admin.mode.changed")).toMatchObject({
      actor: "key:admin",
      data: { setting: "mode", from: null, to: "manual" },
    });
    expect(events.find((e) => e.kind === "approval.decided")).toMatchObject({
      actor: "user:ana",
      data: { tool: "send_email", approved: true, mode: "manual", args: { to: "ada@example.com" } },
    });
    expect(events.find((e) => e.kind === "tool.call")).toMatchObject({
      data: { tool: "send_email", status: "ok", mode: "manual", node: "act" },
    });
    expect((await log.verify("default")).ok).toBe(true);
  });

  it("an edit runs the tool with the reviewer's arguments; a reject never runs it", async () => {
    const rt = await start();
    await rt.setMode("default", "manual");
    await runOn(rt, "t1", "wrong@example.com");
    const [first] = await rt.approvals.list("default");
    const edit = { action: "edit" as const, args: { to: "right@example.com" } };
    await rt.join(
      "default",
      (await rt.approvals.decide("default", "t1", first!.interruptId, edit, "user:ana")).runId,
    );
    expect(sent).toEqual(["right@example.com"]);
    await runOn(rt, "t2", "spam@example.com");
    const [second] = await rt.approvals.list("default");
    const reject = { action: "reject" as const, reason: "not allowed" };
    await rt.join(
      "default",
      (await rt.approvals.decide("default", "t2", second!.interruptId, reject, "user:bo")).runId,
    );
    expect(sent).toEqual(["right@example.com"]);
    const results = (await rt.store.threads.get("default", "t2"))?.values as {
      results: ToolCallResult[];
    };
    expect(results.results[0]).toMatchObject({
      status: "rejected",
      output: { reason: "not allowed" },
    });
  });

  it("read-only on one assistant refuses side effects while the tenant stays auto", async () => {
    const rt = await start();
    await rt.setMode("default", "read-only", { assistantId: defaultAssistantId("mailer") });
    expect((await runOn(rt, "t1", "ada@example.com")).status).toBe("success");
    expect(sent).toEqual([]);
    const values = (await rt.store.threads.get("default", "t1"))?.values as {
      results: ToolCallResult[];
    };
    expect(values.results[0]).toMatchObject({
      status: "error",
      output: { error: expect.stringContaining("read-only mode") },
    });
    await rt.setMode("default", null, { assistantId: defaultAssistantId("mailer") });
    // Setting a mode clears this process's cache; other workers see it within the TTL.
    expect((await runOn(rt, "t2", "bo@example.com")).status).toBe("success");
    expect(sent).toEqual(["bo@example.com"]);
  });

  it("applies the default action to approvals past their timeout", async () => {
    const rt = await start();
    await rt.setMode("default", "manual");
    await settings.set("default", SETTING.approvalTimeoutMs, 60_000, now);
    await runOn(rt, "t1", "ada@example.com");
    const [pending] = await rt.approvals.list("default");
    expect(pending?.expiresAt).toBe(new Date(Date.parse(pending!.since) + 60_000).toISOString());
    expect(
      await rt.approvals.expire("default", new Date(Date.parse(pending!.since) + 59_000)),
    ).toEqual([]);
    const [expired] = await rt.approvals.expireAll(new Date(Date.parse(pending!.since) + 61_000));
    await rt.join("default", expired!.runId);
    expect(sent).toEqual([]);
    await rt.audit!.flush();
    const decided = (await log.list({ tenant: "default" })).find(
      (e) => e.kind === "approval.decided",
    );
    expect(decided).toMatchObject({ actor: "system:timeout", data: { approved: false } });
  });

  it("explains an unknown approval", async () => {
    const rt = await start();
    await expect(
      rt.approvals.decide("default", "nope", "x", { action: "approve" }, "u"),
    ).rejects.toMatchObject({
      code: "APPROVAL_NOT_FOUND",
    });
    await expect(rt.setMode("default", "yolo" as never)).rejects.toThrow(
      /Operational mode must be one of auto, manual, read-only; got "yolo"/,
    );
  });
});
