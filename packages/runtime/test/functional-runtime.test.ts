/**
 * A functional-API workflow (`entrypoint` with tasks) run by the platform, as a LangGraph
 * Platform deployment runs one: plain-value input and output, the thread's values, and an
 * interrupt resumed by a second run whose finished tasks are not run again.
 */
import { entrypoint, interrupt, MemoryPlatformStore, task } from "@conclave/core";
import { Runtime } from "@conclave/runtime";
import { afterEach, describe, expect, it } from "vitest";

let runtime: Runtime | undefined;
afterEach(async () => {
  await runtime?.close(0);
  runtime = undefined;
});

describe("Runtime with a functional-API workflow", () => {
  it("runs it to an interrupt, resumes it, and keeps its plain return value as the thread's values", async () => {
    const drafted: string[] = [];
    const draft = task("draft", async (topic: string) => {
      drafted.push(topic);
      return `An essay about ${topic}`;
    });
    const review = entrypoint("review", async (topic: string) => {
      const essay = await draft(topic);
      const verdict = interrupt<{ essay: string }, string>({ essay });
      return { essay, verdict };
    });
    runtime = await Runtime.create({ store: new MemoryPlatformStore(), graphs: { review } });
    await runtime.startWorker({ concurrency: 1 });
    const first = await runtime.submit({ assistant: "review", thread: "essay", input: "cats" });
    expect(await runtime.join("default", first.runId)).toMatchObject({ status: "interrupted" });
    const paused = await runtime.store.threads.get("default", "essay");
    expect(paused?.status).toBe("interrupted");
    const second = await runtime.submit({
      assistant: "review",
      thread: "essay",
      command: { resume: "publish" },
    });
    expect(await runtime.join("default", second.runId)).toMatchObject({ status: "success" });
    const done = await runtime.store.threads.get("default", "essay");
    expect(done?.values).toEqual({ essay: "An essay about cats", verdict: "publish" });
    expect(drafted).toEqual(["cats"]);
  });
});
