/**
 * Outbound webhooks when a run ends, in generic JSON (LangGraph's run payload), Discord or
 * Slack form. Every delivery is signed (HMAC-SHA256 over "<timestamp>.<body>", as Stripe and
 * Slack sign theirs, so a receiver can reject replays) and retried with exponential backoff
 * on network errors, 429 and 5xx; a 4xx other than 429 is final.
 */
import { createHmac } from "node:crypto";
import type { Run } from "@conclave/core";
import { newId } from "./ids.ts";

export type WebhookFormat = "json" | "discord" | "slack";

export interface WebhookOptions {
  /** The HMAC key. Without one, deliveries are unsigned. */
  secret?: string;
  /** Attempts per delivery. Default 5. */
  maxAttempts?: number;
  /** First retry delay; doubles each attempt. Default 500 ms. */
  baseDelayMs?: number;
  /** Per-attempt timeout. Default 10 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

export interface DeliveryResult {
  delivered: boolean;
  attempts: number;
  status?: number;
  error?: string;
}

/** Discord and Slack URLs get their own shapes; anything else gets the JSON run payload. */
export function formatOf(url: string): WebhookFormat {
  const { hostname, pathname } = new URL(url);
  if (/(^|\.)discord(app)?\.com$/.test(hostname) && pathname.startsWith("/api/webhooks"))
    return "discord";
  if (hostname === "hooks.slack.com") return "slack";
  return "json";
}

/** The body LangGraph Platform posts: the run, its timing and its final values. */
export function runPayload(run: Run, values: unknown, sentAt: Date): Record<string, unknown> {
  return {
    run_id: run.runId,
    thread_id: run.threadId,
    assistant_id: run.assistantId,
    status: run.status,
    metadata: run.metadata,
    created_at: run.createdAt,
    run_started_at: run.startedAt,
    run_ended_at: run.endedAt,
    webhook_sent_at: sentAt.toISOString(),
    values,
    error: run.error,
  };
}

function chatLine(run: Run): string {
  const what = run.error ? `: ${run.error.message}` : "";
  return `Run ${run.runId} (${run.graphId}) ended ${run.status}${what}`;
}

export function bodyFor(format: WebhookFormat, run: Run, values: unknown, sentAt: Date): string {
  if (format === "discord") return JSON.stringify({ content: chatLine(run).slice(0, 2000) });
  if (format === "slack") return JSON.stringify({ text: chatLine(run) });
  return JSON.stringify(runPayload(run, values, sentAt));
}

/** The `x-conclave-signature` value for a body sent at `timestamp` (seconds). */
export function signature(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

const defaultSleep = (ms: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, ms).unref?.());

/** Posts `body` to `url` until it is accepted or attempts run out. */
export async function deliver(
  url: string,
  body: string,
  options: WebhookOptions = {},
): Promise<DeliveryResult> {
  const maxAttempts = options.maxAttempts ?? 5;
  const send = options.fetch ?? fetch;
  const sleep = options.sleep ?? defaultSleep;
  const delivery = newId();
  let last: DeliveryResult = { delivered: false, attempts: 0 };
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "user-agent": "conclave-webhooks/1",
      "x-conclave-delivery": delivery,
      "x-conclave-timestamp": timestamp,
    };
    if (options.secret)
      headers["x-conclave-signature"] = signature(options.secret, timestamp, body);
    let retryAfterMs: number | undefined;
    try {
      const response = await send(url, {
        method: "POST",
        headers,
        body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      await response.body?.cancel();
      last = { delivered: response.ok, attempts: attempt, status: response.status };
      if (response.ok) return last;
      if (response.status < 500 && response.status !== 429) return last;
      retryAfterMs = retryAfterOf(response.headers.get("retry-after"));
    } catch (error) {
      last = { delivered: false, attempts: attempt, error: (error as Error).message };
    }
    if (attempt < maxAttempts)
      await sleep(retryAfterMs ?? (options.baseDelayMs ?? 500) * 2 ** (attempt - 1));
  }
  return last;
}

function retryAfterOf(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  return Number.isFinite(seconds) ? Math.min(seconds, 60) * 1000 : undefined;
}
