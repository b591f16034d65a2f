/**
 * Node timeouts on fake timers: `config.heartbeat()` resets the idle clock; with
 * `refreshOn: "heartbeat"` writer chunks do not; a timed-out attempt is retried under the
 * node's retry policy; chunks a timed-out attempt writes late are dropped.
 */
import { Annotation, NodeTimeoutError, START, StateGraph } from "@conclave/core";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

const State = Annotation.Root({ n: Annotation<number>() });
type Config = { heartbeat?: () => void; writer: (chunk: unknown) => void; signal: AbortSignal };

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A node that waits `steps` times for 10 ms, calling `progress` after each wait. */
function pacedGraph(timeout: object, progress: (config: Config, i: number) => void, steps = 6) {
  return new StateGraph(State)
    .addNode(
      "paced",
      async (_s: { n: number }, config: Config) => {
        for (let i = 0; i < steps; i++) {
          await new Promise((resolve) => setTimeout(resolve, 10));
          progress(config, i);
        }
        return { n: steps };
      },
      { timeout },
    )
    .addEdge(START, "paced")
    .compile();
}

describe("node timeouts", () => {
  it("a heartbeat resets the idle timeout", async () => {
    const graph = pacedGraph({ idleTimeout: 25 }, (config) => config.heartbeat?.());
    const run = graph.invoke({ n: 0 });
    await vi.advanceTimersByTimeAsync(100);
    await expect(run).resolves.toEqual({ n: 6 });
  });

  it('with refreshOn "heartbeat", writer chunks do not count as progress', async () => {
    const graph = pacedGraph({ idleTimeout: 25, refreshOn: "heartbeat" }, (config, i) =>
      config.writer({ i }),
    );
    const run = graph.invoke({ n: 0 }).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(100);
    expect(await run).toBeInstanceOf(NodeTimeoutError);
    expect(await run).toMatchObject({ code: "NODE_TIMEOUT", kind: "idle", node: "paced" });
  });

  it("retries a timed-out attempt under the retry policy, and drops its late chunks", async () => {
    let attempts = 0;
    const graph = new StateGraph(State)
      .addNode(
        "slowThenFast",
        async (_s: { n: number }, config: Config) => {
          attempts++;
          // The first attempt times out at 30 ms and writes at 40, while the second (from
          // about 31 ms to 51) is still running: its late chunk must not reach the stream.
          const wait = attempts === 1 ? 40 : 20;
          await new Promise((resolve) => setTimeout(resolve, wait));
          config.writer({ attempt: attempts });
          return { n: attempts };
        },
        {
          timeout: 30,
          retryPolicy: { maxAttempts: 2, initialInterval: 1, jitter: false, logWarning: false },
        },
      )
      .addEdge(START, "slowThenFast")
      .compile();
    const chunks: unknown[] = [];
    const run = (async () => {
      for await (const chunk of await graph.stream({ n: 0 }, { streamMode: "custom" }))
        chunks.push(chunk);
    })();
    await vi.advanceTimersByTimeAsync(100);
    await run;
    expect(attempts).toBe(2);
    expect(chunks).toEqual([{ attempt: 2 }]);
  });
});
