/**
 * Routes are declared once, with zod schemas, and that declaration drives three things: the
 * Fastify route, request validation (422 with every problem's path and message), and the
 * OpenAPI 3.1 document. A route cannot be undocumented or validated differently than it is
 * described.
 */
import type { ApiKeyScope } from "@conclave/core";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { ValidationError } from "./errors.ts";

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** Who is calling: the tenant every read and write is confined to, and the key's scopes. */
export interface Principal {
  tenant: string;
  scopes: readonly ApiKeyScope[];
  keyId: string;
}

export interface RouteContext<B, Q, P> {
  req: FastifyRequest;
  reply: FastifyReply;
  body: B;
  query: Q;
  params: P;
  principal: Principal;
}

export interface RouteSpec<B = unknown, Q = unknown, P = unknown> {
  method: Method;
  /** Fastify syntax: `/threads/:thread_id`. */
  url: string;
  /** The scope a key needs; `null` for public routes (health, docs). */
  scope: ApiKeyScope | null;
  summary: string;
  tags: string[];
  body?: z.ZodType<B>;
  query?: z.ZodType<Q>;
  params?: z.ZodType<P>;
  /** The success response, for the docs. */
  response?: z.ZodType;
  /** Status of a successful reply. Default 200. */
  status?: number;
  /** Documents an SSE response instead of JSON. */
  stream?: boolean;
  /** Returns the JSON body, or undefined after writing the reply itself (streams, 204). */
  handler(context: RouteContext<B, Q, P>): Promise<unknown> | unknown;
}

/** Declares a route; a function so the body, query and params types flow into the handler. */
export function defineRoute<B = undefined, Q = undefined, P = undefined>(
  spec: RouteSpec<B, Q, P>,
): RouteSpec<B, Q, P> {
  return spec;
}

type Issue = { path: string; message: string };

// Adds the problems to `issues` rather than throwing, so one 422 lists those of params, query
// and body together.
function parse<T>(
  schema: z.ZodType<T> | undefined,
  value: unknown,
  where: string,
  issues: Issue[],
): T {
  if (!schema) return undefined as T;
  const result = schema.safeParse(value ?? (where === "body" ? undefined : {}));
  if (result.success) return result.data;
  for (const issue of result.error.issues)
    issues.push({ path: [where, ...issue.path.map(String)].join("."), message: issue.message });
  return undefined as T;
}

/** Registers the routes on `app`; `authenticate` resolves the caller for non-public routes. */
export function registerRoutes(
  app: FastifyInstance,
  routes: RouteSpec<never, never, never>[],
  authenticate: (req: FastifyRequest, scope: ApiKeyScope) => Promise<Principal>,
): void {
  for (const route of routes as RouteSpec[]) {
    app.route({
      method: route.method,
      url: route.url,
      handler: async (req, reply) => {
        const principal = route.scope
          ? await authenticate(req, route.scope)
          : { tenant: "", scopes: [], keyId: "" };
        const issues: Issue[] = [];
        const params = parse(route.params, req.params, "params", issues);
        const query = parse(route.query, req.query, "query", issues);
        const body = parse(route.body, req.body, "body", issues);
        if (issues.length > 0) throw new ValidationError(issues);
        const result = await route.handler({ req, reply, body, query, params, principal });
        if (reply.sent) return reply;
        if (result === undefined) return reply.code(route.status ?? 204).send();
        return reply.code(route.status ?? 200).send(result);
      },
    });
  }
}

/** JSON Schema (2020-12, which OpenAPI 3.1 uses) of a zod schema, as requests see it. */
export function jsonSchemaOf(
  schema: z.ZodType,
  io: "input" | "output" = "input",
): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}
