import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Annotation, MemoryPlatformStore, StateGraph } from "@conclave/core";
import {
  bodyFor,
  CronScheduler,
  createCron,
  deliver,
  formatOf,
  nextFiring,
  Runtime,
  signature,
} from "@conclave/runtime";
import { afterEach, describe, expect, it } from "vitest";

const State = Annotation.Root({
  n: Annotation<number>({ reducer: (a, b) => a + b, default: () => 0 }),
});
const graph = () =>
  new StateGraph(State)
    .addNode("inc", () => ({ n: 1 }))
    .addEdge("__start__", "inc")
    .compile();

let now = new Date("2026-11-22T07:58:00.000Z");
let runtime: Runtime | undefined;
let server: Server | undefined;

afterEach(async () => {
  await runtime?.close(0);
  runtime = undefined;
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

describe("crons", () => {
  it("computes firings in the cron's time zone", () => {
    const next = nextFiring("0 9 * * *", "Europe/Paris", new Date("2026-11-22T07:00:00Z"));
    expect(next?.toISOString()).toBe("2026-11-22T08:00:00.000Z");
    expect(
      nextFiring(
        "0 9 * * *",
        "UTC",
        new Date("2026-11-22T07:00:00Z"),
        new Date("2026-11-22T08:00:00Z"),
      ),
    ).toBe(null);
  });

  it("explains a bad schedule", () => {
    expect(() => nextFiring("every minute", "UTC", now)).toThrow(
      /Cron schedule "every minute" in time zone "UTC" is invalid/,
    );
    expect(() => nextFiring("* * * * *", "Mars/Olympus", now)).toThrow(/INVALID|invalid/);
  });

  it("fires each firing exactly once across racing schedulers, then moves on", async () => {
    runtime = await Runtime.create({
      store: new MemoryPlatformStore(),
      graphs: { counter: graph },
      clock: () => now,
    });
    const cron = await createCron(runtime, {
      assistant: "counter",
      schedule: "0 9 * * *",
      timeZone: "Europe/Paris",
      thread: "daily",
      input: { n: 10 },
    });
    expect(cron.nextRunAt).toBe("2026-11-22T08:00:00.000Z");
    const one = new CronScheduler(runtime);
    const two = new CronScheduler(runtime);
    expect(await one.tick(new Date("2026-11-22T07:59:59Z"))).toEqual([]);
    now = new Date("2026-11-22T08:00:01Z");
    const fired = (await Promise.all([one.tick(now), two.tick(now)])).flat();
    expect(fired.length).toBe(1);
    expect(fired[0]).toMatchObject({ threadId: "daily", metadata: { cron_id: cron.cronId } });
    const after = await runtime.store.crons.get("default", cron.cronId);
    expect(after?.nextRunAt).toBe("2026-11-23T08:00:00.000Z");
    await runtime.startWorker();
    expect((await runtime.join("default", fired[0]!.runId)).status).toBe("success");
    expect((await runtime.store.threads.get("default", "daily"))?.values).toEqual({ n: 11 });
  });
});

interface Received {
  headers: IncomingMessage["headers"];
  body: string;
}

async function receiver(statuses: number[]): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      res.statusCode = statuses.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}/hook`, received };
}

describe("webhooks", () => {
  it("posts the signed run payload when a run ends, retrying a 500", async () => {
    const { url, received } = await receiver([500]);
    runtime = await Runtime.create({
      store: new MemoryPlatformStore(),
      graphs: { counter: graph },
      webhooks: { secret: "s3cret", baseDelayMs: 1 },
    });
    await runtime.startWorker();
    const run = await runtime.submit({
      assistant: "counter",
      thread: "t",
      input: { n: 1 },
      webhook: url,
    });
    await runtime.join("default", run.runId);
    await expect.poll(() => received.length).toBe(2);
    const last = received[1]!;
    const timestamp = String(last.headers["x-conclave-timestamp"]);
    expect(last.headers["x-conclave-signature"]).toBe(signature("s3cret", timestamp, last.body));
    expect(last.headers["x-conclave-signature"]).not.toBe(signature("wrong", timestamp, last.body));
    expect(received[0]!.headers["x-conclave-delivery"]).toBe(last.headers["x-conclave-delivery"]);
    expect(JSON.parse(last.body)).toMatchObject({
      run_id: run.runId,
      status: "success",
      values: { n: 2 },
    });
  });

  it("stops at a 4xx and reports it", async () => {
    const { url, received } = await receiver([410]);
    const result = await deliver(url, "{}", { baseDelayMs: 1 });
    expect(result).toEqual({ delivered: false, attempts: 1, status: 410 });
    expect(received.length).toBe(1);
  });

  it("speaks Discord and Slack", () => {
    expect(formatOf("https://discord.com/api/webhooks/1/abc")).toBe("discord");
    expect(formatOf("https://hooks.slack.com/services/T/B/X")).toBe("slack");
    expect(formatOf("https://example.com/hook")).toBe("json");
    const run = {
      runId: "r1",
      graphId: "g",
      status: "error",
      error: { code: "E", message: "boom" },
    } as never;
    expect(JSON.parse(bodyFor("slack", run, null, now))).toEqual({
      text: "Run r1 (g) ended error: boom",
    });
    expect(JSON.parse(bodyFor("discord", run, null, now))).toEqual({
      content: "Run r1 (g) ended error: boom",
    });
  });
});
