/**
 * `GET /assistants/{id}/schemas` through the official SDK (`client.assistants.getSchemas`): a
 * StateSchema and a zod graph describe their fields' types, defaults and the messages key; an
 * Annotation graph lists its keys; separate input and output schemas are described apart.
 */
import {
  Annotation,
  MessagesValue,
  ReducedValue,
  START,
  StateGraph,
  StateSchema,
} from "@conclave/core";
import { langGraphApi } from "@conclave/server";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { startTestServer, type TestServer } from "./harness.ts";

const Agent = new StateSchema({
  messages: MessagesValue,
  topic: z.string().describe("What the agent works on"),
  count: z.number().default(0),
  notes: new ReducedValue(
    z.array(z.string()).default(() => []),
    {
      inputSchema: z.string(),
      reducer: (notes: string[], note: string) => [...notes, note],
    },
  ),
});
const agent = new StateGraph(Agent)
  .addNode("a", () => ({}))
  .addEdge(START, "a")
  .compile();

const Question = new StateSchema({ question: z.string() });
const Answer = new StateSchema({ answer: z.string() });
const Full = new StateSchema({ question: z.string(), answer: z.string().optional() });
const qa = new StateGraph({ state: Full, input: Question, output: Answer })
  .addNode("a", () => ({}))
  .addEdge(START, "a")
  .compile();

const zodGraph = new StateGraph(z.object({ city: z.string(), days: z.number().int() }), {
  context: z.object({ userId: z.string() }),
})
  .addNode("a", () => ({}))
  .addEdge(START, "a")
  .compile();

const annotated = new StateGraph(
  Annotation.Root({ topic: Annotation<string>(), seen: Annotation<string[]>() }),
)
  .addNode("a", () => ({}))
  .addEdge(START, "a")
  .compile();

// parent -> child (a StateSchema subgraph) -> grandchild (an Annotation subgraph).
const grandchild = new StateGraph(Annotation.Root({ deep: Annotation<string>() }))
  .addNode("g", () => ({}))
  .addEdge(START, "g")
  .compile();
const child = new StateGraph(new StateSchema({ topic: z.string(), deep: z.string().optional() }))
  .addNode("inner", grandchild)
  .addEdge(START, "inner")
  .compile();
const parent = new StateGraph(Agent)
  .addNode("research", child)
  .addNode("plain", () => ({}))
  .addEdge(START, "research")
  .addEdge("research", "plain")
  .compile();

let server: TestServer;
let client: Client;

beforeAll(async () => {
  server = await startTestServer({
    graphs: { agent, qa, zodGraph, annotated, parent },
    modules: [langGraphApi],
    worker: false,
  });
  const apiKey = await server.key("acme", ["runs:read"]);
  client = new Client({ apiUrl: server.url, apiKey, callerOptions: { maxRetries: 0 } });
});
afterAll(() => server.close());

describe("assistant schemas", () => {
  it("describes a StateSchema's fields: types, defaults, and the messages key", async () => {
    const schemas = await client.assistants.getSchemas("agent");
    expect(schemas.graph_id).toBe("agent");
    const state = schemas.state_schema as {
      properties: Record<string, Record<string, unknown>>;
      required?: string[];
    };
    expect(state.properties.topic).toMatchObject({
      type: "string",
      description: "What the agent works on",
    });
    expect(state.properties.count).toMatchObject({ type: "number", default: 0 });
    expect(state.properties.notes).toMatchObject({ type: "array", items: { type: "string" } });
    expect(state.properties.messages).toMatchObject({ langgraph_type: "messages" });
    expect(state.required).toEqual(["topic"]);
    expect(schemas.input_schema).toEqual(schemas.state_schema);
  });

  it("describes separate input and output schemas apart", async () => {
    const schemas = await client.assistants.getSchemas("qa");
    expect(Object.keys((schemas.input_schema as { properties: object }).properties)).toEqual([
      "question",
    ]);
    expect(Object.keys((schemas.output_schema as { properties: object }).properties)).toEqual([
      "answer",
    ]);
    expect(Object.keys((schemas.state_schema as { properties: object }).properties)).toEqual([
      "question",
      "answer",
    ]);
  });

  it("describes a zod object, and lists an Annotation graph's keys", async () => {
    const zodSchemas = await client.assistants.getSchemas("zodGraph");
    expect(zodSchemas.context_schema).toMatchObject({
      type: "object",
      properties: { userId: { type: "string" } },
    });
    expect((await client.assistants.getSchemas("agent")).context_schema).toBeNull();
    expect(zodSchemas.state_schema).toMatchObject({
      type: "object",
      properties: { city: { type: "string" }, days: { type: "integer" } },
      required: ["city", "days"],
    });
    const annotatedSchemas = await client.assistants.getSchemas("annotated");
    expect(annotatedSchemas.state_schema).toEqual({
      type: "object",
      properties: { topic: {}, seen: {} },
    });
  });

  it("lists subgraphs with their schemas: by node name, recursively, or one namespace", async () => {
    const top = await client.assistants.getSubgraphs("parent");
    expect(Object.keys(top)).toEqual(["research"]);
    expect(Object.keys((top.research!.state_schema as { properties: object }).properties)).toEqual([
      "topic",
      "deep",
    ]);
    const all = await client.assistants.getSubgraphs("parent", { recurse: true });
    expect(Object.keys(all)).toEqual(["research", "research|inner"]);
    expect(all["research|inner"]!.state_schema).toEqual({
      type: "object",
      properties: { deep: {} },
    });
    const one = await client.assistants.getSubgraphs("parent", { namespace: "research" });
    expect(Object.keys(one)).toEqual(["research"]);
    expect(await client.assistants.getSubgraphs("agent")).toEqual({});
    await expect(client.assistants.getSubgraphs("parent", { namespace: "nope" })).rejects.toThrow(
      /404/,
    );
  });
});
