/**
 * The functional API on Conclave's journal: a workflow built again (as after a restart) on the
 * same saver resumes without running finished tasks; a task called in another order than its
 * journal fails clearly; and misuse (a task outside a graph, unsupported options, generators)
 * gets a typed error that says what to do.
 */
import { Command, entrypoint, interrupt, MemorySaver, task } from "@conclave/core";
import { describe, expect, it } from "vitest";

const thread = { configurable: { thread_id: "t" } };

describe("functional API", () => {
  it("resumes a workflow built again on the same saver without running finished tasks", async () => {
    const saver = new MemorySaver();
    const ran: string[] = [];
    const fetchPage = task("fetch", async (url: string) => {
      ran.push(url);
      return `page of ${url}`;
    });
    const build = () =>
      entrypoint({ name: "crawl", checkpointer: saver }, async (urls: string[]) => {
        const pages = await Promise.all(urls.map((u) => fetchPage(u)));
        const keep = interrupt<string[], boolean>(pages);
        return keep ? pages : [];
      });
    const paused = await build().invoke(["a", "b"], thread);
    expect(paused).toMatchObject({ __interrupt__: [{ value: ["page of a", "page of b"] }] });
    const resumed = await build().invoke(new Command({ resume: true }), thread);
    expect(resumed).toEqual(["page of a", "page of b"]);
    expect(ran).toEqual(["a", "b"]);
  });

  it("fails a resumed run whose tasks are called in another order than the journal's", async () => {
    const saver = new MemorySaver();
    const first = task("first", async () => 1);
    const second = task("second", async () => 2);
    let swapped = false;
    const workflow = entrypoint({ name: "order", checkpointer: saver }, async (_: number) => {
      const value = swapped ? await second() : await first();
      interrupt("wait");
      return value;
    });
    await workflow.invoke(0, thread);
    swapped = true;
    await expect(workflow.invoke(new Command({ resume: "go" }), thread)).rejects.toMatchObject({
      code: "NONDETERMINISTIC_EFFECT",
    });
  });

  it("refuses a task called outside a running graph, with what to do", async () => {
    const lonely = task("lonely", async () => 1);
    expect(() => lonely()).toThrow(
      expect.objectContaining({
        code: "TASK_OUTSIDE_GRAPH",
        message: expect.stringContaining("Call tasks inside an entrypoint or a StateGraph node"),
      }),
    );
  });

  it("refuses generator functions, and a timeout that is not a positive number", () => {
    expect(() => task("gen", async function* () {} as never)).toThrow(/Generators are disallowed/);
    expect(() => task({ name: "slow", timeout: -5 }, async () => 1)).toThrow(
      expect.objectContaining({ code: "INVALID_TIMEOUT" }),
    );
  });
});
