/**
 * Assistants: versioned configurations of a registered graph. Every graph has a default
 * assistant per tenant (its id derived from the graph id, as LangGraph derives it), made on
 * first use, so a search lists one for each graph before any run. A graph id is accepted
 * wherever an assistant id is.
 */
import { type Assistant, assistantNotFound, graphJsonSchemas, NotFoundError } from "@conclave/core";
import { newId, type Runtime } from "@conclave/runtime";
import { z } from "zod";
import type { ServerContext } from "../app.ts";
import { defineRoute } from "../route.ts";
import { matches, readAll, sortedPage } from "./paging.ts";
import { configOf } from "./run-requests.ts";
import {
  AssistantCreate,
  AssistantParams,
  AssistantPatch,
  AssistantSearch,
  AssistantVersions,
} from "./schemas.ts";
import { assistantOut, pick } from "./shapes.ts";

const tags = ["assistants"];
type SearchBody = z.infer<typeof AssistantSearch>;

// Default assistants are made on first use; a search must list them before any run.
async function matching(runtime: Runtime, tenant: string, body: Partial<SearchBody>) {
  for (const graphId of runtime.registry.ids()) await runtime.resolveAssistant(tenant, graphId);
  const query = {
    tenant,
    graphId: body.graph_id ?? undefined,
    name: body.name ?? undefined,
    metadata: body.metadata ?? undefined,
  };
  return readAll((page) => runtime.store.assistants.search({ ...query, ...page }));
}

async function search(runtime: Runtime, tenant: string, body: SearchBody) {
  const all = await matching(runtime, tenant, body);
  return sortedPage(all.map(assistantOut), body).map((a) => pick(a, body.select));
}

async function update(
  runtime: Runtime,
  tenant: string,
  id: string,
  body: z.infer<typeof AssistantPatch>,
) {
  const current = await runtime.resolveAssistant(tenant, id);
  if (body.graph_id) runtime.registry.require(body.graph_id);
  const patch: Parameters<Runtime["store"]["assistants"]["update"]>[2] = {};
  if (body.graph_id) patch.graphId = body.graph_id;
  if (body.config) patch.config = configOf(body.config);
  if (body.context !== undefined) patch.context = body.context;
  // LangGraph merges metadata on update; the other fields are replaced.
  if (body.metadata) patch.metadata = { ...current.metadata, ...body.metadata };
  if (body.name != null) patch.name = body.name;
  if (body.description !== undefined) patch.description = body.description;
  const updated = await runtime.store.assistants.update(
    tenant,
    current.assistantId,
    patch,
    runtime.clock(),
  );
  return assistantOut(updated);
}

/** Deletes the assistant and, when asked, the threads it last ran on. */
async function remove(runtime: Runtime, tenant: string, assistant: Assistant, threads: boolean) {
  if (threads) {
    const query = { tenant, metadata: { assistant_id: assistant.assistantId } };
    const found = await readAll((page) => runtime.store.threads.search({ ...query, ...page }));
    for (const thread of found) {
      await runtime.store.threads.delete(tenant, thread.threadId);
      await runtime.store.saver.deleteThread(thread.threadId);
    }
  }
  await runtime.store.assistants.delete(tenant, assistant.assistantId);
}

function createAssistantRoute(runtime: Runtime) {
  return defineRoute({
    method: "POST",
    url: "/assistants",
    scope: "runs:write",
    summary: "Create an assistant for a registered graph",
    tags,
    body: AssistantCreate,
    handler: async ({ body, principal }) => {
      runtime.registry.require(body.graph_id);
      const created = await runtime.store.assistants.create(
        {
          tenant: principal.tenant,
          assistantId: body.assistant_id ?? newId(),
          graphId: body.graph_id,
          name: body.name ?? undefined,
          description: body.description,
          config: configOf(body.config),
          context: body.context,
          metadata: body.metadata ?? undefined,
        },
        runtime.clock(),
        body.if_exists ?? "raise",
      );
      return assistantOut(created);
    },
  });
}

function searchAssistantsRoute(runtime: Runtime) {
  return defineRoute({
    method: "POST",
    url: "/assistants/search",
    scope: "runs:read",
    summary: "Search assistants",
    tags,
    body: AssistantSearch,
    handler: ({ body, principal }) => search(runtime, principal.tenant, body),
  });
}

function countAssistantsRoute(runtime: Runtime) {
  return defineRoute({
    method: "POST",
    url: "/assistants/count",
    scope: "runs:read",
    summary: "Count assistants",
    tags,
    body: AssistantSearch.pick({ graph_id: true, name: true, metadata: true }),
    handler: async ({ body, principal }) =>
      (await matching(runtime, principal.tenant, body)).length,
  });
}

function getAssistantRoute(runtime: Runtime) {
  return defineRoute({
    method: "GET",
    url: "/assistants/:assistant_id",
    scope: "runs:read",
    summary: "Get an assistant (or a graph's default assistant by graph id)",
    tags,
    params: AssistantParams,
    handler: async ({ params, principal }) =>
      assistantOut(await runtime.resolveAssistant(principal.tenant, params.assistant_id)),
  });
}

function patchAssistantRoute(runtime: Runtime) {
  return defineRoute({
    method: "PATCH",
    url: "/assistants/:assistant_id",
    scope: "runs:write",
    summary: "Update an assistant (adds a version)",
    tags,
    params: AssistantParams,
    body: AssistantPatch,
    handler: ({ params, body, principal }) =>
      update(runtime, principal.tenant, params.assistant_id, body),
  });
}

function deleteAssistantRoute(runtime: Runtime) {
  return defineRoute({
    method: "DELETE",
    url: "/assistants/:assistant_id",
    scope: "runs:write",
    summary: "Delete an assistant",
    tags,
    status: 204,
    params: AssistantParams,
    query: z.object({ delete_threads: z.enum(["true", "false", "1", "0"]).optional() }),
    handler: async ({ params, query, principal }) => {
      const assistant = await runtime.store.assistants.get(principal.tenant, params.assistant_id);
      if (!assistant) throw assistantNotFound(principal.tenant, params.assistant_id);
      const threads = query.delete_threads === "true" || query.delete_threads === "1";
      await remove(runtime, principal.tenant, assistant, threads);
    },
  });
}

function versionsRoute(runtime: Runtime) {
  return defineRoute({
    method: "POST",
    url: "/assistants/:assistant_id/versions",
    scope: "runs:read",
    summary: "List an assistant's versions, newest first",
    tags,
    params: AssistantParams,
    body: AssistantVersions,
    handler: async ({ params, body, principal }) => {
      const current = await runtime.resolveAssistant(principal.tenant, params.assistant_id);
      const versions = await runtime.store.assistants.versions(
        principal.tenant,
        current.assistantId,
      );
      const offset = body.offset ?? 0;
      return versions
        .filter((v) => matches(v.metadata, body.metadata))
        .slice(offset, offset + (body.limit ?? 10))
        .map(assistantOut);
    },
  });
}

function setLatestRoute(runtime: Runtime) {
  return defineRoute({
    method: "POST",
    url: "/assistants/:assistant_id/latest",
    scope: "runs:write",
    summary: "Make an earlier version current",
    tags,
    params: AssistantParams,
    body: z.object({ version: z.number().int().min(1) }),
    handler: async ({ params, body, principal }) => {
      const current = await runtime.resolveAssistant(principal.tenant, params.assistant_id);
      const now = runtime.clock();
      const { assistants } = runtime.store;
      return assistantOut(
        await assistants.setLatest(principal.tenant, current.assistantId, body.version, now),
      );
    },
  });
}

function graphRoute(runtime: Runtime) {
  return defineRoute({
    method: "GET",
    url: "/assistants/:assistant_id/graph",
    scope: "runs:read",
    summary: "The assistant's graph: nodes and edges",
    tags,
    params: AssistantParams,
    query: z.object({ xray: z.union([z.string(), z.number()]).optional() }),
    handler: async ({ params, principal }) => {
      const assistant = await runtime.resolveAssistant(principal.tenant, params.assistant_id);
      return runtime.registry.require(assistant.graphId).graph.getGraph().toJSON();
    },
  });
}

/** LangGraph Platform's GraphSchema: a graph's state, input and output JSON Schemas. */
function schemasOut(graphId: string, graph: { builder?: unknown }) {
  const schemas = graphJsonSchemas(graph);
  return {
    graph_id: graphId,
    state_schema: schemas.state,
    input_schema: schemas.input,
    output_schema: schemas.output,
    config_schema: null,
    context_schema: schemas.context,
  };
}

function schemasRoute(runtime: Runtime) {
  return defineRoute({
    method: "GET",
    url: "/assistants/:assistant_id/schemas",
    scope: "runs:read",
    summary: "The JSON Schemas of the assistant's graph: state, input and output",
    tags,
    params: AssistantParams,
    handler: async ({ params, principal }) => {
      const assistant = await runtime.resolveAssistant(principal.tenant, params.assistant_id);
      return schemasOut(assistant.graphId, runtime.registry.require(assistant.graphId).graph);
    },
  });
}

/** The graph's subgraphs and their schemas, keyed by node name (`parent|child` when recursing). */
function subgraphsRoute(runtime: Runtime, byNamespace: boolean) {
  return defineRoute({
    method: "GET",
    url: `/assistants/:assistant_id/subgraphs${byNamespace ? "/:namespace" : ""}`,
    scope: "runs:read",
    summary: byNamespace
      ? "One subgraph of the assistant (and, with recurse, its own) with their JSON Schemas"
      : "The assistant's subgraphs and their JSON Schemas",
    tags,
    // The namespace is a path parameter of the second route only.
    params: (byNamespace
      ? AssistantParams.extend({ namespace: z.string().min(1) })
      : AssistantParams) as z.ZodType<{ assistant_id: string; namespace?: string }>,
    query: z.object({ recurse: z.enum(["true", "false"]).optional() }),
    handler: async ({ params, query, principal }) => {
      const assistant = await runtime.resolveAssistant(principal.tenant, params.assistant_id);
      const graph = runtime.registry.require(assistant.graphId).graph;
      const found: Record<string, unknown> = {};
      for (const [ns, subgraph] of graph.getSubgraphs(params.namespace, query.recurse === "true"))
        found[ns] = schemasOut(assistant.graphId, subgraph);
      if (params.namespace !== undefined && Object.keys(found).length === 0)
        throw new NotFoundError(
          "SUBGRAPH_NOT_FOUND",
          `Graph "${assistant.graphId}" has no subgraph at namespace "${params.namespace}"; list them with GET /assistants/${params.assistant_id}/subgraphs?recurse=true.`,
        );
      return found;
    },
  });
}

/** Routes for assistants. */
export function assistantRoutes(ctx: ServerContext) {
  return [
    createAssistantRoute,
    searchAssistantsRoute,
    countAssistantsRoute,
    getAssistantRoute,
    patchAssistantRoute,
    deleteAssistantRoute,
    versionsRoute,
    setLatestRoute,
    graphRoute,
    schemasRoute,
    (runtime: Runtime) => subgraphsRoute(runtime, false),
    (runtime: Runtime) => subgraphsRoute(runtime, true),
  ].map((route) => route(ctx.runtime));
}
