/**
 * Governance over HTTP: modes, the approval inbox (approve through the API, with the calling
 * key recorded as reviewer), budgets with spent/reserved/remaining, cost, and the audit trail
 * with verification; each confined to the caller's tenant and scope.
 */
import { runTools, type ToolCallResult, tool } from "@conclave/agents";
import {
  Annotation,
  MemoryAuditLog,
  MemoryBudgetStore,
  MemoryLedger,
  MemorySettingsStore,
  StateGraph,
} from "@conclave/core";
import { API_EXTENSIONS, API_MODULES } from "@conclave/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { startTestServer, type TestServer } from "./harness.ts";

const sent: string[] = [];
const send = tool({
  name: "send_email",
  description: "Sends an email",
  schema: z.object({ to: z.string() }),
  execute: ({ to }) => {
    sent.push(to);
    return "ok";
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

let server: TestServer;
let admin: string;
let other: string;
const log = new MemoryAuditLog();

beforeAll(async () => {
  server = await startTestServer({
    graphs: { mailer },
    modules: API_MODULES,
    extensions: API_EXTENSIONS,
    runtime: { settings: new MemorySettingsStore(), audit: { log, durability: "sync" } },
    services: { budgets: new MemoryBudgetStore(), ledger: new MemoryLedger() },
  });
  admin = await server.key("acme", ["admin"]);
  other = await server.key("globex", ["admin"]);
});
afterAll(() => server.close());

async function call(method: string, path: string, key: string, body?: unknown) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      "x-api-key": key,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

describe("governance API", () => {
  it("puts a tenant in manual mode, lists the pending approval and resumes it when approved", async () => {
    expect((await call("PUT", "/admin/modes", admin, { mode: "manual" })).status).toBe(200);
    expect((await call("GET", "/admin/modes", admin)).body).toEqual({
      mode: "manual",
      assistants: {},
    });
    const waited = await call("POST", "/threads", admin, { thread_id: "mail-1" });
    expect(waited.status).toBe(200);
    await call("POST", "/threads/mail-1/runs/wait", admin, {
      assistant_id: "mailer",
      input: { to: "ada@example.com" },
    });
    const inbox = await call("GET", "/approvals", admin);
    expect(inbox.body).toEqual([
      expect.objectContaining({
        thread_id: "mail-1",
        kind: "approval",
        request: expect.objectContaining({ tool: "send_email", mode: "manual" }),
      }),
    ]);
    expect((await call("GET", "/approvals", other)).body).toEqual([]);
    const id = inbox.body[0].interrupt_id;
    expect(
      (await call("POST", `/approvals/mail-1/${id}`, other, { action: "approve" })).status,
    ).toBe(404);
    const decided = await call("POST", `/approvals/mail-1/${id}`, admin, { action: "approve" });
    expect(decided.status).toBe(202);
    await server.runtime.join("acme", decided.body.run_id);
    expect(sent).toEqual(["ada@example.com"]);
    const events = (await call("GET", "/audit/events?limit=100", admin)).body as {
      kind: string;
      actor: string;
    }[];
    expect(events.find((e) => e.kind === "approval.decided")?.actor).toMatch(/^key:/);
    expect((await call("GET", "/audit/verify", admin)).body).toMatchObject({
      ok: true,
      tenant: "acme",
    });
  });

  it("refuses bad decisions and keys without the scope", async () => {
    const reader = await server.key("acme", ["runs:read"]);
    expect((await call("GET", "/approvals", reader)).status).toBe(403);
    const bad = await call("POST", "/approvals/t/x", admin, { action: "maybe" });
    expect(bad.status).toBe(422);
    expect(bad.body.detail).toContain("body.action");
    const edit = await call("POST", "/approvals/t/x", admin, { action: "edit" });
    expect(edit.body.detail).toContain('an "edit" needs the arguments');
  });

  it("sets budgets and reports spent, reserved and remaining per tenant", async () => {
    const put = await call("PUT", "/budgets/daily", admin, {
      limit_usd: "12.50",
      period: "day",
      action: "fail",
    });
    expect(put.status).toBe(200);
    const listed = await call("GET", "/budgets", admin);
    expect(listed.body).toEqual([
      expect.objectContaining({
        id: "daily",
        limit_usd: "12.500000",
        spent_usd: "0.000000",
        remaining_usd: "12.500000",
      }),
    ]);
    expect((await call("GET", "/budgets", other)).body).toEqual([]);
    expect((await call("DELETE", "/budgets/daily", other)).status).toBe(404);
    expect((await call("PUT", "/budgets/x", admin, { limit_usd: "lots" })).body.detail).toContain(
      "body.limit_usd",
    );
    expect((await call("GET", "/cost?by=model", admin)).body).toEqual([]);
    expect((await call("GET", "/cost?by=planet", admin)).status).toBe(422);
  });
});
