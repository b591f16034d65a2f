/**
 * LangGraph's own `RemoteGraph` (`@langchain/langgraph/remote`) against a Conclave server: a
 * LangGraph.js app that calls a deployed graph through it keeps working when the deployment is
 * Conclave. Invoke, stream, thread state, and an interrupt resumed with a Command.
 */
import { Command } from "@langchain/langgraph";
import { RemoteGraph } from "@langchain/langgraph/remote";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collect, startLangGraphServer } from "./langgraph-fixtures.ts";

let server: Awaited<ReturnType<typeof startLangGraphServer>>;
let remote: (graphId: string) => RemoteGraph;

beforeAll(async () => {
  server = await startLangGraphServer();
  const apiKey = await server.key("acme", ["admin"]);
  remote = (graphId) => new RemoteGraph({ graphId, url: server.url, apiKey });
});
afterAll(() => server.close());

describe("RemoteGraph against a Conclave server", () => {
  it("invokes and streams a graph", async () => {
    const counter = remote("counter");
    expect(await counter.invoke({ n: 1 })).toEqual({ n: 4 });
    const updates = await collect(await counter.stream({ n: 1 }, { streamMode: "updates" }));
    expect(updates).toEqual([{ inc: { n: 2 } }, { double: { n: 4 } }]);
  });

  it("pauses on an interrupt in a thread and resumes with a Command", async () => {
    const approval = remote("approval");
    const config = { configurable: { thread_id: crypto.randomUUID() } };
    // RemoteGraph raises the remote interrupt, so a parent graph using it as a node pauses too.
    await expect(approval.invoke({ topic: "essay" }, config)).rejects.toMatchObject({
      name: "GraphInterrupt",
    });
    const paused = await approval.getState(config);
    expect(paused.next).toEqual(["ask"]);
    expect(paused.tasks[0]?.interrupts[0]?.value).toEqual({ question: "Publish essay?" });
    const done = await approval.invoke(new Command({ resume: "yes" }), config);
    expect(done).toEqual({ topic: "essay", answer: "yes!" });
  });
});
