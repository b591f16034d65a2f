/**
 * Builds the Fastify app: request ids, JSON logs (pino), errors, auth, metrics, health, the
 * OpenAPI document, and every route module. `listen` is left to the caller (the CLI), so
 * tests can start the same app on an ephemeral port.
 */
import { randomUUID } from "node:crypto";
import type { ApiKeyScope, BudgetStore, KeyStore, Ledger } from "@conclave/core";
import type { Runtime } from "@conclave/runtime";
import Fastify, {
  type FastifyInstance,
  type FastifyRequest,
  type FastifyServerOptions,
} from "fastify";
import { createAuthenticator } from "./auth.ts";
import { frameworkError, installErrorHandler, MAX_PARAM_LENGTH } from "./errors.ts";
import { healthRoutes } from "./health.ts";
import { installJsonParser } from "./json-body.ts";
import { createMetrics, instrumentHttp, type ServerMetrics } from "./metrics.ts";
import { DOCS_HTML, openApiDocument } from "./openapi.ts";
import { defineRoute, type Principal, type RouteSpec, registerRoutes } from "./route.ts";
import { endStreams } from "./sse.ts";
import { installTracing } from "./tracing.ts";

export const SERVER_VERSION = "0.1.0";

/** What route modules get: the runtime and server-wide services. */
export interface ServerContext {
  runtime: Runtime;
  keys: KeyStore;
  metrics: ServerMetrics;
  /** Optional services behind the admin routes (budgets, cost); those routes answer 501 without them. */
  services: ServerServices;
}

export interface ServerServices {
  budgets?: BudgetStore;
  ledger?: Ledger;
}

/** A route module: returns the routes it serves. */
export type RouteModule = (ctx: ServerContext) => RouteSpec<never, never, never>[];

/**
 * Something that needs the raw Fastify app (a WebSocket endpoint): called after the zod routes
 * are registered, with the authenticator the routes use.
 */
export type ServerExtension = (
  app: FastifyInstance,
  ctx: ServerContext & {
    authenticate: (req: FastifyRequest, scope: ApiKeyScope) => Promise<Principal>;
  },
) => Promise<void> | void;

export interface ServerOptions {
  runtime: Runtime;
  keys: KeyStore;
  /** Budgets and the usage ledger, for the /budgets and /cost routes. */
  services?: ServerServices;
  /** Route modules to serve besides health, metrics and docs. */
  modules?: RouteModule[];
  extensions?: ServerExtension[];
  /** An admin key that needs no stored record (CONCLAVE_API_KEY). */
  bootstrapKey?: string;
  /** Requests per minute per key, unless the key sets its own. */
  rateLimitPerMinute?: number;
  /** Fastify's logger option: pino options, or false. Default JSON logs at "info". */
  logger?: FastifyServerOptions["logger"];
  /** Largest accepted request body. Default 10 MiB. */
  bodyLimit?: number;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A URL with secret-looking query values (api_key=, token=...) masked, for logs. */
export function safeUrl(url: string): string {
  return url.replace(/([?&](?:api[_-]?key|key|token|access_token)=)[^&]*/gi, "$1[REDACTED]");
}

// Keys travel in headers (never logged) or, for browser WebSockets, in the query string,
// which the request log would show: the serializer masks it.
function loggerOptions(given: ServerOptions["logger"]): FastifyServerOptions["logger"] {
  if (given === false) return false;
  const base = typeof given === "object" && given !== null ? given : {};
  return {
    level: process.env.CONCLAVE_LOG_LEVEL ?? "info",
    ...base,
    serializers: {
      req: (req: { method: string; url: string; id?: string }) => ({
        method: req.method,
        url: safeUrl(req.url),
        requestId: req.id,
      }),
      ...((base as { serializers?: object }).serializers ?? {}),
    },
  };
}

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(options.logger),
    bodyLimit: options.bodyLimit ?? 10 * 1024 * 1024,
    // Fastify's default (100) is below the 256 characters ids may have, and its refusal would
    // pre-empt the route's own validation, which names the parameter.
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: frameworkError,
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
    },
  });
  app.addHook("onSend", async (req, reply) => {
    reply.header("x-request-id", req.id);
  });
  installErrorHandler(app);
  installJsonParser(app);
  installTracing(app);
  app.addHook("preClose", async () => endStreams(app));
  const metrics = createMetrics(options.runtime);
  options.runtime.afterRun((run) => metrics.observeRun(run));
  instrumentHttp(app, metrics.registry);
  const ctx: ServerContext = {
    runtime: options.runtime,
    keys: options.keys,
    metrics,
    services: options.services ?? {},
  };
  const routes = [
    ...healthRoutes(ctx),
    ...(options.modules ?? []).flatMap((module) => module(ctx)),
  ] as RouteSpec[];
  routes.push(...(docsRoutes(routes) as RouteSpec[]));
  const authenticate = createAuthenticator({
    keys: options.keys,
    bootstrapKey: options.bootstrapKey,
    defaultTenant: options.runtime.defaultTenant,
    rateLimitPerMinute: options.rateLimitPerMinute,
  });
  registerRoutes(app, routes as RouteSpec<never, never, never>[], authenticate);
  for (const extend of options.extensions ?? []) await extend(app, { ...ctx, authenticate });
  return app;
}

function docsRoutes(routes: RouteSpec[]) {
  let document: Record<string, unknown> | undefined;
  return [
    defineRoute({
      method: "GET",
      url: "/openapi.json",
      scope: null,
      summary: "The OpenAPI 3.1 document",
      tags: ["meta"],
      handler: () => {
        document ??= openApiDocument(routes, SERVER_VERSION);
        return document;
      },
    }),
    defineRoute({
      method: "GET",
      url: "/docs",
      scope: null,
      summary: "API docs page",
      tags: ["meta"],
      handler: ({ reply }) => reply.type("text/html; charset=utf-8").send(DOCS_HTML),
    }),
  ];
}
