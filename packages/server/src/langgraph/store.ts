/**
 * The long-term memory API of LangGraph Platform (`client.store` in the official SDK): put, get,
 * delete and search items, and list namespaces. Each tenant sees only its own items (the
 * runtime's `tenantStore`), the same ones its graphs read and write as `config.store`.
 */
import type { Item, SearchItem, Store } from "@conclave/core";
import { type Runtime, tenantStore } from "@conclave/runtime";
import { z } from "zod";
import type { ServerContext } from "../app.ts";
import { HttpError } from "../errors.ts";
import { defineRoute } from "../route.ts";

const tags = ["store"];

const Labels = z.array(z.string().min(1));
const Namespace = Labels.min(1).describe(
  'Namespace labels, outermost first (e.g. ["users", "u1", "memories"])',
);

const PutItem = z.object({
  namespace: Namespace,
  key: z.string().min(1),
  value: z.record(z.string(), z.unknown()),
  index: z.union([z.literal(false), z.array(z.string())]).nullish(),
  ttl: z.number().positive().nullish().describe("Minutes until the item expires"),
});

const ItemKey = z.object({ namespace: Namespace, key: z.string().min(1) });

const GetItem = z.object({
  namespace: z.string().min(1).describe("Labels joined with '.', as the SDK sends them"),
  key: z.string().min(1),
  refresh_ttl: z.enum(["true", "false"]).optional(),
});

const SearchItems = z.object({
  namespace_prefix: Labels.default([]),
  filter: z.record(z.string(), z.unknown()).nullish(),
  limit: z.number().int().min(1).max(1000).default(10),
  offset: z.number().int().min(0).default(0),
  query: z.string().nullish(),
  refresh_ttl: z.boolean().nullish(),
});

const ListNamespaces = z.object({
  prefix: Labels.nullish(),
  suffix: Labels.nullish(),
  max_depth: z.number().int().min(1).nullish(),
  limit: z.number().int().min(1).max(1000).default(100),
  offset: z.number().int().min(0).default(0),
});

/** The tenant's view of the runtime's store; 501 when the server was started without one. */
function storeOf(runtime: Runtime, tenant: string): Store {
  if (runtime.items === undefined)
    throw new HttpError(
      501,
      "STORE_UNAVAILABLE",
      "This server has no long-term memory store: pass `items` to Runtime.create (openPlatform provides one as `platform.items`).",
    );
  return tenantStore(runtime.items, tenant);
}

function itemOut(item: Item | SearchItem): Record<string, unknown> {
  return {
    namespace: item.namespace,
    key: item.key,
    value: item.value,
    created_at: item.createdAt.toISOString(),
    updated_at: item.updatedAt.toISOString(),
    ...("score" in item && item.score !== undefined ? { score: item.score } : {}),
  };
}

/** Every store route. */
export function storeRoutes({ runtime }: ServerContext) {
  return [
    defineRoute({
      method: "PUT",
      url: "/store/items",
      scope: "runs:write",
      summary: "Store or replace an item",
      tags,
      body: PutItem,
      handler: async ({ body, principal }) => {
        const ttlMs = body.ttl == null ? undefined : body.ttl * 60_000;
        await storeOf(runtime, principal.tenant).put(body.namespace, body.key, body.value, {
          ...(body.index == null ? {} : { index: body.index }),
          ...(ttlMs === undefined ? {} : { ttlMs }),
        });
        return undefined;
      },
    }),
    defineRoute({
      method: "GET",
      url: "/store/items",
      scope: "runs:read",
      summary: "Get an item (null when there is none)",
      tags,
      query: GetItem,
      handler: async ({ query, principal, reply }) => {
        const namespace = query.namespace.split(".");
        const item = await storeOf(runtime, principal.tenant).get(namespace, query.key);
        if (item) return itemOut(item);
        reply.code(200).header("content-type", "application/json").send("null");
        return undefined;
      },
    }),
    defineRoute({
      method: "DELETE",
      url: "/store/items",
      scope: "runs:write",
      summary: "Delete an item",
      tags,
      body: ItemKey,
      handler: async ({ body, principal }) => {
        await storeOf(runtime, principal.tenant).delete(body.namespace, body.key);
        return undefined;
      },
    }),
    defineRoute({
      method: "POST",
      url: "/store/items/search",
      scope: "runs:read",
      summary: "Search items under a namespace prefix",
      tags,
      body: SearchItems,
      handler: async ({ body, principal }) => {
        const items = await storeOf(runtime, principal.tenant).search(body.namespace_prefix, {
          limit: body.limit,
          offset: body.offset,
          ...(body.filter == null ? {} : { filter: body.filter }),
          ...(body.query == null ? {} : { query: body.query }),
        });
        return { items: items.map(itemOut) };
      },
    }),
    defineRoute({
      method: "POST",
      url: "/store/namespaces",
      scope: "runs:read",
      summary: "List namespaces",
      tags,
      body: ListNamespaces,
      handler: async ({ body, principal }) => ({
        namespaces: await storeOf(runtime, principal.tenant).listNamespaces({
          limit: body.limit,
          offset: body.offset,
          ...(body.prefix == null ? {} : { prefix: body.prefix }),
          ...(body.suffix == null ? {} : { suffix: body.suffix }),
          ...(body.max_depth == null ? {} : { maxDepth: body.max_depth }),
        }),
      }),
    }),
  ];
}
