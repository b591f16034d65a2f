/**
 * Node timeouts in both engines: a node that never finishes fails with NodeTimeoutError after
 * its run timeout and sees its signal abort; an idle timeout is reset by writer chunks, and
 * fires when the node makes no progress; a bad timeout is refused when the graph is built.
 */
import { differential, type Lib } from "./harness.ts";

/** A promise that never settles: the node waits on it until its timeout aborts it. */
const never = () => new Promise<never>(() => {});

function stuckGraph(lib: Lib, timeout: unknown, aborted: { seen: boolean }) {
  const State = lib.Annotation.Root({ n: lib.Annotation<number>() });
  return new lib.StateGraph(State)
    .addNode(
      "stuck",
      async (_s: unknown, config: { signal?: AbortSignal }) => {
        config.signal?.addEventListener("abort", () => {
          aborted.seen = true;
        });
        return never();
      },
      { timeout } as never,
    )
    .addEdge(lib.START, "stuck")
    .compile();
}

/** The error's fields that do not depend on the clock. */
async function timedOut(run: Promise<unknown>) {
  return run.then(
    () => "finished",
    (error: { name: string; kind: string; timeout: number; message: string }) => ({
      error: error.name,
      kind: error.kind,
      timeout: error.timeout,
      message: error.message.replace(/elapsed: \d+ms/, "elapsed: <ms>"),
    }),
  );
}

differential(
  "node timeout: a run timeout fails a stuck node and aborts its signal; an idle one fires without progress",
  async (lib) => {
    const aborted = { seen: false };
    const run = await timedOut(stuckGraph(lib, 15, aborted).invoke({ n: 1 }));
    const idle = await timedOut(
      stuckGraph(lib, { idleTimeout: 15, runTimeout: 10_000 }, { seen: false }).invoke({ n: 1 }),
    );
    return { run, aborted: aborted.seen, idle };
  },
  {
    run: {
      error: "NodeTimeoutError",
      kind: "run",
      timeout: 15,
      message: 'Node "stuck" exceeded its run timeout of 15ms (elapsed: <ms>).',
    },
    aborted: true,
    idle: {
      error: "NodeTimeoutError",
      kind: "idle",
      timeout: 15,
      message:
        'Node "stuck" exceeded its idle timeout of 15ms without making progress (elapsed: <ms>).',
    },
  },
);

differential(
  "node timeout: writer chunks are progress that resets the idle timeout",
  async (lib) => {
    const State = lib.Annotation.Root({ beats: lib.Annotation<number>() });
    const graph = new lib.StateGraph(State)
      .addNode(
        "busy",
        async (_s: unknown, config: { writer?: (chunk: unknown) => void }) => {
          let beats = 0;
          // 12 beats of 15 ms outlast the 150 ms idle timeout; each gap is far below it.
          for (; beats < 12; beats++) {
            await new Promise((resolve) => setTimeout(resolve, 15));
            config.writer?.({ beat: beats });
          }
          return { beats };
        },
        { timeout: { idleTimeout: 150 } } as never,
      )
      .addEdge(lib.START, "busy")
      .compile();
    return graph.invoke({ beats: 0 });
  },
  { beats: 12 },
);

differential(
  "node timeout: a timeout that is not a positive number is refused when the graph is built",
  async (lib) => {
    const State = lib.Annotation.Root({ n: lib.Annotation<number>() });
    try {
      new lib.StateGraph(State)
        .addNode("x", () => ({}), { timeout: -1 } as never)
        .addEdge(lib.START, "x")
        .compile();
      return "built";
    } catch (error) {
      // Conclave's message goes on with the value seen and what to give.
      return (error as Error).message.startsWith("runTimeout must be greater than 0");
    }
  },
  true,
);

differential(
  "node timeout: a node that blocks the event loop past its run timeout still times out",
  async (lib) => {
    const State = lib.Annotation.Root({ n: lib.Annotation<number>() });
    const graph = new lib.StateGraph(State)
      .addNode(
        "blocking",
        () => {
          const started = Date.now();
          while (Date.now() - started < 40) {
            // Busy: no timer can fire until the node returns.
          }
          return { n: 1 };
        },
        { timeout: 15 } as never,
      )
      .addEdge(lib.START, "blocking")
      .compile();
    return timedOut(graph.invoke({ n: 0 }));
  },
  {
    error: "NodeTimeoutError",
    kind: "run",
    timeout: 15,
    message: 'Node "blocking" exceeded its run timeout of 15ms (elapsed: <ms>).',
  },
);

differential(
  "functional API: task and entrypoint timeouts, and a timed-out task attempt retried",
  async (lib) => {
    const stuck = lib.task({ name: "stuck", timeout: 15 } as never, async () => never());
    const task = await timedOut(lib.entrypoint("wf", async () => stuck()).invoke(1));
    const entry = await timedOut(
      lib.entrypoint({ name: "slow", timeout: 15 } as never, async () => never()).invoke(1),
    );
    let attempts = 0;
    const retry = { maxAttempts: 2, initialInterval: 1, jitter: false, logWarning: false };
    const flaky = lib.task({ name: "flaky", timeout: 15, retry } as never, async () => {
      attempts++;
      return attempts === 1 ? never() : attempts;
    });
    const retried = await lib.entrypoint("retrying", async () => flaky()).invoke(1);
    return { task, entry, retried };
  },
  {
    task: {
      error: "NodeTimeoutError",
      kind: "run",
      timeout: 15,
      message: 'Node "stuck" exceeded its run timeout of 15ms (elapsed: <ms>).',
    },
    entry: {
      error: "NodeTimeoutError",
      kind: "run",
      timeout: 15,
      message: 'Node "slow" exceeded its run timeout of 15ms (elapsed: <ms>).',
    },
    retried: 2,
  },
);
