/**
 * Assistants as OpenAI models. A model id is the assistant's name; a graph's default assistant
 * is named after its graph, so `research-team` talks to the graph `research-team`.
 *
 * Decision: names are not unique (two assistants may share one, or take a graph's id). Options:
 * refuse such names, list duplicates twice, or list the ambiguous ones by assistant id. The
 * last keeps every assistant reachable and every listed id unambiguous, so it is used, and
 * resolution follows the same order as listing: graph id, then unique name, then assistant id.
 */
import { type Assistant, NotFoundError } from "@conclave/core";
import { defaultAssistantId, type Runtime } from "@conclave/runtime";
import { HttpError } from "../errors.ts";
import type { ModelObject } from "./schemas.ts";

/** Most assistants listed per tenant (the store pages searches). */
const MAX_ASSISTANTS = 1_000;

/**
 * The models the tenant can use: the registered graphs' default assistants, then the tenant's
 * own assistants of registered graphs. `started` (Unix seconds) dates default assistants the
 * tenant has not used yet.
 */
export async function listModels(
  runtime: Runtime,
  tenant: string,
  started: number,
): Promise<ModelObject[]> {
  const graphIds = runtime.registry.ids();
  const defaults = new Map(graphIds.map((id) => [defaultAssistantId(id), id]));
  const assistants = await ownAssistants(runtime, tenant);
  const stored = new Map(assistants.map((a) => [a.assistantId, a]));
  const models = [...defaults].map(([assistantId, graphId]) => {
    const created = stored.get(assistantId)?.createdAt;
    return model(graphId, tenant, created ? seconds(created) : started, {
      assistant_id: assistantId,
      graph_id: graphId,
      description: runtime.registry.get(graphId)?.description ?? null,
    });
  });
  const custom = assistants.filter((a) => !defaults.has(a.assistantId));
  const taken = takenNames(custom, graphIds);
  for (const a of custom) {
    const id = taken.has(a.name) ? a.assistantId : a.name;
    models.push(
      model(id, tenant, seconds(a.createdAt), {
        assistant_id: a.assistantId,
        graph_id: a.graphId,
        description: a.description,
      }),
    );
  }
  return models;
}

/** The assistant a model id names, or a 404 `model_not_found` saying how to find one. */
export async function resolveModel(
  runtime: Runtime,
  tenant: string,
  modelId: string,
): Promise<Assistant> {
  if (runtime.registry.get(modelId)) return runtime.resolveAssistant(tenant, modelId);
  const named = (await ownAssistants(runtime, tenant, modelId)).filter(
    (a) => a.assistantId !== defaultAssistantId(a.graphId),
  );
  if (named.length === 1) return named[0]!;
  try {
    const found = await runtime.resolveAssistant(tenant, modelId);
    if (runtime.registry.get(found.graphId)) return found;
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
  }
  throw modelNotFound(modelId, named);
}

/** The 404 `model_not_found` for a model id, naming the ids to use when a name is shared. */
export function modelNotFound(modelId: string, named: Assistant[] = []): HttpError {
  const hint =
    named.length > 1
      ? `${named.length} assistants have this name; use one of their ids as the model: ${named.map((a) => a.assistantId).join(", ")}.`
      : "GET /v1/models lists the models (assistants) this API key can use.";
  return new HttpError(
    404,
    "model_not_found",
    `The model ${JSON.stringify(modelId)} does not exist. ${hint}`,
  );
}

/** The tenant's assistants of registered graphs (only those can run here). */
async function ownAssistants(runtime: Runtime, tenant: string, name?: string) {
  const found = await runtime.store.assistants.search({ tenant, name, limit: MAX_ASSISTANTS });
  return found.filter((a) => runtime.registry.get(a.graphId) !== undefined);
}

/** Names that cannot be model ids: graph ids, and names several assistants share. */
function takenNames(assistants: Assistant[], graphIds: string[]): Set<string> {
  const taken = new Set(graphIds);
  const seen = new Set<string>();
  for (const a of assistants) {
    if (seen.has(a.name)) taken.add(a.name);
    seen.add(a.name);
  }
  return taken;
}

function model(
  id: string,
  tenant: string,
  created: number,
  conclave: ModelObject["conclave"],
): ModelObject {
  return { id, object: "model", created, owned_by: tenant, conclave };
}

const seconds = (iso: string): number => Math.floor(Date.parse(iso) / 1000);
