/**
 * OpenAI's error shape for every reply under `/v1`: `{ error: { message, type, param, code } }`,
 * which OpenAI clients turn into typed exceptions (401 -> AuthenticationError, 404 ->
 * NotFoundError...).
 *
 * Decision: how /v1 gets its own error shape. Authentication and validation run in the shared
 * route wrapper before a handler, so a handler's try/catch cannot see them, and an encapsulated
 * Fastify error handler would need the routes registered inside the plugin, outside the
 * route list the OpenAPI document is built from. A `preSerialization` hook on the app sees
 * every JSON reply after the global error handler made it, so it rewrites the server's
 * `{ detail, code }` into OpenAI's shape for /v1 paths only: one place, and the routes stay
 * ordinary documented routes.
 */
import type { ServerExtension } from "../app.ts";
import type { ErrorBody } from "../errors.ts";

/** OpenAI's error body. */
export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** Conclave codes with an OpenAI equivalent; other codes are sent in lower case. */
const CODES: Record<string, string | null> = {
  UNAUTHENTICATED: "invalid_api_key",
  KEY_REVOKED: "invalid_api_key",
  FORBIDDEN: "insufficient_permissions",
  RATE_LIMITED: "rate_limit_exceeded",
  ROUTE_NOT_FOUND: "unknown_url",
  VALIDATION: null,
};

function typeOf(status: number): string {
  if (status === 429) return "requests";
  if (status >= 500) return "server_error";
  return "invalid_request_error";
}

/** The OpenAI error for a status, a message and a Conclave (or OpenAI) code. Pure. */
export function openAiError(
  status: number,
  message: string,
  code: string | null,
  param: string | null = null,
): OpenAiErrorBody {
  const mapped = code === null ? null : code in CODES ? CODES[code]! : code.toLowerCase();
  return { error: { message, type: typeOf(status), param, code: mapped } };
}

/** OpenAI names the offending parameter (`messages.0.role`), without our `body.` prefix. */
function paramOf(body: ErrorBody): string | null {
  const path = body.errors?.[0]?.path;
  return path ? path.replace(/^(body|params|query)\.?/, "") || null : null;
}

function isErrorBody(payload: unknown): payload is ErrorBody {
  const body = payload as Partial<ErrorBody> | null;
  return typeof body?.detail === "string" && typeof body.code === "string";
}

/** Whether a request path is served with OpenAI's error shape. */
export function isOpenAiPath(url: string): boolean {
  return url === "/v1" || url.startsWith("/v1/") || url.startsWith("/v1?");
}

/**
 * Rewrites error replies under `/v1` into OpenAI's shape. Invalid requests become 400, as
 * OpenAI answers them (the rest of the API uses 422). Wire it with `openAiApi`.
 */
export const openAiErrors: ServerExtension = (app) => {
  app.addHook("preSerialization", async (req, reply, payload) => {
    if (reply.statusCode < 400 || !isOpenAiPath(req.url) || !isErrorBody(payload)) return payload;
    if (reply.statusCode === 422) reply.code(400);
    return openAiError(reply.statusCode, payload.detail, payload.code, paramOf(payload));
  });
};
